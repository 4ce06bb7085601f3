package codec_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// mgMakeKey is make_key(n) of docs/formats.md#vectors: an obviously fake, reproducible
// 256-byte key.
func mgMakeKey(n int) []byte {
	var out []byte
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		out = append(out, sum[:]...)
	}
	return out
}

func mgKey(t testing.TB, b []byte) codec.AuthKey {
	t.Helper()
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k
}

// mgNoLeak asserts that msg holds no part of any secret text: neither the
// whole text nor any 12-byte window of it, and none of the key's hex or
// base64 forms.
func mgNoLeak(t testing.TB, msg string, texts []string, keys ...[]byte) {
	t.Helper()
	for _, k := range keys {
		texts = append(texts, hex.EncodeToString(k), strings.ToUpper(hex.EncodeToString(k)),
			base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k))
	}
	for _, s := range texts {
		const w = 12
		if len(s) < w {
			require.False(t, s != "" && strings.Contains(msg, s), "message contains a secret")
			continue
		}
		for i := 0; i+w <= len(s); i++ {
			if strings.Contains(msg, s[i:i+w]) {
				require.Fail(t, "message contains part of a secret", "window at offset %d", i)
			}
		}
	}
}

// mgRequireErr asserts err wraps want, is a *codec.ParseError or
// *codec.MissingFieldError, and leaks nothing.
func mgRequireErr(t testing.TB, err, want error, texts []string, keys ...[]byte) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, want)
	mgNoLeak(t, err.Error(), texts, keys...)
}

func mgURL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mgReadJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// mgSessionsEqual compares without printing secrets.
func mgSessionsEqual(t testing.TB, want, got *codec.Session) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, want.DC, got.DC)
	require.Equal(t, want.ServerAddress, got.ServerAddress)
	require.Equal(t, want.Port, got.Port)
	require.Equal(t, want.Media, got.Media)
	require.Equal(t, want.IPv6, got.IPv6)
	require.Equal(t, want.TestMode, got.TestMode)
	require.Equal(t, want.UserID, got.UserID)
	require.Equal(t, want.IsBot, got.IsBot)
	require.Equal(t, want.APIID, got.APIID)
	require.True(t, want.Key.Equal(got.Key), "auth keys differ")
	require.True(t, want.Equal(got), "sessions differ")
}

func TestMtcuteSharedVector(t *testing.T) {
	var v struct {
		Native []struct {
			Name  string `json:"name"`
			Input struct {
				AuthKeyHex string `json:"auth_key_hex"`
			} `json:"input"`
			Output     string `json:"output"`
			DecodedHex string `json:"decoded_hex"`
		} `json:"native_string_sessions"`
	}
	mgReadJSON(t, "testdata/mtcute_vectors.json", &v)
	require.Len(t, v.Native, 1)
	vec := v.Native[0]
	key, err := hex.DecodeString(vec.Input.AuthKeyHex)
	require.NoError(t, err)
	require.True(t, bytes.Equal(key, mgMakeKey(82)), "vector key is not make_key(82)")

	want := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.50",
			Port:          443,
			IPv6:          codec.Some(false),
			TestMode:      codec.Some(false),
			Media:         &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
			UserID:        codec.Some[int64](5000000001),
			IsBot:         codec.Some(false),
		},
		Key: mgKey(t, key),
	}
	got, err := codec.DecodeAs(codec.Mtcute, vec.Output)
	require.NoError(t, err)
	require.Equal(t, codec.Mtcute, got.Source)
	mgSessionsEqual(t, want, got)

	out, err := want.EncodeMtcute()
	require.NoError(t, err)
	require.True(t, out == vec.Output, "EncodeMtcute differs from mtcute's output")
	dec, err := base64.RawURLEncoding.DecodeString(out)
	require.NoError(t, err)
	wantDec, err := hex.DecodeString(vec.DecodedHex)
	require.NoError(t, err)
	testsecret.RequireSameBytes(t, wantDec, dec, "decoded payload") // key bytes: never printed
}

type mtcuteGenDC struct {
	ID        int    `json:"id"`
	IPAddress string `json:"ipAddress"`
	Port      int    `json:"port"`
	IPv6      bool   `json:"ipv6"`
	MediaOnly bool   `json:"mediaOnly"`
	TestMode  bool   `json:"testMode"`
}

