// Package fuzzcheck implements the invariant checks shared by tgsession's
// fuzz targets: whether a text (an error message, a fmt or JSON rendering)
// leaks input bytes or key material, whether an error is typed, and how two
// decoded sessions differ. It is for tests only.
package fuzzcheck

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tgsession/tgsession/codec"
)

// The leak checks below decide whether a text that the library produced (an
// error message, a fmt or JSON rendering) reveals input bytes or key material.
// They must catch a real echo of a session string, a key's hex or base64, or
// an identity, and must never fire on the library's own prose, whatever the
// fuzzer feeds in. Four rules:
//
//   - whole input: the trimmed input, if at least MinWholeInput bytes long and
//     not made only of lowercase letters and spaces (the words error messages
//     are written in), must not appear in the text;
//   - secret-looking windows: no window of WindowLen bytes of the text that
//     looks like encoded key material (only base64/hex alphabet bytes, with
//     upper- and lowercase letters and a digit or one of "+/-_") may appear in
//     the input. Random base64 passes that filter 96% of the time, so an echo
//     of any 25 or more characters of a session string is caught, while
//     constant strings in messages (TGSESSION_AGE_KEY, AGE-SECRET-KEY-1,
//     DCTxtDomainName) never pass it;
//   - known secrets: no WindowLen window of a secret's raw bytes, lowercase
//     or uppercase hex, or standard or URL-safe base64 (at each of the three
//     byte alignments, so a key embedded at any offset of a payload is
//     covered, padded or not) may appear in the text;
//   - secret strings (age identities, passphrases): no WindowLen window of
//     the string may appear in the text, compared case-insensitively.
//
// A match that lies entirely inside one of the [PublicConstants] quoted in
// the text (a format prefix, a variable name) does not count.
const (
	// WindowLen is the length of the windows the rules compare.
	WindowLen = 16
	// MinWholeInput is the shortest input the whole-input rule applies to.
	MinWholeInput = 9
)

// Leak holds the material a text must not reveal; [Leak.Check] applies the
// rules above.
type Leak struct {
	input     string
	noWhole   bool     // rule 1 off
	raws      []string // secret bytes
	encodings []string // hex and base64 renderings of secret bytes
	strs      []string // lowercased secret strings
	public    []string // renderings of public values (see Leak.Public)
}

// NewLeak returns a Leak for texts produced from input (the input of a
// parser, or "" when only the secrets added later matter).
func NewLeak(input string) *Leak {
	return &Leak{input: input}
}

// Secret adds secret bytes: every WindowLen window of their raw, hex and
// base64 forms is forbidden. Secrets shorter than 8 bytes are ignored: their
// encodings are too short to tell apart from chance.
func (c *Leak) Secret(b []byte) *Leak {
	if len(b) < 8 {
		return c
	}
	c.raws = append(c.raws, string(b))
	c.encodings = append(c.encodings, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)))
	for i := 0; i < 3 && i < len(b); i++ {
		c.encodings = append(c.encodings,
			base64.StdEncoding.EncodeToString(b[i:]),
			base64.URLEncoding.EncodeToString(b[i:]))
	}
	return c
}

// SecretString adds a secret string (an identity, a passphrase).
func (c *Leak) SecretString(s string) *Leak {
	if len(s) >= WindowLen {
		c.strs = append(c.strs, asciiLower(s))
	}
	return c
}

// Public adds renderings of public values that the text may quote and
// that can share bytes with a secret by chance or by the fuzzer's doing (a
// user id whose eight bytes the fuzzer copied out of a key prints as 16 hex
// digits of that key under %x). A match lying entirely inside one of them
// does not count, as for [PublicConstants]. Strings shorter than
// WindowLen are ignored: they cannot cover a window on their own.
func (c *Leak) Public(s ...string) *Leak {
	for _, p := range s {
		if len(p) >= WindowLen {
			c.public = append(c.public, p)
		}
	}
	return c
}

