package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// testKey returns an obviously fake auth key: 256 bytes of c.
func testKey(c byte) []byte { return bytes.Repeat([]byte{c}, codec.AuthKeySize) }

// testSession returns a Telethon-like session whose key is 256 × c.
func testSession(t testing.TB, c byte, dc int) *codec.Session {
	t.Helper()
	k, err := codec.NewAuthKey(testKey(c))
	require.NoError(t, err)
	return &codec.Session{
		Info: codec.Info{
			Source:        codec.Telethon,
			Layout:        "ipv4",
			DC:            dc,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
		},
		Key: k,
	}
}

// fullSession returns a session with every field set.
func fullSession(t testing.TB) *codec.Session {
	t.Helper()
	k, err := codec.NewAuthKey(testKey('m'))
	require.NoError(t, err)
	return &codec.Session{
		Info: codec.Info{
			Source:        codec.Mtcute,
			Layout:        "v3",
			DC:            2,
			ServerAddress: "2001:67c:4e8:f002::a",
			Port:          443,
			IPv6:          codec.Some(true),
			TestMode:      codec.Some(false),
			Media:         &codec.DCOption{ID: 2, ServerAddress: "149.154.167.222", Port: 443, MediaOnly: true},
			APIID:         codec.Some(uint32(611335)),
			UserID:        codec.Some(int64(5000000001)),
			IsBot:         codec.Some(true),
		},
		Key: k,
	}
}

func newX25519(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return id
}

func newHybrid(t testing.TB) *age.HybridIdentity {
	t.Helper()
	id, err := age.GenerateHybridIdentity()
	require.NoError(t, err)
	return id
}

// keyOf returns a copy of s's key (test only).
func keyOf(t testing.TB, s *vault.Session) []byte {
	t.Helper()
	var out []byte
	require.NoError(t, s.WithKey(func(k *[256]byte) error {
		out = append([]byte(nil), k[:]...)
		return nil
	}))
	return out
}

// requireKey checks s holds key without printing either.
func requireKey(t testing.TB, s *vault.Session, key []byte) {
	t.Helper()
	require.True(t, bytes.Equal(keyOf(t, s), key), "opened key differs from the sealed key")
}

var formsCache sync.Map

// secretForms returns the encodings a leaked secret could take in text.
func secretForms(secret []byte) []string {
	if f, ok := formsCache.Load(string(secret)); ok {
		return f.([]string)
	}
	f := computeForms(secret)
	formsCache.Store(string(secret), f)
	return f
}

func computeForms(secret []byte) []string {
	forms := []string{
		hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)),
		base64.StdEncoding.EncodeToString(secret), base64.RawURLEncoding.EncodeToString(secret),
	}
	if len(secret) >= 16 {
		// A 16-byte window of the raw bytes catches partial leaks.
		forms = append(forms, string(secret[:16]), hex.EncodeToString(secret[:16]))
	}
	return forms
}

// requireNoSecret fails if text contains any form of any secret. It never
// prints the secrets.
func requireNoSecret(t testing.TB, text string, secrets ...[]byte) {
	t.Helper()
	for i, s := range secrets {
		for j, f := range secretForms(s) {
			if f != "" && strings.Contains(text, f) {
				t.Fatalf("output contains secret #%d (encoding #%d)", i, j)
			}
		}
	}
}

// idSecrets returns the identity string and its bytes for leak checks.
func idSecrets(id interface{ String() string }) [][]byte {
	s := id.String()
	return [][]byte{[]byte(s), []byte(s[len(s)/2:])}
}

var fixedTime = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