type mtcuteGenSelf struct {
	UserID int64 `json:"userId"`
	IsBot  bool  `json:"isBot"`
}

type mtcuteReadBack struct {
	OK          bool           `json:"ok"`
	Error       string         `json:"error"`
	Main        mtcuteGenDC    `json:"main"`
	Media       mtcuteGenDC    `json:"media"`
	MediaIsMain bool           `json:"media_is_main"`
	Self        *mtcuteGenSelf `json:"self"`
	KeyLen      int            `json:"authKey_len"`
	KeySHA256   string         `json:"authKey_sha256"`
}

type mtcuteGenerated struct {
	Library  string `json:"library"`
	Version  string `json:"library_version"`
	Sessions []struct {
		Name  string `json:"name"`
		Key   int    `json:"key"`
		Input struct {
			Main  mtcuteGenDC    `json:"main"`
			Media *mtcuteGenDC   `json:"media"`
			Self  *mtcuteGenSelf `json:"self"`
		} `json:"input"`
		Output   string         `json:"output"`
		ReadBack mtcuteReadBack `json:"read_back"`
	} `json:"sessions"`
	Probes []struct {
		Name   string         `json:"name"`
		Expect string         `json:"expect"`
		Text   string         `json:"text"`
		Mtcute mtcuteReadBack `json:"mtcute"`
	} `json:"probes"`
}

func loadMtcuteGenerated(t testing.TB) mtcuteGenerated {
	var g mtcuteGenerated
	mgReadJSON(t, "testdata/mtcute_generated.json", &g)
	require.Contains(t, g.Version, "@mtcute/core 0.29.7")
	require.NotEmpty(t, g.Sessions)
	require.NotEmpty(t, g.Probes)
	return g
}

// mtcuteExpected builds the Session that a mtcute read-back describes.
func mtcuteExpected(t testing.TB, rb mtcuteReadBack, key []byte) *codec.Session {
	t.Helper()
	s := &codec.Session{
		Info: codec.Info{
			DC:            rb.Main.ID,
			ServerAddress: rb.Main.IPAddress,
			Port:          uint16(rb.Main.Port),
			IPv6:          codec.Some(rb.Main.IPv6),
			TestMode:      codec.Some(rb.Main.TestMode),
		},
		Key: mgKey(t, key),
	}
	if !rb.MediaIsMain {
		m := rb.Media
		s.Media = &codec.DCOption{ID: m.ID, ServerAddress: m.IPAddress, Port: uint16(m.Port),
			IPv6: m.IPv6, MediaOnly: m.MediaOnly, TestMode: m.TestMode}
	}
	if rb.Self != nil {
		s.UserID, s.IsBot = codec.Some(rb.Self.UserID), codec.Some(rb.Self.IsBot)
	}
	return s
}

// TestMtcuteGenerated checks sessions written by the real mtcute: ours are
// byte-identical, and we read them as mtcute does.
func TestMtcuteGenerated(t *testing.T) {
	g := loadMtcuteGenerated(t)
	for _, vec := range g.Sessions {
		t.Run(vec.Name, func(t *testing.T) {
			key := mgMakeKey(vec.Key)
			in := vec.Input
			want := &codec.Session{
				Info: codec.Info{
					DC:            in.Main.ID,
					ServerAddress: in.Main.IPAddress,
					Port:          uint16(in.Main.Port),
					IPv6:          codec.Some(in.Main.IPv6),
					TestMode:      codec.Some(in.Main.TestMode),
				},
				Key: mgKey(t, key),
			}
			if m := in.Media; m != nil {
				want.Media = &codec.DCOption{ID: m.ID, ServerAddress: m.IPAddress, Port: uint16(m.Port),
					IPv6: m.IPv6, MediaOnly: m.MediaOnly, TestMode: m.TestMode}
			}
			if in.Self != nil {
				want.UserID, want.IsBot = codec.Some(in.Self.UserID), codec.Some(in.Self.IsBot)
			}

			out, err := want.EncodeMtcute()
			require.NoError(t, err)
			require.True(t, out == vec.Output, "EncodeMtcute differs from mtcute's writeStringSession")

			got, err := codec.DecodeAs(codec.Mtcute, vec.Output)
			require.NoError(t, err)
			mgSessionsEqual(t, want, got)

			// And mtcute read it back to the same thing.
			require.True(t, vec.ReadBack.OK)
			mgSessionsEqual(t, mtcuteExpected(t, vec.ReadBack, key), got)
			sum := sha256.Sum256(key)
			require.Equal(t, hex.EncodeToString(sum[:]), vec.ReadBack.KeySHA256)
		})
	}
}