// PublicConstants are fixed strings that error messages may quote and that
// inputs legitimately contain: format prefixes, identity and recipient
// prefixes, armor lines, variable names. A match of any rule that lies
// entirely inside such a constant in the text is not a leak.
var PublicConstants = []string{
	"tgsession-age-v1:", "tgsession-age-", "age-encryption.org/v1", "age-encryption.org/",
	"-----BEGIN AGE ENCRYPTED FILE-----", "-----END AGE ENCRYPTED FILE-----",
	"-----BEGIN OPENSSH PRIVATE KEY-----", "-----BEGIN",
	"AGE-SECRET-KEY-PQ-1", "AGE-SECRET-KEY-1", "AGE-SECRET-KEY-", "AGE-PLUGIN-", "age1pq1", "age1",
	"TGSESSION_AGE_KEY_FILE", "TGSESSION_AGE_KEY_CMD", "TGSESSION_AGE_KEY", "TGSESSION_ALLOW_NO_MLOCK",
	"TGSESSION_FUZZ_SEALED", "TGSESSION_VAULT_DIR", "mlkem768x25519", "SQLite format 3",
}

// publicMask marks the bytes of text covered by a public constant or by
// one of extra (case-insensitively).
func publicMask(text string, extra []string) []bool {
	mask := make([]bool, len(text))
	lt := asciiLower(text)
	for _, k := range append(PublicConstants[:len(PublicConstants):len(PublicConstants)], extra...) {
		lk := asciiLower(k)
		for off := 0; ; {
			i := strings.Index(lt[off:], lk)
			if i < 0 {
				break
			}
			for j := off + i; j < off+i+len(lk); j++ {
				mask[j] = true
			}
			off += i + 1
		}
	}
	return mask
}

// covered reports whether text[i:i+n] lies entirely under the mask.
func covered(mask []bool, i, n int) bool {
	for j := i; j < i+n; j++ {
		if !mask[j] {
			return false
		}
	}
	return true
}

// Check returns "" if text reveals nothing, or a description of the rule
// that fired. The description never contains the text or the secret.
func (c *Leak) Check(text string) string {
	mask := publicMask(text, c.public)
	if in := strings.TrimSpace(c.input); !c.noWhole && len(in) >= MinWholeInput && !lowerWords(in) {
		for off := 0; ; {
			i := strings.Index(text[off:], in)
			if i < 0 {
				break
			}
			if !covered(mask, off+i, len(in)) {
				return "text contains the whole input"
			}
			off += i + 1
		}
	}
	// Only windows made entirely of bytes that occur in some encoding can
	// match one: in prose (spaces, punctuation) that is rare, which makes
	// the check cheap enough to run on every fuzzing input.
	encRun := runs(text, c.encAlphabet())
	for i := 0; i+WindowLen <= len(text); i++ {
		if covered(mask, i, WindowLen) {
			continue
		}
		w := text[i : i+WindowLen]
		if secretLooking(w) && strings.Contains(c.input, w) {
			return "text contains a secret-looking window of the input"
		}
		// Raw windows count only when they hold a non-printable byte:
		// payloads hold printable non-secret text (a GramJS address) that
		// reports may quote, while 16 bytes of a random key are all
		// printable with probability 1e-7.
		if !isPrintable(w) {
			for _, r := range c.raws {
				if strings.Contains(r, w) {
					return "text contains a window of a secret's raw bytes"
				}
			}
		}
		if encRun[i+WindowLen-1] >= WindowLen {
			for _, e := range c.encodings {
				if strings.Contains(e, w) {
					return "text contains a window of a secret's hex or base64 form"
				}
			}
		}
	}
	if len(c.strs) > 0 {
		lt := asciiLower(text)
		strRun := runs(lt, c.strAlphabet())
		for i := 0; i+WindowLen <= len(lt); i++ {
			if covered(mask, i, WindowLen) || strRun[i+WindowLen-1] < WindowLen {
				continue
			}
			w := lt[i : i+WindowLen]
			for _, s := range c.strs {
				if strings.Contains(s, w) {
					return "text contains a window of a secret string"
				}
			}
		}
	}
	return ""
}

// WindowsOnly turns the whole-input rule off, for texts that may quote a
// short input on purpose (an explanation of a pasted error message); the
// window rules still catch any echo of encoded material.
func (c *Leak) WindowsOnly() *Leak {
	c.noWhole = true
	return c
}

