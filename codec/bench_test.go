package codec_test

import (
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/tgsession/tgsession/codec"
)

// Benchmarks for the string formats: go test -bench . -benchmem ./codec/
// Targets (measured, not asserted): under 1 µs and at most 2 allocations
// per decode.

type benchCase struct {
	name string
	f    codec.Format
	s    *codec.Session
}

func benchCases(b *testing.B) []benchCase {
	k := newKey(b, vecKey(70))
	return []benchCase{
		{"TelethonV4", codec.Telethon, &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: k}},
		{"TelethonV6", codec.Telethon, &codec.Session{Info: codec.Info{DC: 4, ServerAddress: "2001:67c:4e8:f004::a", Port: 443}, Key: k}},
		{"TelethonV4Unlisted", codec.Telethon, &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "10.20.30.40", Port: 443}, Key: k}},
		{"Pyrogram", codec.Pyrogram, &codec.Session{Info: codec.Info{DC: 2, APIID: codec.Some[uint32](2040), UserID: codec.Some[int64](123456789)}, Key: k}},
		{"PyrogramLegacy32", codec.PyrogramLegacy, &codec.Session{Info: codec.Info{DC: 2, UserID: codec.Some[int64](123456789)}, Key: k}},
		{"PyrogramLegacy64", codec.PyrogramLegacy, &codec.Session{Info: codec.Info{DC: 2, UserID: codec.Some[int64](5000000001)}, Key: k}},
		{"GramJS", codec.GramJS, &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: k}},
		{"GramJSHost", codec.GramJS, &codec.Session{Info: codec.Info{DC: 4, ServerAddress: "vesta.web.telegram.org", Port: 443}, Key: k}},
		{"GramJSUnlisted", codec.GramJS, &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "10.20.30.40", Port: 443}, Key: k}},
		{"Mtkruto", codec.Mtkruto, &codec.Session{Info: codec.Info{DC: 2}, Key: k}},
		{"MtkrutoFull", codec.Mtkruto, &codec.Session{Info: codec.Info{DC: 2, APIID: codec.Some[uint32](2040), UserID: codec.Some[int64](123456789), IsBot: codec.Some(false)}, Key: k}},
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range benchCases(b) {
		text, err := c.s.Encode(c.f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := codec.DecodeAs(c.f, text)
				if err != nil {
					b.Fatal(err)
				}
				s.Wipe()
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.s.Encode(c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDetect(b *testing.B) {
	for _, c := range benchCases(b) {
		text, err := c.s.Encode(c.f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if f, err := codec.Detect(text); err != nil || f != c.f {
					b.Fatal(f, err)
				}
			}
		})
	}
}

// BenchmarkDecodeAuto is Detect followed by DecodeAs.
func BenchmarkDecodeAuto(b *testing.B) {
	for _, c := range benchCases(b)[:1] {
		text, _ := c.s.Encode(c.f)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := codec.Decode(text)
				if err != nil {
					b.Fatal(err)
				}
				s.Wipe()
			}
		})
	}
}

// BenchmarkFloor is what decoding and encoding cannot go below: the
// standard library's base64 into a preallocated buffer plus the
// big-endian reads (decode) or writes (encode) of the fields, with no
// checks, no session and no allocation. docs/benchmarks-codec.md reads the
// ratios of the Decode, DecodeAuto and Encode benchmarks to these from one
// run.
func BenchmarkFloor(b *testing.B) {
	cases := benchCases(b)
	tele, _ := cases[0].s.Encode(codec.Telethon)
	pyro, _ := cases[3].s.Encode(codec.Pyrogram)
	key := make([]byte, codec.AuthKeySize)
	cases[0].s.Key.RevealTo(key)
	teleIn, pyroIn := []byte(tele[1:]), []byte(pyro)
	var sink uint64
	b.Run("DecodeTelethonV4", func(b *testing.B) {
		var buf [300]byte
		for b.Loop() {
			n, err := base64.URLEncoding.Decode(buf[:], teleIn)
			if err != nil || n != 263 {
				b.Fatal(n, err)
			}
			sink += uint64(buf[0]) + uint64(binary.BigEndian.Uint32(buf[1:])) + uint64(binary.BigEndian.Uint16(buf[5:]))
		}
	})
	b.Run("DecodePyrogram", func(b *testing.B) {
		var buf [300]byte
		for b.Loop() {
			n, err := base64.RawURLEncoding.Decode(buf[:], pyroIn)
			if err != nil || n != 271 {
				b.Fatal(n, err)
			}
			sink += uint64(buf[0]) + uint64(binary.BigEndian.Uint32(buf[1:])) + uint64(buf[5]) +
				binary.BigEndian.Uint64(buf[262:]) + uint64(buf[270])
		}
	})
	b.Run("EncodeTelethonV4", func(b *testing.B) {
		var payload [263]byte
		var out [353]byte
		for b.Loop() {
			payload[0] = 2
			binary.BigEndian.PutUint32(payload[1:], 0x959aa733)
			binary.BigEndian.PutUint16(payload[5:], 443)
			copy(payload[7:], key)
			out[0] = '1'
			base64.URLEncoding.Encode(out[1:], payload[:])
			sink += uint64(out[100])
		}
	})
	b.Run("EncodePyrogram", func(b *testing.B) {
		var payload [271]byte
		var out [362]byte
		for b.Loop() {
			payload[0] = 2
			binary.BigEndian.PutUint32(payload[1:], 2040)
			payload[5] = 0
			copy(payload[6:], key)
			binary.BigEndian.PutUint64(payload[262:], 123456789)
			payload[270] = 0
			base64.RawURLEncoding.Encode(out[:], payload[:])
			sink += uint64(out[100])
		}
	})
	_ = sink
}
