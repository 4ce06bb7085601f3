package codec_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// Test helpers shared by this package's string-format tests.

// vecKey is make_key(n) of docs/formats.md#vectors: an obviously fake, reproducible
// 256-byte key, the one every vector file uses.
func vecKey(n int) []byte {
	out := make([]byte, 0, 256)
	for i := 0; i < 8; i++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		out = append(out, sum[:]...)
	}
	return out
}

// hexKey decodes a key's hex from a vector file.
func hexKey(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	testsecret.RequireLen(t, b, codec.AuthKeySize, "vector key")
	return b
}

// newKey wraps b in an AuthKey.
func newKey(t testing.TB, b []byte) codec.AuthKey {
	t.Helper()
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k
}

// sharedVectors is where CI keeps the project's shared/ directory: beside
// the repository, so ../../shared from this package.
const sharedVectors = "../../shared/vectors"

// vectorFiles returns the vector file copied into testdata and, when the
// shared directory is present, its original, so that both are checked.
func vectorFiles(t testing.TB, copyName, sharedName string) []string {
	t.Helper()
	files := []string{filepath.Join("testdata", copyName)}
	orig := filepath.Join(sharedVectors, sharedName)
	if _, err := os.Stat(orig); err == nil {
		files = append(files, orig)
	}
	return files
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// secretWindow is the length of the windows of secret text that messages
// must not contain.
const secretWindow = 12

// requireNoLeak asserts that msg holds no part of any secret text (neither
// the whole text nor any 12-byte window of it) and none of the key's hex or
// base64 forms (nor any 12-character window of them).
func requireNoLeak(t testing.TB, msg string, texts []string, keys ...[]byte) {
	t.Helper()
	for _, k := range keys {
		if len(k) == 0 {
			continue
		}
		texts = append(texts, hex.EncodeToString(k), strings.ToUpper(hex.EncodeToString(k)),
			base64.StdEncoding.EncodeToString(k), base64.URLEncoding.EncodeToString(k))
	}
	for _, s := range texts {
		s = strings.TrimSpace(s)
		if len(s) < secretWindow {
			// Texts this short hold no key; only longer ones are checked,
			// as a digit or a word may appear in any message.
			if len(s) >= 6 && strings.Contains(msg, s) {
				require.Fail(t, "message contains a secret text")
			}
			continue
		}
		for i := 0; i+secretWindow <= len(s); i++ {
			if strings.Contains(msg, s[i:i+secretWindow]) {
				require.Fail(t, "message contains part of a secret", "window at offset %d", i)
			}
		}
	}
}

// requireSameSession compares two sessions without printing key material:
// non-secret fields with require.Equal, the key only as a boolean.
func requireSameSession(t testing.TB, want, got *codec.Session) {
	t.Helper()
	require.NotNil(t, got)
	require.Equal(t, want.DC, got.DC, "dc")
	require.Equal(t, want.ServerAddress, got.ServerAddress, "server address")
	require.Equal(t, want.Port, got.Port, "port")
	require.Equal(t, want.IPv6, got.IPv6, "ipv6")
	require.Equal(t, want.TestMode, got.TestMode, "test mode")
	require.Equal(t, want.APIID, got.APIID, "api_id")
	require.Equal(t, want.UserID, got.UserID, "user id")
	require.Equal(t, want.IsBot, got.IsBot, "is_bot")
	require.Equal(t, want.Media, got.Media, "media")
	require.True(t, want.Key.Equal(got.Key), "auth keys differ")
	require.True(t, want.Equal(got), "sessions differ")
}

// requireKey asserts s holds exactly key.
func requireKey(t testing.TB, s *codec.Session, key []byte) {
	t.Helper()
	got := s.Key.Reveal()
	defer clear(got)
	require.True(t, string(got) == string(key), "auth key differs from the vector's")
}

func TestSessionCloneWipe(t *testing.T) {
	key := vecKey(1)
	s := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			Media:         &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
		},
		Key: newKey(t, key),
	}
	c := s.Clone()
	requireSameSession(t, s, c)
	c.Media.Port = 80
	require.Equal(t, uint16(443), s.Media.Port, "clone shares the media DC")
	c.Wipe()
	require.False(t, c.Key.IsSet())
	require.True(t, s.Key.IsSet(), "wiping the clone wiped the original")
	requireKey(t, s, key)
	require.False(t, s.Equal(c))
	require.True(t, (*codec.Session)(nil).Equal(nil))
	require.False(t, s.Equal(nil))
}

