package testsecret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// recorder is a TB that records what a failing helper reports.
type recorder struct {
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}

func key(c byte) []byte {
	b := make([]byte, codec.AuthKeySize)
	for i := range b {
		b[i] = c + byte(i*7)
	}
	return b
}

// leaks reports which rendering of secret text shows, "" if none: raw,
// hex (both cases), base64 (both alphabets), %q, decimal and %x of a
// []byte, over 8-byte windows.
func leaks(text string, secret []byte) string {
	for off := 0; off+8 <= len(secret); off += 8 {
		w := secret[off : off+8]
		for name, form := range map[string]string{
			"raw": string(w), "hex": hex.EncodeToString(w), "HEX": strings.ToUpper(hex.EncodeToString(w)),
			"base64": base64.StdEncoding.EncodeToString(w)[:8], "base64url": base64.RawURLEncoding.EncodeToString(w)[:8],
			"%q": fmt.Sprintf("%q", w)[1:9], "decimal": strings.Trim(fmt.Sprint(w), "[]"), "% x": fmt.Sprintf("% x", w),
		} {
			if strings.Contains(text, form) {
				return fmt.Sprintf("%s at window %d", name, off)
			}
		}
	}
	return ""
}

// TestFailuresShowNoSecret is the meta-test: every helper, given
// different secrets, fails with a message that shows neither of them in
// any encoding, but does show what tells them apart.
func TestFailuresShowNoSecret(t *testing.T) {
	a, b := key(1), key(1)
	b[100] ^= 0xff
	ka, err := codec.NewAuthKey(a)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := codec.NewAuthKey(b)
	if err != nil {
		t.Fatal(err)
	}
	sa := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "ipv4", DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: ka}
	sb := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "ipv4", DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: kb}
	ta, err := sa.EncodeTelethon()
	if err != nil {
		t.Fatal(err)
	}
	tb, err := sb.EncodeTelethon()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func(r *recorder)
		want []string // what the message must say
	}{
		{"bytes", func(r *recorder) { testsecret.RequireSameBytes(r, a, b, "key of %s", "x") },
			[]string{"key of x: ", "256 bytes", "first difference at byte 100", "auth_key_id " + ka.ID().String()}},
		{"bytes, lengths", func(r *recorder) { testsecret.RequireSameBytes(r, a, b[:200]) },
			[]string{"256 bytes", "200 bytes", "first difference at byte 100"}},
		{"text", func(r *recorder) { testsecret.RequireSameText(r, ta, tb) },
			[]string{"353 bytes", "sha256 "}},
		{"key", func(r *recorder) { testsecret.RequireSameKey(r, ka, kb) },
			[]string{ka.ID().String(), kb.ID().String()}},
		{"key unset", func(r *recorder) { testsecret.RequireSameKey(r, ka, codec.AuthKey{}) },
			[]string{"set: false"}},
		{"session", func(r *recorder) { testsecret.RequireSameSession(r, sa, sb) },
			[]string{"addr=149.154.167.51", ka.ID().String(), kb.ID().String()}},
		{"session nil", func(r *recorder) { testsecret.RequireSameSession(r, sa, nil) }, []string{"got nil: true"}},
		{"not contains", func(r *recorder) { testsecret.RequireNotContains(r, "prefix "+ta+" suffix", ta) },
			[]string{"at byte 7", "353 bytes"}},
		{"len", func(r *recorder) { testsecret.RequireLen(r, ta, 352) }, []string{"want 352 bytes", "353 bytes"}},
		{"len bytes", func(r *recorder) { testsecret.RequireLen(r, a, 255) }, []string{"want 255 bytes", "256 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &recorder{}
			c.call(r)
			if !r.failed {
				t.Fatal("the helper did not fail on different secrets")
			}
			for _, s := range [][]byte{a, b, []byte(ta), []byte(tb)} {
				if l := leaks(r.msg, s); l != "" {
					t.Fatalf("the failure message shows a secret (%s)", l)
				}
			}
			for _, w := range c.want {
				if !strings.Contains(r.msg, w) {
					t.Fatalf("the failure message does not say %q: %s", w, r.msg)
				}
			}
		})
	}

	// And testify does show them: the reason for this package.
	if leaks(fmt.Sprintf("%v", a), a) == "" {
		t.Fatal("the leak check finds nothing in a plain rendering")
	}
}

func TestEqualSecretsPass(t *testing.T) {
	a := key(3)
	ka, _ := codec.NewAuthKey(a)
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2}, Key: ka}
	r := &recorder{}
	testsecret.RequireSameBytes(r, a, bytes.Clone(a))
	testsecret.RequireSameText(r, "x", "x")
	testsecret.RequireSameKey(r, ka, ka.Clone())
	testsecret.RequireSameKey(r, codec.AuthKey{}, codec.AuthKey{})
	testsecret.RequireSameSession(r, s, s.Clone())
	testsecret.RequireSameSession(r, nil, nil)
	testsecret.RequireNotContains(r, "abc", "d")
	testsecret.RequireNotContains(r, "abc", "")
	testsecret.RequireLen(r, "abc", 3)
	if r.failed {
		t.Fatalf("a helper failed on equal values: %s", r.msg)
	}
	if testsecret.Diff(a, a) != "" {
		t.Fatal("Diff of equal values")
	}
	if d := testsecret.Describe(a); !strings.Contains(d, "auth_key_id "+ka.ID().String()) {
		t.Fatalf("Describe: %s", d)
	}
}
