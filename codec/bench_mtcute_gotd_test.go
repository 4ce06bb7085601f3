package codec

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// benchSessions returns a typical mtcute session (main and media DC, self)
// and its gotd counterpart, with an obviously fake key.
func benchSession(tb testing.TB) *Session {
	key, err := NewAuthKey(bytes.Repeat([]byte{'a'}, AuthKeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return &Session{
		Info: Info{
			DC:            2,
			ServerAddress: "149.154.167.50",
			Port:          443,
			IPv6:          Some(false),
			TestMode:      Some(false),
			Media:         &DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
			UserID:        Some[int64](5000000001),
			IsBot:         Some(false),
		},
		Key: key,
	}
}

// TestDecodeMtcutePayload checks the entry point Detect uses against
// parseMtcute, and that it does not keep or modify its input.
func TestDecodeMtcutePayload(t *testing.T) {
	s := benchSession(t)
	text, err := s.EncodeMtcute()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := base64.RawURLEncoding.DecodeString(text)
	orig := bytes.Clone(b)
	got, err := decodeMtcutePayload(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, orig) {
		t.Fatal("decodeMtcutePayload modified its input")
	}
	clear(b)
	if !got.Equal(s) {
		t.Fatal("decodeMtcutePayload differs from the encoded session")
	}
	for n := 0; n < len(orig); n++ {
		if s, err := decodeMtcutePayload(orig[:n]); err == nil || s != nil {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
	}
}

func BenchmarkParseMtcute(b *testing.B) {
	text, err := benchSession(b).EncodeMtcute()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := parseMtcute(text)
		if err != nil {
			b.Fatal(err)
		}
		s.Wipe()
	}
}

func BenchmarkDecodeMtcutePayload(b *testing.B) {
	text, err := benchSession(b).EncodeMtcute()
	if err != nil {
		b.Fatal(err)
	}
	p, _ := base64.RawURLEncoding.DecodeString(text)
	b.ReportAllocs()
	for b.Loop() {
		s, err := decodeMtcutePayload(p)
		if err != nil {
			b.Fatal(err)
		}
		s.Wipe()
	}
}

func BenchmarkEncodeMtcute(b *testing.B) {
	s := benchSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.EncodeMtcute(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGotd(b *testing.B) {
	text, err := benchSession(b).EncodeGotd()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := parseGotd(text)
		if err != nil {
			b.Fatal(err)
		}
		s.Wipe()
	}
}

func BenchmarkEncodeGotd(b *testing.B) {
	s := benchSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.EncodeGotd(); err != nil {
			b.Fatal(err)
		}
	}
}
