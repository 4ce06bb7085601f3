package codec_test

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// Property tests: decode(encode(s)) == s for random sessions over each
// format's whole field ranges, and encoding is canonical: any accepted text
// re-encodes to a text that decodes to the same session and re-encodes
// identically.

const propertyRounds = 1500

func randKey(t testing.TB, r *rand.Rand) codec.AuthKey {
	b := make([]byte, codec.AuthKeySize)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[r.IntN(len(b))] |= 1 // never all zeros
	return newKey(t, b)
}

func randBool(r *rand.Rand) bool { return r.IntN(2) == 1 }

// randIP returns a random IP address a session can hold, rendered as
// Python and Go both render it (no IPv4-mapped addresses).
func randIP(r *rand.Rand, v6 bool) string {
	if !v6 {
		return netip.AddrFrom4([4]byte{byte(1 + r.IntN(255)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}).String()
	}
	var b [16]byte
	for i := range b {
		if r.IntN(3) > 0 { // zero runs, so that "::" appears
			b[i] = byte(r.Uint32())
		}
	}
	b[0] = byte(1 + r.IntN(255))
	return netip.AddrFrom16(b).String()
}

// randHost returns a random valid host name of 4–100 bytes.
func randHost(r *rand.Rand) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	for {
		var labels []string
		for n := 1 + r.IntN(5); n > 0; n-- {
			l := make([]byte, 1+r.IntN(20))
			for i := range l {
				l[i] = letters[r.IntN(len(letters))]
				if i > 0 && i < len(l)-1 && r.IntN(8) == 0 {
					l[i] = '-'
				}
			}
			labels = append(labels, string(l))
		}
		last := labels[len(labels)-1]
		if _, err := strconv.Atoi(last); err == nil {
			continue
		}
		h := strings.Join(labels, ".")
		if len(h) >= 4 && len(h) <= 100 {
			return h
		}
	}
}

func randDC(r *rand.Rand) int {
	if r.IntN(4) == 0 {
		return 1 + r.IntN(255)
	}
	return 1 + r.IntN(5)
}

func randSession(t testing.TB, r *rand.Rand, f codec.Format) *codec.Session {
	s := &codec.Session{Info: codec.Info{Source: f, DC: randDC(r)}, Key: randKey(t, r)}
	switch f {
	case codec.Telethon:
		v6 := randBool(r)
		s.ServerAddress = randIP(r, v6)
		s.Port = uint16(1 + r.IntN(65535))
		s.IPv6 = codec.Some(v6)
	case codec.GramJS:
		switch r.IntN(4) {
		case 0:
			s.ServerAddress = randIP(r, false)
		case 1:
			s.ServerAddress = randIP(r, true)
		case 2:
			a := netip.MustParseAddr(randIP(r, true)).As16()
			s.ServerAddress = netip.AddrFrom16(a).StringExpanded()
		default:
			s.ServerAddress = randHost(r)
		}
		s.Port = uint16(1 + r.IntN(32767))
		s.IPv6 = codec.Some(strings.Contains(s.ServerAddress, ":"))
	case codec.Pyrogram, codec.PyrogramLegacy:
		s.TestMode = codec.Some(randBool(r))
		s.IsBot = codec.Some(randBool(r))
		switch r.IntN(4) {
		case 0:
			s.UserID = codec.Some(r.Int64N(1 << 31))
		case 1:
			s.UserID = codec.Some(2147483647 + r.Int64N(3))
		case 2:
			s.UserID = codec.Some[int64](math.MaxInt64 - r.Int64N(3))
		default:
			s.UserID = codec.Some(r.Int64())
		}
		if f == codec.Pyrogram {
			s.APIID = codec.Some(r.Uint32())
		}
	}
	return s
}

func TestPropertyRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, f := range []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS} {
		for i := 0; i < propertyRounds; i++ {
			s := randSession(t, r, f)
			text, err := s.Encode(f)
			require.NoError(t, err, "%s %s", f, s)
			got, err := codec.DecodeAs(f, text)
			require.NoError(t, err, "%s %s", f, s)
			requireSameSession(t, s, got)
			require.Equal(t, f, got.Source)
			detected, err := codec.Detect(text)
			require.NoError(t, err, "%s", f)
			require.Equal(t, f, detected, "%s", s)
			again, err := got.Encode(f)
			require.NoError(t, err)
			require.True(t, again == text, "%s: re-encoding differs", f)
		}
	}
}

// TestPropertyCanonical: every accepted variant of a text (other alphabet,
// padding added or removed, surrounding whitespace and quotes) decodes to
// the same session and re-encodes to the canonical text.
func TestPropertyCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	swap := strings.NewReplacer("-", "+", "_", "/", "+", "-", "/", "_")
	for _, f := range []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS} {
		for i := 0; i < propertyRounds/3; i++ {
			s := randSession(t, r, f)
			canon, err := s.Encode(f)
			require.NoError(t, err)
			body := strings.TrimRight(canon, "=")
			prefix := ""
			if f == codec.Telethon || f == codec.GramJS {
				prefix, body = "1", body[1:]
			}
			padded := body + strings.Repeat("=", (4-len(body)%4)%4)
			variants := []string{
				prefix + body, prefix + padded,
				prefix + swap.Replace(body), prefix + swap.Replace(padded),
				" \t" + canon + "\r\n", `"` + canon + `"`, "'" + canon + "'\n", "\uFEFF" + canon,
			}
			for _, v := range variants {
				got, err := codec.DecodeAs(f, v)
				require.NoError(t, err, "%s variant", f)
				requireSameSession(t, s, got)
				out, err := got.Encode(f)
				require.NoError(t, err)
				require.True(t, out == canon, "%s: variant does not re-encode canonically", f)
				d, err := codec.Decode(v)
				require.NoError(t, err)
				require.Equal(t, f, d.Source)
			}
		}
	}
}

// TestPropertyEncodeDecodeEncode runs encode(decode(x)) over the probe
// inputs that decode: the canonical form decodes to the same session and
// re-encodes to itself.
func TestPropertyEncodeDecodeEncode(t *testing.T) {
	n := 0
	for _, p := range loadPeerProbes(t).Probes {
		for _, f := range []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS} {
			s, err := codec.DecodeAs(f, p.Input)
			if err != nil {
				continue
			}
			out, err := s.Encode(f)
			if f == codec.GramJS && err != nil {
				require.ErrorIs(t, err, codec.ErrCannotEncode)
				continue
			}
			require.NoError(t, err, p.Label)
			s2, err := codec.DecodeAs(f, out)
			require.NoError(t, err)
			requireSameSession(t, s, s2)
			out2, err := s2.Encode(f)
			require.NoError(t, err)
			require.True(t, out == out2, "%s: not stable", p.Label)
			n++
		}
	}
	require.Greater(t, n, 100)
}