// TestMtcuteProbes checks hand-made payloads against what mtcute's reader
// did with them and against our documented stricter policy.
func TestMtcuteProbes(t *testing.T) {
	g := loadMtcuteGenerated(t)
	sentinels := map[string]error{
		"ErrUnsupportedVersion": codec.ErrUnsupportedVersion,
		"ErrBadField":           codec.ErrBadField,
		"ErrBadLength":          codec.ErrBadLength,
		"ErrBadKey":             codec.ErrBadKey,
		"ErrZeroKey":            codec.ErrZeroKey,
	}
	for _, p := range g.Probes {
		t.Run(p.Name, func(t *testing.T) {
			got, err := codec.DecodeAs(codec.Mtcute, p.Text)
			if p.Expect == "ok" {
				require.NoError(t, err)
				require.True(t, p.Mtcute.OK, "mtcute refused a probe we accept")
				require.Equal(t, p.Mtcute.KeyLen, codec.AuthKeySize)
				key := got.Key.Reveal()
				sum := sha256.Sum256(key)
				require.Equal(t, p.Mtcute.KeySHA256, hex.EncodeToString(sum[:]))
				mgSessionsEqual(t, mtcuteExpected(t, p.Mtcute, key), got)
				return
			}
			want, ok := sentinels[p.Expect]
			require.True(t, ok, "unknown expect %q", p.Expect)
			require.Nil(t, got)
			var pe *codec.ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, codec.Mtcute, pe.Format)
			mgRequireErr(t, err, want, []string{p.Text})
		})
	}
}

// mgRandomAddr returns a random IPv4, IPv6 (compressed or expanded) or
// host-name address of at most 55 bytes.
func mgRandomAddr(r *rand.Rand) (addr string, ipv6 bool) {
	switch r.IntN(4) {
	case 0:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], r.Uint32())
		b[0] = byte(1 + r.IntN(223))
		return netip.AddrFrom4(b).String(), false
	case 1, 2:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:], r.Uint64())
		binary.BigEndian.PutUint64(b[8:], r.Uint64())
		b[0] = 0x20
		if r.IntN(3) == 0 {
			clear(b[4:14]) // long zero run: "::"
		}
		a := netip.AddrFrom16(b)
		if r.IntN(2) == 0 {
			return a.StringExpanded(), true
		}
		return a.String(), true
	default:
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
		var sb strings.Builder
		n := 1 + r.IntN(4)
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteByte('.')
			}
			l := 1 + r.IntN(10)
			for j := 0; j < l; j++ {
				sb.WriteByte(letters[r.IntN(len(letters))])
			}
		}
		sb.WriteString(".org")
		return sb.String(), false
	}
}

func mgRandomKey(r *rand.Rand) []byte {
	k := make([]byte, codec.AuthKeySize)
	for i := range k {
		k[i] = byte(r.Uint32())
	}
	k[r.IntN(len(k))] |= 1
	return k
}

// mgRandomMtcute returns a random session that mtcute can hold exactly.
func mgRandomMtcute(t testing.TB, r *rand.Rand) *codec.Session {
	addr, v6 := mgRandomAddr(r)
	test := r.IntN(2) == 0
	s := &codec.Session{
		Info: codec.Info{
			DC:            1 + r.IntN(255),
			ServerAddress: addr,
			Port:          uint16(1 + r.IntN(65535)),
			IPv6:          codec.Some(v6 != (r.IntN(10) == 0)),
			TestMode:      codec.Some(test),
		},
		Key: mgKey(t, mgRandomKey(r)),
	}
	if r.IntN(2) == 0 {
		maddr, mv6 := mgRandomAddr(r)
		s.Media = &codec.DCOption{ID: 1 + r.IntN(255), ServerAddress: maddr, Port: uint16(1 + r.IntN(65535)),
			IPv6: mv6, MediaOnly: r.IntN(4) != 0, TestMode: test}
	}
	if r.IntN(3) != 0 {
		id := r.Int64N(1 << 53)
		if r.IntN(8) == 0 {
			id = []int64{0, 1, 1<<53 - 1, 1 << 32, 1<<32 - 1}[r.IntN(5)]
		}
		s.UserID, s.IsBot = codec.Some(id), codec.Some(r.IntN(2) == 0)
	}
	return s
}

func TestMtcuteRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		s := mgRandomMtcute(t, r)
		text, err := s.EncodeMtcute()
		require.NoError(t, err, "session %d", i)
		require.NotContains(t, text, "=")
		got, err := codec.DecodeAs(codec.Mtcute, text)
		require.NoError(t, err, "session %d", i)
		mgSessionsEqual(t, s, got)
		again, err := got.EncodeMtcute()
		require.NoError(t, err)
		require.True(t, again == text, "re-encoding is not stable (session %d)", i)
	}
}

// TestMtcuteCanonical checks that every accepted non-canonical input (other
// alphabet, padding, legacy test flag, version-1 blobs) re-encodes to a
// canonical text that is stable from then on.
func TestMtcuteCanonical(t *testing.T) {
	g := loadMtcuteGenerated(t)
	n := 0
	for _, p := range g.Probes {
		if p.Expect != "ok" {
			continue
		}
		s, err := codec.DecodeAs(codec.Mtcute, p.Text)
		require.NoError(t, err, p.Name)
		c1, err := s.EncodeMtcute()
		require.NoError(t, err, p.Name)
		s2, err := codec.DecodeAs(codec.Mtcute, c1)
		require.NoError(t, err, p.Name)
		mgSessionsEqual(t, s, s2)
		c2, err := s2.EncodeMtcute()
		require.NoError(t, err, p.Name)
		require.True(t, c1 == c2, "%s: canonical form is not stable", p.Name)
		n++
	}
	require.GreaterOrEqual(t, n, 8)
}

func TestMtcuteUnknownFields(t *testing.T) {
	key := bytes.Repeat([]byte{'a'}, 256)
	s := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "2001:67c:4e8:f002::a", Port: 443}, Key: mgKey(t, key)}
	text, err := s.EncodeMtcute()
	require.NoError(t, err)
	got, err := codec.DecodeAs(codec.Mtcute, text)
	require.NoError(t, err)
	require.Equal(t, codec.Some(true), got.IPv6, "IPv6 is inferred from the address")
	require.Equal(t, codec.Some(false), got.TestMode, "unknown test mode is written as false")
	require.False(t, got.UserID.Known())
	require.False(t, got.IsBot.Known())
	require.Nil(t, got.Media)

	// UserID known, IsBot unknown: written as not a bot.
	s.UserID = codec.Some[int64](42)
	text, err = s.EncodeMtcute()
	require.NoError(t, err)
	got, err = codec.DecodeAs(codec.Mtcute, text)
	require.NoError(t, err)
	require.Equal(t, codec.Some[int64](42), got.UserID)
	require.Equal(t, codec.Some(false), got.IsBot)
}

// mgMtcutePayload returns the decoded bytes of a valid session with media
// and self, so that every part of the layout is covered.
func mgMtcutePayload(t testing.TB) ([]byte, []byte) {
	key := mgMakeKey(7)
	s := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.50",
			Port:          443,
			IPv6:          codec.Some(false),
			TestMode:      codec.Some(false),
			Media:         &codec.DCOption{ID: 2, ServerAddress: "2001:67c:4e8:f002::b", Port: 443, IPv6: true, MediaOnly: true},
			UserID:        codec.Some[int64](5000000001),
			IsBot:         codec.Some(true),
		},
		Key: mgKey(t, key),
	}
	text, err := s.EncodeMtcute()
	require.NoError(t, err)
	b, err := base64.RawURLEncoding.DecodeString(text)
	require.NoError(t, err)
	return b, key
}

func TestMtcuteTruncated(t *testing.T) {
	b, key := mgMtcutePayload(t)
	for n := 0; n < len(b); n++ {
		text := mgURL(b[:n])
		s, err := codec.DecodeAs(codec.Mtcute, text)
		require.Nil(t, s, "prefix of %d bytes accepted", n)
		require.Error(t, err)
		if n == 0 {
			require.ErrorIs(t, err, codec.ErrEmpty)
		} else {
			// Cuts inside a TL length or after the flags can look like a
			// short field rather than a truncation, never like success.
			require.True(t, errors.Is(err, codec.ErrBadLength) || errors.Is(err, codec.ErrBadKey) ||
				errors.Is(err, codec.ErrBadField), "prefix %d: unexpected error kind", n)
		}
		var pe *codec.ParseError
		require.ErrorAs(t, err, &pe)
		mgNoLeak(t, err.Error(), []string{text, mgURL(b)}, key)
	}
}

