package fuzz_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// The leak checks below decide whether a text that the library produced (an
// error message, a fmt or JSON rendering) reveals input bytes or key material.
// They must catch a real echo of a session string, a key's hex or base64, or
// an identity, and must never fire on the library's own prose, whatever the
// fuzzer feeds in. Four rules:
//
//   - whole input: the trimmed input, if at least minWholeInput bytes long and
//     not made only of lowercase letters and spaces (the words error messages
//     are written in), must not appear in the text;
//   - secret-looking windows: no window of windowLen bytes of the text that
//     looks like encoded key material (only base64/hex alphabet bytes, with
//     upper- and lowercase letters and a digit or one of "+/-_") may appear in
//     the input. Random base64 passes that filter 96% of the time, so an echo
//     of any 25 or more characters of a session string is caught, while
//     constant strings in messages (TGSESSION_AGE_KEY, AGE-SECRET-KEY-1,
//     DCTxtDomainName) never pass it;
//   - known secrets: no windowLen window of a secret's raw bytes, lowercase
//     or uppercase hex, or standard or URL-safe base64 (at each of the three
//     byte alignments, so a key embedded at any offset of a payload is
//     covered, padded or not) may appear in the text;
//   - secret strings (age identities, passphrases): no windowLen window of
//     the string may appear in the text, compared case-insensitively.
const (
	windowLen     = 16
	minWholeInput = 9
)

// leakChecker holds the material a text must not reveal.
type leakChecker struct {
	input     string
	encodings []string // raw, hex and base64 renderings of secret bytes
	strs      []string // lowercased secret strings
}

func newLeakChecker(input string) *leakChecker {
	return &leakChecker{input: input}
}

// secret adds secret bytes: every windowLen window of their raw, hex and
// base64 forms is forbidden. Secrets shorter than 8 bytes are ignored: their
// encodings are too short to tell apart from chance.
func (c *leakChecker) secret(b []byte) *leakChecker {
	if len(b) < 8 {
		return c
	}
	c.encodings = append(c.encodings, string(b), hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)))
	for i := 0; i < 3 && i < len(b); i++ {
		c.encodings = append(c.encodings,
			base64.StdEncoding.EncodeToString(b[i:]),
			base64.URLEncoding.EncodeToString(b[i:]))
	}
	return c
}

// secretString adds a secret string (an identity, a passphrase).
func (c *leakChecker) secretString(s string) *leakChecker {
	if len(s) >= windowLen {
		c.strs = append(c.strs, strings.ToLower(s))
	}
	return c
}

// check returns "" if text reveals nothing, or a description of the rule
// that fired. The description never contains the text or the secret.
func (c *leakChecker) check(text string) string {
	if in := strings.TrimSpace(c.input); len(in) >= minWholeInput && !lowerWords(in) && strings.Contains(text, in) {
		return "text contains the whole input"
	}
	for i := 0; i+windowLen <= len(text); i++ {
		w := text[i : i+windowLen]
		if secretLooking(w) && strings.Contains(c.input, w) {
			return "text contains a secret-looking window of the input"
		}
	}
	for i := 0; i+windowLen <= len(text); i++ {
		w := text[i : i+windowLen]
		for _, e := range c.encodings {
			if strings.Contains(e, w) {
				return "text contains a window of a secret's raw, hex or base64 form"
			}
		}
	}
	if len(c.strs) > 0 {
		lt := strings.ToLower(text)
		for i := 0; i+windowLen <= len(lt); i++ {
			w := lt[i : i+windowLen]
			for _, s := range c.strs {
				if strings.Contains(s, w) {
					return "text contains a window of a secret string"
				}
			}
		}
	}
	return ""
}

// lowerWords reports whether s is made only of lowercase ASCII letters and
// spaces.
func lowerWords(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// secretLooking reports whether w could be a piece of encoded key material:
// base64 or hex alphabet bytes only, upper- and lowercase letters, and a
// digit or a base64 symbol.
func secretLooking(w string) bool {
	var upper, lower, other bool
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_':
			other = true
		default:
			return false
		}
	}
	return upper && lower && other
}

