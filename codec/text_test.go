package codec

// Internal tests of the text layer (normalize, decodeBase64) against the
// real decoders.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"abc":           "abc",
		"  abc\r\n":     "abc",
		"\uFEFFabc\n":   "abc",
		`"abc"`:         "abc",
		`'abc'`:         "abc",
		" \" abc \" \n": "abc",
		`"abc'`:         `"abc'`, // an unmatched quote is kept (base64 decoding refuses it)
		`""abc""`:       `"abc"`,
		"\t'abc'\t":     "abc",
	} {
		got, err := normalize(in, Telethon)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
	}
	for in, want := range map[string]error{
		"":                         ErrEmpty,
		" \n ":                     ErrEmpty,
		`""`:                       ErrEmpty,
		"' '":                      ErrEmpty,
		"ab c":                     ErrBadCharacter,
		"ab\x00c":                  ErrBadCharacter,
		"ab\nc":                    ErrBadCharacter,
		"abé":                      ErrBadCharacter,
		"ab\x7f":                   ErrBadCharacter,
		strings.Repeat("a", 65537): ErrTooLarge,
	} {
		_, err := normalize(in, Telethon)
		require.ErrorIs(t, err, want, "%q", in)
	}
	_, err := normalize("ab c", Telethon)
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, 2, pe.Offset)
	require.Contains(t, err.Error(), "whitespace inside the text")
}

// TestDecodeBase64Differential checks decodeBase64 against encoding/base64
// on random payloads in all four encodings, and that it refuses damaged
// ones.
func TestDecodeBase64Differential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	encs := []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding}
	var buf [600]byte
	for i := 0; i < 3000; i++ {
		p := make([]byte, r.IntN(300))
		for j := range p {
			p[j] = byte(r.Uint32())
		}
		for _, enc := range encs {
			s := enc.EncodeToString(p)
			got, a, err := decodeBase64(s, Telethon, 0, buf[:0])
			require.NoError(t, err)
			require.True(t, bytes.Equal(p, got), "decoded bytes differ")
			require.Equal(t, strings.HasSuffix(s, "="), a.padded)
			if s == "" {
				continue
			}
			// Damage: one changed character must be refused or decode to
			// other bytes; a wrong amount of padding must be refused.
			b := []byte(s)
			k := r.IntN(len(b))
			b[k] = "!. \x00é"[r.IntN(5)]
			if _, _, err := decodeBase64(string(b), Telethon, 0, buf[:0]); err == nil {
				t.Fatalf("accepted a non-base64 character")
			}
			n := len(strings.TrimRight(s, "="))
			if n%4 != 0 {
				for _, pad := range []string{"=", "==", "==="} {
					if (n+len(pad))%4 == 0 {
						continue
					}
					_, _, err := decodeBase64(s[:n]+pad, Telethon, 0, buf[:0])
					require.ErrorIs(t, err, ErrBadPadding)
				}
			}
		}
	}
	// Mixed alphabets, '=' inside, non-canonical trailing bits.
	for in, want := range map[string]error{
		"ab-+":     ErrBadCharacter,
		"ab_/":     ErrBadCharacter,
		"ab=c":     ErrBadPadding,
		"abc=====": ErrBadPadding,
		"abd":      ErrBadPadding, // 'd' leaves trailing bits
		"ab":       ErrBadPadding, // 'b' leaves trailing bits
		"abcde":    ErrBadLength,
	} {
		_, _, err := decodeBase64(in, Telethon, 0, buf[:0])
		require.ErrorIs(t, err, want, in)
	}
}

// TestPythonIPString checks the Python 3.11 rendering against Go's for
// addresses where the two agree (all but IPv4-mapped ones).
func TestPythonIPString(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b [16]byte
		for j := range b {
			if r.IntN(3) > 0 {
				b[j] = byte(r.Uint32())
			}
		}
		a := netip.AddrFrom16(b)
		if a.Is4In6() {
			continue
		}
		require.Equal(t, a.String(), pythonIPString(a))
		v4 := netip.AddrFrom4([4]byte(b[:4]))
		require.Equal(t, v4.String(), pythonIPString(v4))
	}
	require.Equal(t, "::ffff:102:304", pythonIPString(netip.MustParseAddr("::ffff:1.2.3.4")))
	// Well-known addresses come from the table.
	a := netip.MustParseAddr("2001:67c:4e8:f002::a")
	require.Equal(t, "2001:67c:4e8:f002::a", pythonIPString(a))
	for _, s := range wellKnownAddresses {
		if _, err := netip.ParseAddr(s); err != nil {
			require.True(t, validAddress(s), s)
			continue
		}
		require.True(t, validAddress(s), s)
	}
}

func TestParseErrorText(t *testing.T) {
	err := errorf(Telethon, 3, ErrBadCharacter, "%s", "NUL byte")
	require.Equal(t, "codec: telethon: NUL byte: invalid character (at character 3)", err.Error())
	err = payloadErrorf(GramJS, 0, ErrBadField, "DC id 0")
	require.Equal(t, "codec: gramjs: DC id 0: invalid field (at decoded byte 0)", err.Error())
	err = errorf(FormatUnknown, -1, ErrEmpty, "")
	require.Equal(t, "codec: empty input", err.Error())
	require.True(t, errors.Is(err, ErrEmpty))
}

// TestParseIPv4 checks the byte-level IPv4 parser against netip.ParseAddr.
func TestParseIPv4(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	parts := []string{"0", "1", "01", "00", "255", "256", "999", "1000", "", "12", "099", "100"}
	for i := 0; i < 20000; i++ {
		n := 1 + r.IntN(6)
		var ps []string
		for j := 0; j < n; j++ {
			ps = append(ps, parts[r.IntN(len(parts))])
		}
		s := strings.Join(ps, ".")
		a, err := netip.ParseAddr(s)
		b, ok := parseIPv4(s)
		require.Equal(t, err == nil && a.Is4(), ok, "%q", s)
		if ok {
			require.Equal(t, a, b, "%q", s)
		}
		b2, ok2 := parseIPv4([]byte(s))
		require.Equal(t, ok, ok2)
		require.Equal(t, b, b2)
	}
}