// TestMtcuteBadPayloads mutates a valid payload field by field.
func TestMtcuteBadPayloads(t *testing.T) {
	b, key := mgMtcutePayload(t)
	// Layout of the payload from mgMtcutePayload:
	//   0 version, 1 flags,
	//   5 main blob TL length 0x17: 6 blob version, 7 DC, 8 flags,
	//     9 address length 14, 10 address, 24 padding, 25 port;
	//  29 media blob TL length 0x1f: 30 blob version, 31 DC, 32 flags,
	//     33 address length 20, 34 address, 54 padding, 57 port;
	//  61 user id, 69 is-bot Bool, 73 key TL header fe 00 01 00, 77 key.
	testsecret.RequireLen(t, b, 77+256)
	require.Equal(t, byte(0x17), b[5])
	require.Equal(t, byte(0x1f), b[29])
	require.Equal(t, []byte{0xfe, 0, 1, 0}, b[73:77])

	mut := func(f func(p []byte) []byte) string {
		return mgURL(f(bytes.Clone(b)))
	}
	set := func(off int, v ...byte) string {
		return mut(func(p []byte) []byte { copy(p[off:], v); return p })
	}
	le := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	cases := []struct {
		name string
		text string
		want error
	}{
		{"version 1", set(0, 1), codec.ErrUnsupportedVersion},
		{"version 2", set(0, 2), codec.ErrUnsupportedVersion},
		{"version 4", set(0, 4), codec.ErrUnsupportedVersion},
		{"version 0xff", set(0, 0xff), codec.ErrUnsupportedVersion},
		{"unknown flag 8", set(1, 1|4|8), codec.ErrBadField},
		{"unknown flag 1<<16", set(1, 5, 0, 1), codec.ErrBadField},
		{"media flag missing", set(1, 1), codec.ErrBadField}, // media blob bytes read as a user id beyond 2^53
		{"self flag missing", set(1, 4), codec.ErrBadField},  // user id read as TL bytes with non-zero padding
		{"TL length byte 0xff", set(5, 0xff), codec.ErrBadField},
		{"TL length beyond the end", mut(func(p []byte) []byte { p[5] = 0x30; return p[:40] }), codec.ErrBadLength},
		{"TL length too short for the blob", set(5, 0x13), codec.ErrBadLength},
		{"TL long form for a short length", mut(func(p []byte) []byte {
			blob := bytes.Clone(p[6:29])
			return append(append(append(p[:5:5], 0xfe, 23, 0, 0), blob...), append([]byte{0}, p[29:]...)...)
		}), codec.ErrBadField},
		{"TL long form beyond the end", set(73, 0xfe, 0xff, 0xff, 0xff), codec.ErrBadLength},
		{"blob version 0", set(6, 0), codec.ErrUnsupportedVersion},
		{"blob version 3", set(6, 3), codec.ErrUnsupportedVersion},
		{"media blob version 9", set(30, 9), codec.ErrUnsupportedVersion},
		{"blob shorter than its header", mut(func(p []byte) []byte {
			return append(append(p[:5:5], 2, 2, 2, 0), p[29:]...)
		}), codec.ErrBadLength},
		{"blob trailing bytes", mut(func(p []byte) []byte {
			blob := append(bytes.Clone(p[6:29]), 0, 0, 0, 0)
			return append(append(append(p[:5:5], byte(len(blob))), blob...), p[29:]...)
		}), codec.ErrBadLength},
		{"DC 0", set(7, 0), codec.ErrBadField},
		{"media DC 0", set(31, 0), codec.ErrBadField},
		{"main media-only", set(8, 2), codec.ErrBadField},
		{"main test mode only", set(8, 4), codec.ErrBadField},
		{"unknown DC flag", set(8, 0x80), codec.ErrBadField},
		{"unknown media DC flag", set(32, 0x10), codec.ErrBadField},
		{"address length 0", set(9, 0), codec.ErrBadField},
		{"address TL length 0xff", set(9, 0xff), codec.ErrBadField},
		{"address longer than the blob", set(9, 40), codec.ErrBadLength},
		{"address not a host", set(10, '!'), codec.ErrBadField},
		{"address NUL", set(12, 0), codec.ErrBadField},
		{"address non-ASCII", set(12, 0xd0), codec.ErrBadField},
		{"address padding non-zero", set(24, 1), codec.ErrBadField},
		{"port 0", set(25, 0, 0, 0, 0), codec.ErrBadField},
		{"port 65536", set(25, le(65536)...), codec.ErrBadField},
		{"port negative", set(25, le(0xffffff00)...), codec.ErrBadField},
		{"media address padding non-zero", set(55, 1), codec.ErrBadField},
		{"media port 0", set(57, 0, 0, 0, 0), codec.ErrBadField},
		{"user id 2^53", set(61, 0, 0, 0, 0, 0, 0, 0x20, 0), codec.ErrBadField},
		{"user id negative", set(61, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), codec.ErrBadField},
		{"bool 0", set(69, 0, 0, 0, 0), codec.ErrBadField},
		{"bool 1", set(69, 1, 0, 0, 0), codec.ErrBadField},
		{"bool vector constructor", set(69, le(0x1cb5c415)...), codec.ErrBadField},
		{"key 255 bytes", mut(func(p []byte) []byte { p[74] = 0xff; p[75] = 0; p[len(p)-1] = 0; return p }), codec.ErrBadKey},
		{"key 257 bytes", mut(func(p []byte) []byte { p[74] = 1; p[75] = 1; return append(p, 1, 0, 0, 0) }), codec.ErrBadKey},
		{"key short TL form 203 bytes", mut(func(p []byte) []byte {
			return append(append(p[:73:73], 203), p[77:77+203]...)
		}), codec.ErrBadKey},
		{"key truncated", mut(func(p []byte) []byte { return p[:len(p)-1] }), codec.ErrBadLength},
		{"zero key", mut(func(p []byte) []byte { clear(p[77:]); return p }), codec.ErrZeroKey},
		{"trailing byte", mut(func(p []byte) []byte { return append(p, 0) }), codec.ErrBadLength},
		{"trailing word", mut(func(p []byte) []byte { return append(p, 1, 2, 3, 4) }), codec.ErrBadLength},
		{"media test mode mismatch", set(32, 2|4), codec.ErrBadField},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := codec.DecodeAs(codec.Mtcute, c.text)
			require.Nil(t, s)
			mgRequireErr(t, err, c.want, []string{c.text, mgURL(b)}, key)
		})
	}
}

