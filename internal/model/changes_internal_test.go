package model

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// Tests of changes: what encoding a session in a string format drops or
// defaults (moved here from codec with the function itself).

// vecKey is make_key(n) of docs/formats.md#vectors: an obviously fake,
// reproducible 256-byte key.
func vecKey(n int) []byte {
	out := make([]byte, 0, 256)
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		out = append(out, sum[:]...)
	}
	return out
}

// newKey wraps b in an AuthKey.
func newKey(t testing.TB, b []byte) codec.AuthKey {
	t.Helper()
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k
}

// requireKey asserts s holds exactly key.
func requireKey(t testing.TB, s *codec.Session, key []byte) {
	t.Helper()
	got := s.Key.Reveal()
	defer clear(got)
	require.True(t, string(got) == string(key), "auth key differs")
}

// Random sessions over each string format's whole field ranges (the same
// generator as codec's property tests).

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

// TestChangesMatchWhatEncodingLoses converts random sessions between the four string
// formats and checks that what Changes says is dropped is what is lost.
func TestChangesMatchWhatEncodingLoses(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	formats := []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS}
	for i := 0; i < 400; i++ {
		from := formats[r.IntN(len(formats))]
		s := randSession(t, r, from)
		if from == codec.Pyrogram || from == codec.PyrogramLegacy {
			s.ServerAddress, s.Port = "", 0
		}
		for _, to := range formats {
			text, err := s.Encode(to)
			if err != nil {
				// A missing value, a port GramJS cannot store, or a host
				// name Telethon cannot store.
				if !errors.Is(err, codec.ErrMissingField) {
					require.ErrorIs(t, err, codec.ErrCannotEncode, "%s → %s", from, to)
					require.Contains(t, []codec.Format{codec.GramJS, codec.Telethon}, to)
				}
				continue
			}
			got, err := codec.DecodeAs(to, text)
			require.NoError(t, err)
			require.Equal(t, s.DC, got.DC)
			requireKey(t, got, s.Key.Reveal())
			dropped := map[string]bool{}
			for _, c := range changes(s, to) {
				if c.Kind == Dropped {
					dropped[c.Field] = true
				}
			}
			if s.UserID.Known() {
				require.Equal(t, !dropped["user_id"], got.UserID == s.UserID, "%s → %s user_id", from, to)
			}
			if s.APIID.Known() {
				require.Equal(t, !dropped["api_id"], got.APIID == s.APIID, "%s → %s api_id", from, to)
			}
			if s.ServerAddress != "" {
				require.Equal(t, !dropped["server_address"], got.ServerAddress != "", "%s → %s address", from, to)
			}
		}
	}
}

func TestChangesGramJSDropsWhatItCannotHold(t *testing.T) {
	s := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
			TestMode:      codec.Some(false),
			UserID:        codec.Some[int64](5),
			IsBot:         codec.Some(true),
			APIID:         codec.Some[uint32](6),
			Media:         &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
		},
		Key: newKey(t, vecKey(24)),
	}
	var got []string
	for _, c := range changes(s, codec.GramJS) {
		require.Equal(t, Dropped, c.Kind)
		got = append(got, c.Field+"="+c.Value)
	}
	require.Equal(t, []string{"test_mode=false", "media_dc=dc 2 149.154.167.222:443 media", "api_id=6", "user_id=5", "is_bot=true"}, got)
	var tel []string
	for _, c := range changes(s, codec.Telethon) {
		tel = append(tel, c.Field+"="+c.Value)
	}
	require.Equal(t, got, tel)
}

func TestChangesPyrogramDefaultsTestModeAndIsBot(t *testing.T) {
	s := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
			UserID:        codec.Some[int64](5),
			APIID:         codec.Some[uint32](6),
		},
		Key: newKey(t, vecKey(13)),
	}
	ch := changes(s, codec.Pyrogram)
	var fields []string
	for _, c := range ch {
		fields = append(fields, c.Kind.String()+":"+c.Field)
	}
	require.Equal(t, []string{"dropped:server_address", "dropped:port", "dropped:ipv6", "defaulted:test_mode", "defaulted:is_bot"}, fields)
	ch = changes(s, codec.PyrogramLegacy)
	require.Equal(t, "api_id", ch[3].Field)
	require.Equal(t, Dropped, ch[3].Kind)
	require.Equal(t, "6", ch[3].Value)
}

func changeList(t *testing.T, s *codec.Session, f codec.Format) []string {
	t.Helper()
	var out []string
	for _, c := range changes(s, f) {
		out = append(out, c.Kind.String()+" "+c.Field+"="+c.Value)
		require.NotEmpty(t, c.Reason, c.Field)
	}
	return out
}

