// Package testsecret compares secrets in tests without printing them.
//
// testify's require.Equal, require.Len and require.Contains print both
// operands when they fail (require.Equal on a struct even dumps it with
// spew, methods disabled, so a codec.AuthKey shows its bytes): a failing
// test would put auth keys and session strings in CI logs. The functions
// here report only lengths, a SHA-256 prefix, the MTProto auth_key_id of
// 256-byte values and the first differing offset, never the bytes.
//
// It is for tests only and imports only the standard library and codec.
package testsecret

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// TB is the part of testing.TB the helpers use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Describe describes b without revealing it: its length, the first 8
// bytes of its SHA-256 in hex and, for 256 bytes, the auth_key_id it would
// have as an MTProto auth key.
func Describe(b []byte) string {
	sum := sha256.Sum256(b)
	s := fmt.Sprintf("%d bytes, sha256 %s", len(b), hex.EncodeToString(sum[:8]))
	if len(b) == codec.AuthKeySize {
		id := sha1.Sum(b)
		s += ", auth_key_id " + hex.EncodeToString(id[12:20])
	}
	return s
}

// Diff returns "" if want and got are equal, else a description of both
// (see [Describe]) and of the first byte where they differ.
func Diff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	return fmt.Sprintf("want %s; got %s; first difference at byte %d", Describe(want), Describe(got), i)
}

func fail(t TB, what, diff string, msgAndArgs []any) {
	t.Helper()
	msg := ""
	if len(msgAndArgs) > 0 {
		if f, ok := msgAndArgs[0].(string); ok {
			msg = fmt.Sprintf(f, msgAndArgs[1:]...) + ": "
		}
	}
	t.Fatalf("%s%s differ (not shown): %s", msg, what, diff)
}

// RequireSameBytes fails t if want and got differ, reporting only
// lengths, hashes and the first differing offset. msgAndArgs is an
// optional format string and its arguments, as in testify, which must
// hold no secret.
func RequireSameBytes(t TB, want, got []byte, msgAndArgs ...any) {
	t.Helper()
	if d := Diff(want, got); d != "" {
		fail(t, "secret bytes", d, msgAndArgs)
	}
}

// RequireSameText is RequireSameBytes for session strings and other
// secret text.
func RequireSameText(t TB, want, got string, msgAndArgs ...any) {
	t.Helper()
	if d := Diff([]byte(want), []byte(got)); d != "" {
		fail(t, "secret texts", d, msgAndArgs)
	}
}

// RequireSameKey fails t if the auth keys want and got differ (or only one
// is set), reporting their auth_key_ids, never their bytes.
func RequireSameKey(t TB, want, got codec.AuthKey, msgAndArgs ...any) {
	t.Helper()
	if want.Equal(got) {
		return
	}
	fail(t, "auth keys", fmt.Sprintf("want %s (set: %v); got %s (set: %v)",
		want.ID(), want.IsSet(), got.ID(), got.IsSet()), msgAndArgs)
}

// RequireSameSession fails t if want and got differ in any field
// [codec.Session.Equal] compares, or in Source and Layout. The non-secret
// fields are shown; the keys only by auth_key_id.
func RequireSameSession(t TB, want, got *codec.Session, msgAndArgs ...any) {
	t.Helper()
	if want == nil || got == nil {
		if want != got {
			fail(t, "sessions", fmt.Sprintf("want nil: %v; got nil: %v", want == nil, got == nil), msgAndArgs)
		}
		return
	}
	if want.Equal(got) && want.Source == got.Source && want.Layout == got.Layout {
		return
	}
	// String renders the fields fmt may show and the key's auth_key_id;
	// the rest of the public fields are listed here.
	desc := func(s *codec.Session) string {
		media := "none"
		if s.Media != nil {
			media = fmt.Sprintf("%+v", *s.Media)
		}
		return fmt.Sprintf("%s layout=%q ipv6=%v test=%v api_id=%v is_bot=%v media=%s",
			s.String(), s.Layout, s.IPv6, s.TestMode, s.APIID, s.IsBot, media)
	}
	fail(t, "sessions", "want "+desc(want)+"; got "+desc(got), msgAndArgs)
}

// RequireNotContains fails t if secret appears in text, reporting its
// offset and length only: require.NotContains would print text, secret
// included.
func RequireNotContains(t TB, text, secret string, msgAndArgs ...any) {
	t.Helper()
	if secret == "" {
		return
	}
	if i := strings.Index(text, secret); i >= 0 {
		fail(t, "text and secret", fmt.Sprintf("the secret (%s) appears in the text (%d bytes) at byte %d",
			Describe([]byte(secret)), len(text), i), msgAndArgs)
	}
}

// RequireLen fails t if b does not have n bytes, without printing b as
// require.Len does.
func RequireLen[T ~string | ~[]byte](t TB, b T, n int, msgAndArgs ...any) {
	t.Helper()
	if len(b) != n {
		fail(t, "lengths", fmt.Sprintf("want %d bytes; got %s", n, Describe([]byte(b))), msgAndArgs)
	}
}
