package codec_test

import (
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