// encAlphabet returns the bytes that occur in c's hex and base64
// encodings; strAlphabet those in its (lowercased) secret strings.
func (c *Leak) encAlphabet() *[256]bool { return alphabetOf(c.encodings) }
func (c *Leak) strAlphabet() *[256]bool { return alphabetOf(c.strs) }

func alphabetOf(ss []string) *[256]bool {
	var t [256]bool
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			t[s[i]] = true
		}
	}
	return &t
}

// runs returns, for each byte of text, the number of consecutive bytes in
// alphabet ending there.
func runs(text string, alphabet *[256]bool) []int {
	r := make([]int, len(text))
	n := 0
	for i := 0; i < len(text); i++ {
		if alphabet[text[i]] {
			n++
		} else {
			n = 0
		}
		r[i] = n
	}
	return r
}

// isPrintable reports whether w is printable ASCII only.
func isPrintable(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 0x20 || w[i] > 0x7e {
			return false
		}
	}
	return true
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

// LenientPayloads decodes s the way a careless decoder would (dropping every
// byte outside both base64 alphabets and any padding), with and without a
// one-character version prefix, so that a failing input's would-be payload
// (and the key in it) can be added to a Leak. For JSON text (gotd), whose
// field names are not secret, it decodes each run of base64 characters
// between quotes instead.
func LenientPayloads(s string) [][]byte {
	var out [][]byte
	if t := strings.TrimLeft(s, " \t\r\n\ufeff"); strings.HasPrefix(t, "{") {
		parts := strings.Split(t, `"`)
		for i := 1; i < len(parts); i += 2 {
			if p := lenientDecode(parts[i]); len(p) >= WindowLen {
				out = append(out, p)
			}
		}
		return out
	}
	for _, skip := range []int{0, 1} {
		if len(s) <= skip {
			break
		}
		if p := lenientDecode(s[skip:]); len(p) >= WindowLen {
			out = append(out, p)
		}
	}
	return out
}

func lenientDecode(s string) []byte {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
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
	return p[:n]
}

// NoLeak fails t if text reveals anything c forbids. what names the
// text ("error", "%+v of the session"); the failure message never holds the
// text itself.
func NoLeak(t testing.TB, c *Leak, what, text string) {
	t.Helper()
	if rule := c.Check(text); rule != "" {
		t.Fatalf("%s (%d bytes) leaks: %s", what, len(text), rule)
	}
}

// Typed fails t unless err wraps one of sentinels. The message names
// the error's Go type, never its text.
func Typed(t testing.TB, err error, what string, sentinels ...error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error of type %T wraps none of the package's sentinel errors", what, err)
}

// CodecSentinels are the sentinel errors codec documents; every error a
// codec decoder or encoder returns must wrap one of them, or be a
// *codec.AmbiguousError (see [CodecTyped]).
var CodecSentinels = []error{
	codec.ErrEmpty, codec.ErrTooLarge, codec.ErrBadCharacter, codec.ErrBadPadding,
	codec.ErrBadLength, codec.ErrUnsupportedVersion, codec.ErrBadField, codec.ErrZeroKey,
	codec.ErrBadKey, codec.ErrUnknownFormat, codec.ErrCannotEncode,
	codec.ErrMissingField,
}

// CodecTyped fails t unless err is one of codec's typed errors: a
// *codec.AmbiguousError, or an error wrapping one of [CodecSentinels].
func CodecTyped(t testing.TB, err error, what string) {
	t.Helper()
	var amb *codec.AmbiguousError
	if errors.As(err, &amb) {
		if len(amb.Candidates) < 2 {
			t.Fatalf("%s: ambiguous error with %d candidates", what, len(amb.Candidates))
		}
		return
	}
	Typed(t, err, what, CodecSentinels...)
}

