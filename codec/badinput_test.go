package codec_test

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
)

// Bad input: every decoder refuses damaged text with a typed error, never
// panics, and never puts the text or key into the error.

var textSentinels = []error{
	codec.ErrEmpty, codec.ErrTooLarge, codec.ErrBadCharacter, codec.ErrBadPadding, codec.ErrBadLength,
	codec.ErrUnsupportedVersion, codec.ErrBadField, codec.ErrZeroKey, codec.ErrUnknownFormat,
}

// decodeNoPanic runs DecodeAs, turning a panic into a test failure.
func decodeNoPanic(t *testing.T, f codec.Format, text string) (s *codec.Session, err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s decoder panicked on %d bytes of input", f, len(text))
		}
	}()
	return codec.DecodeAs(f, text)
}

// requireTypedError asserts err is one of the package's typed errors and
// leaks nothing.
func requireTypedError(t *testing.T, err error, text string, key []byte) {
	t.Helper()
	require.Error(t, err)
	var amb *codec.AmbiguousError
	known := errors.As(err, &amb)
	for _, s := range textSentinels {
		known = known || errors.Is(err, s)
	}
	require.True(t, known, "error wraps no sentinel: %v", err)
	var pe *codec.ParseError
	var ae *codec.AmbiguousError
	require.True(t, errors.As(err, &pe) || errors.As(err, &ae), "not a *ParseError or *AmbiguousError")
	if pe != nil {
		require.GreaterOrEqual(t, pe.Offset, -1)
		require.LessOrEqual(t, pe.Offset, max(len(text), 600))
	}
	requireNoLeak(t, err.Error(), []string{text}, key)
}

// badInputCases returns damaged versions of text, whose base64 starts after
// prefix characters, that every decoder must refuse, with the sentinel each
// must wrap (nil: any typed error).
func badInputCases(text string, prefix int) []badCase {
	mid := len(text) / 2
	body := strings.TrimRight(text, "=")
	c := map[string]error{
		"empty":             codec.ErrEmpty,
		"whitespace only":   codec.ErrEmpty,
		"quotes only":       codec.ErrEmpty,
		"1 MiB":             codec.ErrTooLarge,
		"space inside":      codec.ErrBadCharacter,
		"tab inside":        codec.ErrBadCharacter,
		"newline inside":    codec.ErrBadCharacter,
		"CRLF inside":       codec.ErrBadCharacter,
		"NUL inside":        codec.ErrBadCharacter,
		"NUL at end":        codec.ErrBadCharacter,
		"non-ASCII inside":  codec.ErrBadCharacter,
		"bang inside":       codec.ErrBadCharacter,
		"dot inside":        codec.ErrBadCharacter,
		"mixed alphabets":   codec.ErrBadCharacter,
		"'=' inside":        codec.ErrBadPadding,
		"three '='":         codec.ErrBadPadding,
		"extra '='":         nil,
		"truncated by one":  nil,
		"truncated by four": nil,
		"truncated to half": nil,
		"doubled":           nil,
		"one char more":     nil,
	}
	texts := map[string]string{
		"empty":             "",
		"whitespace only":   " \t\r\n ",
		"quotes only":       `" "`,
		"1 MiB":             strings.Repeat(text, (1<<20)/len(text)+1),
		"space inside":      text[:mid] + " " + text[mid:],
		"tab inside":        text[:mid] + "\t" + text[mid:],
		"newline inside":    text[:mid] + "\n" + text[mid:],
		"CRLF inside":       text[:mid] + "\r\n" + text[mid:],
		"NUL inside":        text[:mid] + "\x00" + text[mid:],
		"NUL at end":        text + "\x00",
		"non-ASCII inside":  text[:mid] + "é" + text[mid:],
		"bang inside":       text[:mid] + "!" + text[mid:],
		"dot inside":        text[:mid] + "." + text[mid:],
		"mixed alphabets":   text[:mid] + "-" + text[mid:mid+3] + "+" + text[mid+4:],
		"'=' inside":        text[:mid] + "=" + text[mid:],
		"three '='":         body + "===",
		"extra '='":         body + strings.Repeat("=", (4-(len(body)-prefix)%4)%4) + "=",
		"truncated by one":  body[:len(body)-1],
		"truncated by four": body[:len(body)-4],
		"truncated to half": text[:mid],
		"doubled":           text + text,
		"one char more":     body + "A",
	}
	var out []badCase
	for name, want := range c {
		out = append(out, badCase{name, texts[name], want})
	}
	return out
}

type badCase struct {
	name string
	text string
	want error
}