func TestMtcuteBadText(t *testing.T) {
	b, key := mgMtcutePayload(t)
	good := mgURL(b)
	std := base64.StdEncoding.EncodeToString(b)
	cases := []struct {
		name, text string
		want       error
	}{
		{"empty", "", codec.ErrEmpty},
		{"spaces", "  \n", codec.ErrEmpty},
		{"1 MiB", strings.Repeat("A", 1<<20), codec.ErrTooLarge},
		{"inner space", good[:100] + " " + good[100:], codec.ErrBadCharacter},
		{"inner newline", good[:100] + "\n" + good[100:], codec.ErrBadCharacter},
		{"NUL", good[:100] + "\x00" + good[100:], codec.ErrBadCharacter},
		{"non-base64", good[:100] + "!" + good[101:], codec.ErrBadCharacter},
		{"mixed alphabets", strings.Replace(std, "/", "_", 1), codec.ErrBadCharacter},
		{"padding in the middle", good[:100] + "=" + good[101:], codec.ErrBadPadding},
		{"impossible length", good + "A", codec.ErrBadLength},
		{"Pyrogram-sized payload", mgURL(append([]byte{3}, make([]byte, 270)...)), codec.ErrBadLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := codec.DecodeAs(codec.Mtcute, c.text)
			require.Nil(t, s)
			mgRequireErr(t, err, c.want, []string{c.text, good, std}, key)
		})
	}
	// Accepted variants.
	for _, text := range []string{std, strings.TrimRight(std, "="), good + "\n", ` "` + good + `" `, "\uFEFF" + good} {
		s, err := codec.DecodeAs(codec.Mtcute, text)
		require.NoError(t, err)
		require.True(t, bytes.Equal(s.Key.Reveal(), key), "key differs")
	}
}