// lenientPayloads decodes s the way a careless decoder would (dropping every
// byte outside both base64 alphabets and any padding), with and without a
// one-character version prefix, so that a failing input's would-be payload
// (and the key in it) can be added to a leakChecker.
func lenientPayloads(s string) [][]byte {
	var out [][]byte
	for _, skip := range []int{0, 1} {
		if len(s) <= skip {
			break
		}
		var b strings.Builder
		for i := skip; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				b.WriteByte(c)
			case c == '-':
				b.WriteByte('+')
			case c == '_':
				b.WriteByte('/')
			}
		}
		t := b.String()
		if len(t)%4 == 1 {
			t = t[:len(t)-1]
		}
		p := make([]byte, base64.RawStdEncoding.DecodedLen(len(t)))
		n, _ := base64.RawStdEncoding.Decode(p, []byte(t))
		if n >= windowLen {
			out = append(out, p[:n])
		}
	}
	return out
}

// checkNoLeak fails t if text reveals anything c forbids. what names the
// text ("error", "%+v of the session"); the failure message never holds the
// text itself.
func checkNoLeak(t *testing.T, c *leakChecker, what, text string) {
	t.Helper()
	if rule := c.check(text); rule != "" {
		t.Fatalf("%s (%d bytes) leaks: %s", what, len(text), rule)
	}
}

// checkTyped fails t unless err wraps one of sentinels. The message names
// the error's Go type, never its text.
func checkTyped(t *testing.T, err error, what string, sentinels ...error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error of type %T wraps none of the package's sentinel errors", what, err)
}

// TestLeakChecker proves that the checks can fail: each rule fires on a
// text that echoes material, and none fires on ordinary error prose.
func TestLeakChecker(t *testing.T) {
	key := make([]byte, 256)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	session := "1" + base64.URLEncoding.EncodeToString(append([]byte{2, 149, 154, 167, 51, 1, 187}, key...))
	c := newLeakChecker(session).secret(key).secretString("AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")

	fires := map[string]string{
		"whole input":       "codec: bad " + session,
		"input window":      "codec: near " + session[100:125] + " here",
		"key hex":           "key " + hex.EncodeToString(key[40:50]),
		"key hex upper":     "key " + strings.ToUpper(hex.EncodeToString(key[40:50])),
		"key base64 std":    "key " + base64.StdEncoding.EncodeToString(key[1:20]),
		"key base64 url":    "key " + base64.RawURLEncoding.EncodeToString(key[2:40]),
		"key raw":           "key " + string(key[100:120]),
		"identity":          "vault: agE-secret-key-1qqqqqqqqqqqqqqqqqqqqq",
		"input sub, no pad": "x" + session[1:30],
	}
	for name, text := range fires {
		if c.check(text) == "" {
			t.Errorf("%s: leak not detected", name)
		}
	}
	quiet := []string{
		"codec: telethon: invalid character: whitespace inside the text (at character 12)",
		"vault: no age identity found; tried: TGSESSION_AGE_KEY (not set); TGSESSION_AGE_KEY_FILE (not set)",
		"codec: gotd: Data.Config.DCTxtDomainName: JSON number where string was expected",
		"vault: identity is not AGE-SECRET-KEY-1 or AGE-SECRET-KEY-PQ-1: malformed input",
		"codec: ambiguous format: the text fits telethon and gramjs; name the format explicitly",
	}
	for _, text := range quiet {
		// The input here is the error text itself, the worst case for the
		// whole-input rule: prose made of lowercase words never fires.
		if rule := newLeakChecker("invalid character").check(text); rule != "" {
			t.Errorf("false positive (%s) on %q", rule, text)
		}
		if rule := c.check(text); rule != "" {
			t.Errorf("false positive (%s) on %q", rule, text)
		}
	}
	if c := newLeakChecker("TGSESSION_AGE_KEY_FILE=/x"); c.check(quiet[1]) != "" {
		t.Errorf("constant variable names must not count as input echo")
	}
	if len(lenientPayloads(session)) != 2 {
		t.Errorf("lenientPayloads: want two candidate payloads")
	}
}