// ErrClass names the sentinel (of sentinels, default [CodecSentinels]) that
// err wraps, for failure messages that must not print the error text.
func ErrClass(err error, sentinels ...error) string {
	if len(sentinels) == 0 {
		sentinels = CodecSentinels
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return fmt.Sprintf("untyped %T", err)
}

// SharedDiffer returns "" if a and b agree on every field both know (IPv6
// excepted if skipIPv6), or the name of the first field they disagree on. Addresses are compared as IP
// addresses when both parse as one, so that the compressed and expanded
// forms of an IPv6 address agree.
func SharedDiffer(a, b *codec.Session, skipIPv6 bool) string {
	switch {
	case a.DC != b.DC:
		return "the DC id"
	case !a.Key.Equal(b.Key):
		return "the auth key"
	case a.ServerAddress != "" && b.ServerAddress != "" && !sameAddr(a.ServerAddress, b.ServerAddress):
		return "the server address"
	case a.Port != 0 && b.Port != 0 && a.Port != b.Port:
		return "the port"
	case !skipIPv6 && bothKnownDiffer(a.IPv6, b.IPv6):
		return "IPv6"
	case bothKnownDiffer(a.TestMode, b.TestMode):
		return "test mode"
	case bothKnownDiffer(a.APIID, b.APIID):
		return "the API id"
	case bothKnownDiffer(a.UserID, b.UserID):
		return "the user id"
	case bothKnownDiffer(a.IsBot, b.IsBot):
		return "is_bot"
	case a.Media != nil && b.Media != nil && (a.Media.ID != b.Media.ID || a.Media.Port != b.Media.Port ||
		!sameAddr(a.Media.ServerAddress, b.Media.ServerAddress) || a.Media.TestMode != b.Media.TestMode):
		return "the media DC"
	}
	return ""
}

func sameAddr(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	return err1 == nil && err2 == nil && x == y
}

func bothKnownDiffer[T comparable](a, b codec.Optional[T]) bool {
	x, ok1 := a.Get()
	y, ok2 := b.Get()
	return ok1 && ok2 && x != y
}

// DescribeDiff names the fields in which two sessions differ (names only,
// no values).
func DescribeDiff(a, b *codec.Session) string {
	var d []string
	if a.DC != b.DC {
		d = append(d, "DC")
	}
	if a.ServerAddress != b.ServerAddress {
		d = append(d, "ServerAddress")
	}
	if a.Port != b.Port {
		d = append(d, "Port")
	}
	if a.IPv6 != b.IPv6 {
		d = append(d, "IPv6")
	}
	if a.TestMode != b.TestMode {
		d = append(d, "TestMode")
	}
	if a.APIID != b.APIID {
		d = append(d, "APIID")
	}
	if a.UserID != b.UserID {
		d = append(d, "UserID")
	}
	if a.IsBot != b.IsBot {
		d = append(d, "IsBot")
	}
	if (a.Media == nil) != (b.Media == nil) || a.Media != nil && *a.Media != *b.Media {
		d = append(d, "Media")
	}
	if !a.Key.Equal(b.Key) {
		d = append(d, "Key")
	}
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprintf(" in %v", d)
}

// HangTimeout is how long one input may take before [Watchdog] crashes the
// fuzzing worker, which makes Go record the input as a failure (Go's fuzzer
// has no per-input timeout of its own: a hung worker just stalls the run).
// FUZZ_HANG_TIMEOUT (a Go duration) overrides it.
var HangTimeout = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FUZZ_HANG_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 20 * time.Second
}()

// Watchdog panics (from its own goroutine, so the whole worker dies and the
// input is saved) if the call it guards has not returned within
// [HangTimeout]. Use it as defer fuzzcheck.Watchdog("ReadFile")().
func Watchdog(what string) (stop func()) {
	t := time.AfterFunc(HangTimeout, func() {
		panic("fuzz: " + what + " still running after " + HangTimeout.String() + " (hang)")
	})
	return func() { t.Stop() }
}

// asciiLower lowercases ASCII letters only, keeping every byte offset (and
// invalid UTF-8) as it is, unlike strings.ToLower.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// IdentityData strips the constant prefix of an age identity string
// (AGE-SECRET-KEY-1, AGE-SECRET-KEY-PQ-1, AGE-PLUGIN-), leaving the bech32
// data part, which is the secret. Other strings are returned as they are.
func IdentityData(s string) string {
	u := strings.ToUpper(s)
	for _, p := range []string{"AGE-SECRET-KEY-PQ-1", "AGE-SECRET-KEY-1", "AGE-PLUGIN-"} {
		if strings.HasPrefix(u, p) {
			return s[len(p):]
		}
	}
	return s
}