// TestMtcutePyrogramCollision: a Pyrogram 2.x string for DC 3 also starts
// with byte 3 ('>BI?256sQ?'); whatever its api_id, it is never an mtcute
// session, even when the api_id bytes read as known mtcute flags.
func TestMtcutePyrogramCollision(t *testing.T) {
	key := mgMakeKey(8)
	for _, apiID := range []uint32{1 << 24, 4 << 24, 5 << 24, 7 << 24, 12345, 0} {
		for _, test := range []byte{0, 1} {
			p := []byte{3}
			p = binary.BigEndian.AppendUint32(p, apiID)
			p = append(p, test)
			p = append(p, key...)
			p = binary.BigEndian.AppendUint64(p, 5000000001)
			p = append(p, 0)
			require.Len(t, p, 271)
			text := mgURL(p)
			s, err := codec.DecodeAs(codec.Mtcute, text)
			require.Nil(t, s)
			require.Error(t, err)
			mgNoLeak(t, err.Error(), []string{text}, key)
		}
	}
}

func TestMtcuteEncodeErrors(t *testing.T) {
	key := mgMakeKey(9)
	base := func() *codec.Session {
		return &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.50", Port: 443}, Key: mgKey(t, key)}
	}
	var mf *codec.MissingFieldError
	s := base()
	s.ServerAddress = ""
	_, err := s.EncodeMtcute()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "server_address", mf.Field)
	require.ErrorIs(t, err, codec.ErrMissingField)

	s = base()
	s.Port = 0
	_, err = s.EncodeMtcute()
	require.ErrorAs(t, err, &mf)
	require.Equal(t, "port", mf.Field)

	cases := []struct {
		name string
		edit func(s *codec.Session)
		want error
	}{
		{"DC 256", func(s *codec.Session) { s.DC = 256 }, codec.ErrCannotEncode},
		{"DC 0", func(s *codec.Session) { s.DC = 0 }, codec.ErrBadField},
		{"no key", func(s *codec.Session) { s.Key = codec.AuthKey{} }, codec.ErrBadKey},
		{"user id 2^53", func(s *codec.Session) { s.UserID = codec.Some[int64](1 << 53) }, codec.ErrCannotEncode},
		{"user id negative", func(s *codec.Session) { s.UserID = codec.Some[int64](-5) }, codec.ErrCannotEncode},
		{"address 56 bytes", func(s *codec.Session) { s.ServerAddress = strings.Repeat("a", 52) + ".com" }, codec.ErrCannotEncode},
		{"address invalid", func(s *codec.Session) { s.ServerAddress = "not an address" }, codec.ErrCannotEncode},
		{"media DC 256", func(s *codec.Session) {
			s.Media = &codec.DCOption{ID: 256, ServerAddress: "1.2.3.4", Port: 443}
		}, codec.ErrCannotEncode},
		{"media DC 0", func(s *codec.Session) {
			s.Media = &codec.DCOption{ID: 0, ServerAddress: "1.2.3.4", Port: 443}
		}, codec.ErrBadField},
		{"media without port", func(s *codec.Session) {
			s.Media = &codec.DCOption{ID: 2, ServerAddress: "1.2.3.4"}
		}, codec.ErrCannotEncode},
		{"media test mode differs", func(s *codec.Session) {
			s.TestMode = codec.Some(true)
			s.Media = &codec.DCOption{ID: 2, ServerAddress: "1.2.3.4", Port: 443}
		}, codec.ErrCannotEncode},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base()
			c.edit(s)
			out, err := s.EncodeMtcute()
			require.True(t, out == "", "output despite an error")
			mgRequireErr(t, err, c.want, nil, key)
		})
	}
	// The 55-byte maximum itself is fine.
	s = base()
	s.ServerAddress = strings.Repeat("a", 51) + ".com"
	_, err = s.EncodeMtcute()
	require.NoError(t, err)
}

func ExampleDecodeAs_mtcute() {
	// An obviously fake key, as in gotd's tests.
	key, _ := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	in := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.50", Port: 443, UserID: codec.Some[int64](777000)}, Key: key}
	text, _ := in.EncodeMtcute()
	fmt.Println(text[:20], len(text))

	s, err := codec.DecodeAs(codec.Mtcute, text)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	// Output:
	// AwEAAAAXAgIADjE0OS4x 402
	// Session{format=mtcute dc=2 addr=149.154.167.50 port=443 user=777000 key=AuthKey(id=ad0e5169397d2b62)}
}
