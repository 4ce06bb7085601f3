package diagnose_test

import (
	"testing"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
)

func BenchmarkDiagnose(b *testing.B) {
	// benchCases(b)[0] of codec's benchmarks: TelethonV4, key make_key(70).
	s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: newKey(b, vecKey(70))}
	text, _ := s.Encode(codec.Telethon)
	b.ReportAllocs()
	for b.Loop() {
		_ = diagnose.Text(text)
	}
}