func TestBadInput(t *testing.T) {
	key := vecKey(50)
	k := newKey(t, key)
	sessions := map[codec.Format]*codec.Session{
		codec.Telethon:       {Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: k},
		codec.GramJS:         {Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: k},
		codec.Pyrogram:       {Info: codec.Info{DC: 2, APIID: codec.Some[uint32](2040), UserID: codec.Some[int64](123)}, Key: k},
		codec.PyrogramLegacy: {Info: codec.Info{DC: 2, UserID: codec.Some[int64](123)}, Key: k},
	}
	for f, s := range sessions {
		text, err := s.Encode(f)
		require.NoError(t, err)
		n := 0
		prefix := 0
		if f == codec.Telethon || f == codec.GramJS {
			prefix = 1
		}
		for _, bc := range badInputCases(text, prefix) {
			bad, want := bc.text, bc.want
			for _, g := range []codec.Format{f, codec.FormatUnknown} {
				var err error
				if g == codec.FormatUnknown {
					_, err = codec.Decode(bad)
				} else {
					_, err = decodeNoPanic(t, g, bad)
				}
				if want == nil && err == nil && g == codec.FormatUnknown {
					continue
				}
				require.Error(t, err, "%s %s: %s", f, g, bc.name)
				requireTypedError(t, err, bad, key)
				if want != nil {
					require.ErrorIs(t, err, want, "%s: %s", f, bc.name)
				}
			}
			d := diagnose.Text(bad)
			require.False(t, d.Decodes && d.Format == f && bad != text)
			n++
		}
		require.Equal(t, 22, n)

		// Every truncation and every single-character replacement.
		for i := 0; i < len(text); i++ {
			_, err := decodeNoPanic(t, f, text[:i])
			if text[:i] == strings.TrimRight(text, "=") {
				require.NoError(t, err, "padding is optional")
			} else {
				requireTypedError(t, err, text[:i], key)
			}
			for _, c := range []byte{' ', '\x00', '*', '=', '\n'} {
				b := []byte(text)
				b[i] = c
				_, err := decodeNoPanic(t, f, string(b))
				if text[i] == c || strings.TrimSpace(string(b)) == strings.TrimRight(text, "=") {
					require.NoError(t, err, "padding replaced by whitespace is optional padding")
					continue
				}
				requireTypedError(t, err, string(b), key)
			}
		}
	}
}

// TestBadFields covers field values: DC 0, port 0, short and zero keys, in
// every format's layout.
func TestBadFields(t *testing.T) {
	key := vecKey(51)
	tel := func(dc byte, port uint16, k []byte) string {
		b := append([]byte{dc, 149, 154, 167, 51}, byte(port>>8), byte(port))
		return "1" + base64.URLEncoding.EncodeToString(append(b, k...))
	}
	gj := func(dc byte, port uint16, k []byte) string {
		b := []byte{dc}
		b = binary.BigEndian.AppendUint16(b, 14)
		b = append(b, "149.154.167.51"...)
		b = binary.BigEndian.AppendUint16(b, port)
		return "1" + base64.StdEncoding.EncodeToString(append(b, k...))
	}
	v2 := func(dc byte, k []byte) string {
		b := append([]byte{dc, 0, 0, 7, 0xf8, 0}, k...)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 1, 0)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	old := func(dc byte, k []byte) string {
		b := append([]byte{dc, 0}, k...)
		b = append(b, 0, 0, 0, 1, 0)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	zero := make([]byte, 256)
	cases := []struct {
		name string
		f    codec.Format
		text string
		want error
	}{
		{"telethon dc 0", codec.Telethon, tel(0, 443, key), codec.ErrBadField},
		{"telethon port 0", codec.Telethon, tel(2, 0, key), codec.ErrBadField},
		{"telethon short key", codec.Telethon, tel(2, 443, key[:255]), codec.ErrBadLength},
		{"telethon 128-byte key", codec.Telethon, tel(2, 443, key[:128]), codec.ErrBadLength},
		{"telethon zero key", codec.Telethon, tel(2, 443, zero), codec.ErrZeroKey},
		{"gramjs dc 0", codec.GramJS, gj(0, 443, key), codec.ErrBadField},
		{"gramjs port 0", codec.GramJS, gj(2, 0, key), codec.ErrBadField},
		{"gramjs short key", codec.GramJS, gj(2, 443, key[:255]), codec.ErrBadLength},
		{"gramjs zero key", codec.GramJS, gj(2, 443, zero), codec.ErrZeroKey},
		{"pyrogram dc 0", codec.Pyrogram, v2(0, key), codec.ErrBadField},
		{"pyrogram short key", codec.Pyrogram, v2(2, key[:255]), codec.ErrBadLength},
		{"pyrogram zero key", codec.Pyrogram, v2(2, zero), codec.ErrZeroKey},
		{"legacy dc 0", codec.PyrogramLegacy, old(0, key), codec.ErrBadField},
		{"legacy short key", codec.PyrogramLegacy, old(2, key[:255]), codec.ErrBadLength},
		{"legacy zero key", codec.PyrogramLegacy, old(2, zero), codec.ErrZeroKey},
	}
	for _, c := range cases {
		_, err := decodeNoPanic(t, c.f, c.text)
		require.ErrorIs(t, err, c.want, c.name)
		requireTypedError(t, err, c.text, key)
		_, err = codec.Decode(c.text)
		require.Error(t, err, c.name)
		requireTypedError(t, err, c.text, key)
	}
}

func TestNewAuthKeyErrors(t *testing.T) {
	_, err := codec.NewAuthKey(make([]byte, 255))
	require.ErrorIs(t, err, codec.ErrBadKey)
	_, err = codec.NewAuthKey(nil)
	require.ErrorIs(t, err, codec.ErrBadKey)
	_, err = codec.NewAuthKey(make([]byte, 256))
	require.ErrorIs(t, err, codec.ErrZeroKey)
	_, err = codec.NewAuthKey(make([]byte, 257))
	require.ErrorIs(t, err, codec.ErrBadKey)
}
