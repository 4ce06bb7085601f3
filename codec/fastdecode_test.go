package codec

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// slowDecode is the path decodeText takes when fastDecode refuses text.
func slowDecode(text string, prefixed bool, max int) ([]byte, error) {
	var dst [maxAnyPayload + 2]byte
	s, err := normalize(text, FormatUnknown)
	if err != nil {
		return nil, err
	}
	base := 0
	if prefixed {
		if err := checkVersionPrefix(s, FormatUnknown); err != nil {
			return nil, err
		}
		base = 1
	}
	if err := checkMaxDecoded(s[base:], FormatUnknown, base, max); err != nil {
		return nil, err
	}
	b, _, err := decodeBase64(s[base:], FormatUnknown, base, dst[:0])
	return bytes.Clone(b), err
}

// TestFastDecodeAcceptsOnlyWhatTheCheckedPathDecodesToTheSameBytes mutates
// valid base64 texts of every length, alphabet and padding (a character
// replaced by a bad, a padding or an other-alphabet one, trailing bits
// set, '=' added or removed, whitespace or quotes around) and checks that
// whenever fastDecode accepts a text the checked path accepts it with the
// same bytes, and that it accepts every clean text the checked path does.
func TestFastDecodeAcceptsOnlyWhatTheCheckedPathDecodesToTheSameBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	encs := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}
	noise := []byte("=+/-_ \t\r\n\"'\x00\x7f\xef{1A")
	for iter := 0; iter < 20000; iter++ {
		n := rng.IntN(300)
		payload := make([]byte, n)
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		text := encs[rng.IntN(len(encs))].EncodeToString(payload)
		prefixed := rng.IntN(2) == 0
		if prefixed {
			text = "1" + text
		}
		clean := text
		switch rng.IntN(6) {
		case 0:
		case 1:
			if len(text) > 0 {
				b := []byte(text)
				b[rng.IntN(len(b))] = noise[rng.IntN(len(noise))]
				text = string(b)
			}
		case 2:
			text += "="
		case 3:
			if len(text) > 0 {
				text = text[:len(text)-1]
			}
		case 4:
			q := string(noise[rng.IntN(len(noise))])
			text = q + text + q
		case 5:
			if len(text) > 0 {
				b := []byte(text)
				i := len(b) - 1
				for i > 0 && b[i] == '=' {
					i--
				}
				b[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[rng.IntN(64)]
				text = string(b)
			}
		}
		max := []int{100, 263, 271, 275, maxStringPayload, maxAnyPayload}[rng.IntN(6)]
		var dst [maxAnyPayload + 2]byte
		got, ok := fastDecode(text, prefixed, max, dst[:0])
		want, err := slowDecode(text, prefixed, max)
		if ok {
			if err != nil {
				t.Fatalf("fastDecode accepted a %d-character text the checked path refuses (%v)", len(text), err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("fastDecode and the checked path decode a %d-character text differently", len(text))
			}
		} else if text == clean && err == nil && len(want) > 0 {
			t.Fatalf("fastDecode refused a clean %d-character text the checked path decodes", len(text))
		}
	}
}

func TestIsZeroFindsANonZeroByteAtEveryOffset(t *testing.T) {
	for n := 0; n <= 70; n++ {
		b := make([]byte, n)
		if !isZero(b) {
			t.Fatalf("%d zero bytes reported non-zero", n)
		}
		for i := 0; i < n; i++ {
			b[i] = 0x80
			if isZero(b) {
				t.Fatalf("byte %d of %d set, reported zero", i, n)
			}
			b[i] = 0
		}
	}
}
