package gotd_test

import (
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/gotd/td/session"

	"github.com/tgsession/tgsession/codec"
)

// BenchmarkTelethonDecoders puts gotd's session.TelethonSession beside
// tgsession's decoders and the floor (the standard library's base64 into a
// preallocated buffer plus the big-endian reads) in one run, so that
// docs/benchmarks-codec.md reads their ratios from one run:
//
//	cd interop/gotd && go test -run '^$' -bench TelethonDecoders -benchmem
func BenchmarkTelethonDecoders(b *testing.B) {
	key := randomKey(rand.New(rand.NewPCG(7, 7)))
	k, err := codec.NewAuthKey(key)
	if err != nil {
		b.Fatal(err)
	}
	s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: k}
	text, err := s.Encode(codec.Telethon)
	if err != nil {
		b.Fatal(err)
	}
	in := []byte(text[1:])
	var sink uint64
	b.Run("Floor", func(b *testing.B) {
		b.ReportAllocs()
		var buf [300]byte
		for b.Loop() {
			n, err := base64.URLEncoding.Decode(buf[:], in)
			if err != nil || n != 263 {
				b.Fatal(n, err)
			}
			sink += uint64(buf[0]) + uint64(binary.BigEndian.Uint32(buf[1:])) + uint64(binary.BigEndian.Uint16(buf[5:]))
		}
	})
	b.Run("GotdTelethonSession", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := session.TelethonSession(text)
			if err != nil {
				b.Fatal(err)
			}
			sink += uint64(d.DC)
		}
	})
	b.Run("DecodeAs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := codec.DecodeAs(codec.Telethon, text)
			if err != nil {
				b.Fatal(err)
			}
			d.Wipe()
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d, err := codec.Decode(text)
			if err != nil {
				b.Fatal(err)
			}
			d.Wipe()
		}
	})
	_ = sink
}