func TestChangesAllFormats(t *testing.T) {
	key := newKey(t, vecKey(80))
	tel := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443, IPv6: codec.Some(false)}, Key: key}
	require.Empty(t, changeList(t, tel, codec.Telethon))
	require.Empty(t, changeList(t, tel, codec.GramJS))
	require.Equal(t, []string{"defaulted test_mode=false"}, changeList(t, tel, codec.Mtcute))
	require.Equal(t, []string{"dropped ipv6=false", "defaulted test_mode=false"}, changeList(t, tel, codec.Gotd))

	pyro := &codec.Session{
		Info: codec.Info{
			Source:   codec.Pyrogram,
			DC:       2,
			APIID:    codec.Some[uint32](2040),
			TestMode: codec.Some(false),
			UserID:   codec.Some[int64](5),
			IsBot:    codec.Some(true),
		},
		Key: key,
	}
	require.Empty(t, changeList(t, pyro, codec.Pyrogram))
	require.Equal(t, []string{"dropped api_id=2040"}, changeList(t, pyro, codec.PyrogramLegacy))
	require.Equal(t, []string{"dropped api_id=2040"}, changeList(t, pyro, codec.Mtcute))
	require.Equal(t, []string{"dropped api_id=2040", "dropped user_id=5", "dropped is_bot=true"}, changeList(t, pyro, codec.Gotd))
	require.Equal(t, []string{"dropped test_mode=false", "dropped api_id=2040", "dropped user_id=5", "dropped is_bot=true"}, changeList(t, pyro, codec.Telethon))

	mt := &codec.Session{
		Info: codec.Info{
			Source:        codec.Mtcute,
			DC:            2,
			ServerAddress: "149.154.167.50",
			Port:          443,
			IPv6:          codec.Some(false),
			TestMode:      codec.Some(true),
			UserID:        codec.Some[int64](5000000001),
			IsBot:         codec.Some(false),
			Media:         &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true, TestMode: true},
		},
		Key: key,
	}
	require.Empty(t, changeList(t, mt, codec.Mtcute))
	require.Equal(t, []string{"dropped ipv6=false", "dropped media_dc=dc 2 149.154.167.222:443 media test", "dropped user_id=5000000001", "dropped is_bot=false"}, changeList(t, mt, codec.Gotd))
	require.Equal(t, []string{"dropped server_address=149.154.167.50", "dropped port=443", "dropped ipv6=false", "dropped media_dc=dc 2 149.154.167.222:443 media test"}, changeList(t, mt, codec.PyrogramLegacy))

	noIPv6 := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "2001:67c:4e8:f002::a", Port: 443}, Key: key}
	require.Equal(t, []string{"defaulted test_mode=false", "defaulted ipv6=true"}, changeList(t, noIPv6, codec.Mtcute))
	require.Nil(t, changes(tel, codec.FormatUnknown))
	require.Nil(t, changes(nil, codec.Telethon))

	c := Change{Field: "port", Kind: Dropped, Value: "443", Reason: "r"}
	require.Equal(t, "port: dropped (443): r", c.String())
	b, err := json.Marshal(c)
	require.NoError(t, err)
	require.Equal(t, `{"field":"port","kind":"dropped","value":"443","reason":"r"}`, string(b))
}

// TestChangesPyrogramFromTelethon: a Telethon session with the two values
// Pyrogram needs supplied loses its address and gets the defaults Pyrogram
// needs.
func TestChangesPyrogramFromTelethon(t *testing.T) {
	// A Telethon string for DC 2, 149.154.167.51:443 (obviously fake key).
	s, err := codec.Decode("1ApWapzMBu2" + strings.Repeat("FhYW", 85) + "E=")
	require.NoError(t, err)
	defer s.Wipe()
	s.UserID = codec.Some[int64](123456789)
	s.APIID = codec.Some[uint32](2040)
	var got []string
	for _, c := range changes(s, codec.Pyrogram) {
		got = append(got, c.String())
	}
	require.Equal(t, []string{
		"server_address: dropped (149.154.167.51): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no address; it derives one from the DC id",
		"port: dropped (443): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no port",
		"ipv6: dropped (false): Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram) stores no IPv6 flag",
		"test_mode: defaulted (false): not known; Pyrogram needs a value and a production session is assumed",
		"is_bot: defaulted (false): not known; Pyrogram needs a value and a user account is assumed",
	}, got)
}