func TestSessionValidate(t *testing.T) {
	s := &codec.Session{Info: codec.Info{DC: 2}, Key: newKey(t, vecKey(1))}
	require.NoError(t, s.Validate())
	for _, bad := range []*codec.Session{
		{Info: codec.Info{DC: 0}, Key: s.Key},
		{Info: codec.Info{DC: 65536}, Key: s.Key},
		{Info: codec.Info{DC: 2, Media: &codec.DCOption{ID: 0}}, Key: s.Key},
	} {
		require.ErrorIs(t, bad.Validate(), codec.ErrBadField)
	}
	require.ErrorIs(t, (&codec.Session{Info: codec.Info{DC: 2}}).Validate(), codec.ErrBadKey)
	for _, f := range codec.Formats() {
		_, err := (&codec.Session{Info: codec.Info{DC: 2}}).Encode(f)
		require.ErrorIs(t, err, codec.ErrBadKey, "%s", f)
	}
}

func TestSessionDecodeEncodeUnknownFormat(t *testing.T) {
	_, err := codec.DecodeAs(codec.FormatUnknown, "1abc")
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	s := &codec.Session{Info: codec.Info{DC: 2}, Key: newKey(t, vecKey(1))}
	_, err = s.Encode(codec.Format(99))
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
}

func TestSessionEncodeDispatch(t *testing.T) {
	s := &codec.Session{
		Info: codec.Info{
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			UserID:        codec.Some[int64](1),
			APIID:         codec.Some[uint32](2040),
		},
		Key: newKey(t, vecKey(1)),
	}
	for _, f := range codec.Formats() {
		text, err := s.Encode(f)
		require.NoError(t, err, "%s", f)
		got, err := codec.DecodeAs(f, text)
		require.NoError(t, err, "%s", f)
		require.Equal(t, f, got.Source)
		require.Equal(t, s.DC, got.DC)
		requireKey(t, got, vecKey(1))
		detected, err := codec.Detect(text)
		require.NoError(t, err, "%s", f)
		require.Equal(t, f, detected)
	}
}

func TestFormatNames(t *testing.T) {
	for _, f := range codec.Formats() {
		g, err := codec.ParseFormat(f.String())
		require.NoError(t, err)
		require.Equal(t, f, g)
		require.NotEqual(t, "unknown", f.Library())
	}
	_, err := codec.ParseFormat("telethon2")
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	require.Equal(t, "Format(42)", codec.Format(42).String())
}

func TestOptional(t *testing.T) {
	var o codec.Optional[int64]
	require.False(t, o.Known())
	require.Equal(t, int64(7), o.Or(7))
	require.Equal(t, "unknown", o.String())
	b, err := json.Marshal(o)
	require.NoError(t, err)
	require.Equal(t, "null", string(b))
	o = codec.Some[int64](5)
	v, ok := o.Get()
	require.True(t, ok)
	require.Equal(t, int64(5), v)
	b, err = json.Marshal(o)
	require.NoError(t, err)
	require.Equal(t, "5", string(b))
	var back codec.Optional[int64]
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, o, back)
	require.NoError(t, json.Unmarshal([]byte("null"), &back))
	require.False(t, back.Known())
}

// TestInfoJSONUsesInspectKeys: Info and Session marshal with the keys of
// the CLI's inspect --json, never the key bytes, and Info reads its own
// output back.
func TestInfoJSONUsesInspectKeys(t *testing.T) {
	key := vecKey(81)
	s := &codec.Session{
		Info: codec.Info{
			Source: codec.Mtcute, DC: 2, ServerAddress: "149.154.167.50", Port: 443,
			IPv6: codec.Some(false), TestMode: codec.Some(true), UserID: codec.Some[int64](5),
			Media: &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
		},
		Key: newKey(t, key),
	}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	requireNoLeak(t, string(b), nil, key)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	for _, k := range []string{"format", "dc_id", "server_address", "port", "ipv6", "test_mode", "api_id", "user_id", "is_bot", "media_dc", "auth_key_id"} {
		require.Contains(t, m, k)
	}
	require.Equal(t, "mtcute", m["format"])
	require.Equal(t, s.AuthKeyID().String(), m["auth_key_id"])
	require.Nil(t, m["api_id"], "unknown is null")

	var back codec.Info
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s.Info, back)
	require.Equal(t, "format=mtcute dc=2 addr=149.154.167.50 port=443 test user=5", s.Info.String())
	require.Equal(t, "Session{format=mtcute dc=2 addr=149.154.167.50 port=443 test user=5 key="+s.Key.String()+"}", s.String())

	b, err = json.Marshal(codec.Session{})
	require.NoError(t, err)
	require.Contains(t, string(b), `"auth_key_id":null`)
	require.Contains(t, string(b), `"format":"unknown"`)
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, codec.FormatUnknown, back.Source)
}
