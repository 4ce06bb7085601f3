package fuzz_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/tgsession/tgsession/codec"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"github.com/tgsession/tgsession/vault"
)

// Test identities. They protect nothing but the seeds in testdata/fuzz; the
// CCTV ones are the public identities of the c2sp.org/CCTV/age vectors, so
// that the vectors that seed FuzzOpen decrypt and reach the payload checks.
const (
	fixtureX25519 = "AGE-SECRET-KEY-19N9XFAQH32NXR02E7U9SADVS5KMAQ86T0HHSZRCFQPNRSFFP5V9S7X44TV"
	fixturePQ     = "AGE-SECRET-KEY-PQ-10FJY5TVHUE7U8JQCY0SVUEU9VZ38CRH6SV0JFKC7FR9SJQ0FV9SSKXFRFQ"
	cctvX25519    = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
	cctvX25519b   = "AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG"
	cctvPQ        = "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E522W0A7PU2LHT8EH9W6YLNC3SW78XKG"
	cctvPQb       = "AGE-SECRET-KEY-PQ-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSS8XZSCQ"
)

var fixtureIdentityStrings = []string{fixtureX25519, fixturePQ, cctvX25519, cctvX25519b, cctvPQ, cctvPQb}

var fixture = sync.OnceValue(func() (f struct {
	ids        []age.Identity
	recipients []age.Recipient // fixtureX25519's, then fixturePQ's
}) {
	for _, s := range fixtureIdentityStrings {
		ids, err := age.ParseIdentities(strings.NewReader(s))
		if err != nil {
			panic("fuzz: bad fixture identity")
		}
		f.ids = append(f.ids, ids[0])
	}
	for _, id := range f.ids[:2] {
		r, err := recipientOf(id)
		if err != nil {
			panic("fuzz: fixture identity has no recipient")
		}
		f.recipients = append(f.recipients, r)
	}
	return f
})

// The auth key's offset in envelopes of versions 1 and 2
// (docs/envelope.md).
const (
	keyOffsetV1 = 8
	keyOffsetV2 = 5
)

// fixtureIDs are the identities every vault target opens with: exactly
// the fixture identities (opening searches no environment or file).
func fixtureIDs() []age.Identity { return fixture().ids }

// quietDir opens the vault at dir with its warnings discarded.
func quietDir(dir string) (*vault.Dir, error) {
	d, err := vault.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	d.Warn = func(string) {}
	return d, nil
}

// recipientOf returns the recipient of a native age or SSH identity.
func recipientOf(id age.Identity) (age.Recipient, error) {
	switch id := id.(type) {
	case *age.X25519Identity:
		return id.Recipient(), nil
	case *age.HybridIdentity:
		return id.Recipient(), nil
	case *agessh.Ed25519Identity:
		return id.Recipient(), nil
	case *agessh.RSAIdentity:
		return id.Recipient(), nil
	}
	return nil, vault.ErrUnsupported
}

// sealCodec seals cs as vault.Session.Seal does, with labels and a
// creation time (zero: the time of sealing, none in FormText).
func sealCodec(cs *codec.Session, form vault.Form, rs []age.Recipient, labels map[string]string, created time.Time) ([]byte, error) {
	vs, err := vault.NewSession(cs)
	if err != nil {
		return nil, err
	}
	defer vs.Destroy()
	vs.Labels, vs.CreatedAt = labels, created
	return vs.Seal(form, rs...)
}

// vaultSentinels are the sentinel errors vault documents.
var vaultSentinels = []error{
	vault.ErrWrongKey, vault.ErrTampered, vault.ErrMalformed, codec.ErrTooLarge, vault.ErrUnsupported,
	vault.ErrNoIdentity, vault.ErrNotSealed, vault.ErrNotFound, vault.ErrExists,
	vault.ErrDestroyed, vault.ErrInsecure,
}

// identityLeakChecker forbids the fixture identities' key material in any
// text, compared case-insensitively (bech32 is).
func identityLeakChecker(input string) *fc.Leak {
	c := fc.NewLeak(input)
	for _, s := range fixtureIdentityStrings {
		c.SecretString(fc.IdentityData(s))
	}
	return c
}

// FuzzOpen fuzzes vault.Open on sealed values in all three forms: the
// single-line text form (tgsession-age-v1:…), binary age files and armored
// age files, opened with the fixture identities (which include the CCTV
// vectors' identities). Invariants:
//   - a refused value gets a typed vault error that holds no input bytes and
//     no identity material;
//   - an opened session is valid, its auth_key_id matches its key, no fmt,
//     JSON or slog rendering shows the key, and sealing it again (text form)
//     and opening that gives the same fields, labels and creation time;
//   - Destroy makes the key unreachable (WithKey fails with ErrDestroyed).
func FuzzOpen(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := vault.Open(data, fixtureIDs()...)
		if err != nil {
			checkVaultRefused(t, "Open", string(data), err)
			return
		}
		checkOpened(t, string(data), s)
	})
}

// FuzzEnvelope fuzzes the plaintext inside a sealed value: the binary
// envelope of docs/envelope.md, or a plain session string encrypted with the
// age CLI. Each input is encrypted to the fixture X25519 recipient and opened
// with vault.Open. Invariants: those of FuzzOpen; in addition an accepted
// envelope is canonical (sealing the opened session again, with its labels
// and creation time, in its envelope version, gives back exactly the input
// bytes, attachment included), an accepted plain
// string exports to the canonical encoding of its format, and errors hold no
// byte of the plaintext or its key.
func FuzzEnvelope(f *testing.F) {
	f.Fuzz(func(t *testing.T, plain []byte) {
		var buf bytes.Buffer
		w, err := age.Encrypt(&buf, fixture().recipients[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(plain); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := vault.Open(buf.Bytes(), fixtureIDs()...)
		if err != nil {
			fc.Typed(t, err, "Open", vaultSentinels...)
			c := identityLeakChecker(string(plain))
			for _, p := range fc.LenientPayloads(string(plain)) {
				c.Secret(p)
			}
			if len(plain) >= 8+256 {
				c.Secret(plain[keyOffsetV1 : keyOffsetV1+256])
			}
			if len(plain) >= keyOffsetV2+256 {
				c.Secret(plain[keyOffsetV2 : keyOffsetV2+256])
			}
			fc.NoLeak(t, c, "Open error", err.Error())
			return
		}
		defer s.Destroy()
		if bytes.HasPrefix(plain, []byte("TGSE")) {
			// Sealed again in the same envelope version, with the same
			// labels, creation time (or none) and attachment bytes.
			again := sealAndDecrypt(t, s, int(plain[4]))
			defer clear(again)
			if !bytes.Equal(again, plain) {
				t.Fatalf("accepted envelope is not canonical: re-sealing gives %d bytes, input was %d", len(again), len(plain))
			}
		} else {
			cs, err := codec.DecodeAs(s.Source, string(plain))
			if err != nil {
				t.Fatalf("Open accepted a plain %v string that codec.DecodeAs refuses (%v)", s.Source, fc.ErrClass(err))
			}
			defer cs.Wipe()
			want, err := cs.Encode(s.Source)
			if err != nil {
				t.Fatalf("codec cannot re-encode the plain %v string (%v)", s.Source, fc.ErrClass(err))
			}
			got, err := s.Export(codec.FormatUnknown)
			if err != nil || got != want {
				t.Fatalf("Export of an opened plain %v string differs from codec's canonical encoding", s.Source)
			}
		}
		checkOpened(t, string(plain), s)
	})
}

// FuzzOpenEnv fuzzes vault.OpenEnv on environment-variable values.
// Invariants: the variable is gone from the environment afterwards whether
// opening succeeds or not; OpenEnv accepts a value exactly when Open accepts
// it (with the same fields); errors are typed, name the variable and hold no
// input bytes.
func FuzzOpenEnv(f *testing.F) {
	const name = "TGSESSION_FUZZ_SEALED"
	f.Fuzz(func(t *testing.T, value string) {
		if strings.IndexByte(value, 0) >= 0 {
			return // no environment variable can hold a NUL byte
		}
		if err := os.Setenv(name, value); err != nil {
			t.Fatal(err)
		}
		s, err := vault.OpenEnv(name, fixtureIDs()...)
		if _, still := os.LookupEnv(name); still {
			os.Unsetenv(name)
			t.Fatalf("OpenEnv left $%s in the environment", name)
		}
		direct, derr := vault.Open([]byte(value), fixtureIDs()...)
		if derr == nil {
			defer direct.Destroy()
		}
		if err != nil {
			checkVaultRefused(t, "OpenEnv", value, err)
			if !strings.Contains(err.Error(), name) && !errors.As(err, new(*vault.MemlockError)) {
				t.Fatalf("OpenEnv error does not name the variable")
			}
			if derr == nil {
				t.Fatalf("Open accepts the value but OpenEnv refuses it")
			}
			return
		}
		defer s.Destroy()
		if derr != nil {
			t.Fatalf("OpenEnv accepts the value but Open refuses it (%v)", fc.ErrClass(derr, vaultSentinels...))
		}
		if !sameVaultSession(t, s, direct) {
			t.Fatalf("OpenEnv and Open give different sessions")
		}
		checkOpened(t, value, s)
	})
}

// FuzzParseIdentities fuzzes vault.ParseIdentities (identity files and the
// TGSESSION_AGE_KEY value), with SSH keys enabled when the text is PEM, and
// vault.ParseRecipients on the same text. Invariants: a refused text gets a
// typed error that holds no input bytes and none of its identity data
// (compared case-insensitively); every accepted identity has a recipient,
// and a value sealed to that recipient opens with that identity alone;
// accepted recipients can be sealed to.
func FuzzParseIdentities(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		ks := &vault.KeySearch{SSH: strings.Contains(text, "-----BEGIN")}
		checkRecipients(t, text)
		ids, err := ks.ParseIdentities(strings.NewReader(text))
		if err != nil {
			fc.Typed(t, err, "ParseIdentities", vaultSentinels...)
			c := fc.NewLeak(text)
			for _, line := range strings.Split(text, "\n") {
				// Identity data is bech32: letters and digits only. Other
				// lines ("-----BEGIN SSH PRIVATE KEY") are prose the error
				// may legitimately share words with; PEM bodies are
				// covered by the secret-looking-window rule.
				if d := fc.IdentityData(strings.TrimSpace(line)); isAlnum(d) {
					c.SecretString(d)
				}
			}
			fc.NoLeak(t, c, "ParseIdentities error", err.Error())
			return
		}
		if len(ids) == 0 {
			t.Fatalf("ParseIdentities returned no identities and no error")
		}
		cs := sampleSession(t)
		defer cs.Wipe()
		for i, id := range ids {
			r, err := recipientOf(id)
			if err != nil {
				fc.Typed(t, err, "IdentityRecipient", vaultSentinels...)
				continue // e.g. an SSH identity whose recipient age derives differently
			}
			sealed, err := sealCodec(cs, vault.FormText, []age.Recipient{r}, nil, time.Time{})
			if err != nil {
				t.Fatalf("identity %d: cannot seal to its recipient (%v)", i, fc.ErrClass(err, vaultSentinels...))
			}
			s, err := vault.Open(sealed, id)
			if err != nil {
				t.Fatalf("identity %d: a value sealed to its recipient does not open (%v)", i, fc.ErrClass(err, vaultSentinels...))
			}
			s.Destroy()
		}
	})
}

// FuzzVaultDir fuzzes a vault directory's files: an entry file (a binary
// age file, read by Dir.Get) and the side index exports.json (read by
// Dir.List). Invariants: as FuzzOpen for the entry; List either fails with a
// typed error or lists the entry; no error holds input bytes.
func FuzzVaultDir(f *testing.F) {
	dir := f.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, entry, index []byte) {
		for _, n := range []string{"fuzz.age", "exports.json"} {
			os.Remove(filepath.Join(dir, n))
		}
		if err := os.WriteFile(filepath.Join(dir, "fuzz.age"), entry, 0o600); err != nil {
			t.Fatal(err)
		}
		if len(index) > 0 {
			if err := os.WriteFile(filepath.Join(dir, "exports.json"), index, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		d, err := quietDir(dir)
		if err != nil {
			t.Fatalf("OpenDir on the fuzz directory failed (%v)", fc.ErrClass(err, vaultSentinels...))
		}
		s, err := d.Get("fuzz", fixtureIDs()...)
		if err != nil {
			checkVaultRefused(t, "Dir.Get", string(entry), err)
		} else {
			checkOpened(t, string(entry), s)
		}
		list, err := d.List()
		if err != nil {
			checkVaultRefused(t, "Dir.List", string(index), err)
			return
		}
		if len(list) != 1 || list[0].Name != "fuzz" {
			t.Fatalf("List returned %d entries, want the one entry", len(list))
		}
	})
}

// checkVaultRefused checks an error from a vault entry point.
func checkVaultRefused(t *testing.T, what, in string, err error) {
	t.Helper()
	fc.Typed(t, err, what, vaultSentinels...)
	c := identityLeakChecker(in)
	for _, p := range fc.LenientPayloads(in) {
		c.Secret(p)
	}
	fc.NoLeak(t, c, what+" error", err.Error())
}

// checkOpened checks an opened session and destroys it.
func checkOpened(t *testing.T, in string, s *vault.Session) {
	t.Helper()
	defer s.Destroy()
	if !s.Alive() {
		t.Fatalf("opened session holds no key")
	}
	var key []byte
	err := s.WithKey(func(k *[codec.AuthKeySize]byte) error {
		key = append([]byte(nil), k[:]...)
		return nil
	})
	if err != nil {
		t.Fatalf("WithKey on an opened session failed (%v)", fc.ErrClass(err, vaultSentinels...))
	}
	defer clear(key)
	sum := sha1.Sum(key)
	if id := s.KeyID(); !bytes.Equal(id[:], sum[12:20]) {
		t.Fatalf("KeyID does not match the key")
	}
	cs, err := s.ToCodec()
	if err != nil {
		t.Fatalf("ToCodec failed (%v)", fc.ErrClass(err, vaultSentinels...))
	}
	defer cs.Wipe()
	if err := cs.Validate(); err != nil {
		t.Fatalf("opened session is invalid (%v)", fc.ErrClass(err))
	}

	leak := identityLeakChecker("").Secret(key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		fc.NoLeak(t, leak, verb+" of an opened session", fmt.Sprintf(verb, s))
		fc.NoLeak(t, leak, verb+" of an opened session value", fmt.Sprintf(verb, *s))
	}
	if j, err := json.Marshal(s); err == nil {
		fc.NoLeak(t, leak, "JSON of an opened session", string(j))
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("m", "s", s)
	fc.NoLeak(t, leak, "slog of an opened session", logBuf.String())

	// Re-seal (text form, or binary for a session with an attachment, which
	// may be too large for one line) and re-open: same fields, labels,
	// time and attachment.
	// The labels, creation time (or none) and attachment are s's own.
	again := *s
	again.EnvelopeVersion = 0
	form := vault.FormText
	if s.Attachment() != nil {
		form = vault.FormBinary
	}
	sealed, err := again.Seal(form, fixture().recipients[:1]...)
	if err != nil {
		t.Fatalf("an opened session cannot be sealed again (%v)", fc.ErrClass(err, vaultSentinels...))
	}
	fc.NoLeak(t, leak, "sealed text", string(sealed))
	back, err := vault.Open(sealed, fixtureIDs()...)
	if err != nil {
		t.Fatalf("a re-sealed session does not open (%v)", fc.ErrClass(err, vaultSentinels...))
	}
	defer back.Destroy()
	if !sameVaultSession(t, s, back) {
		t.Fatalf("re-sealing changed the session")
	}

	s.Destroy()
	if s.Alive() {
		t.Fatalf("Alive after Destroy")
	}
	if err := s.WithKey(func(*[codec.AuthKeySize]byte) error { return nil }); !errors.Is(err, vault.ErrDestroyed) {
		t.Fatalf("WithKey after Destroy: want ErrDestroyed")
	}
}

// sameVaultSession compares two opened sessions: metadata, labels, creation
// time and key.
func sameVaultSession(t *testing.T, a, b *vault.Session) bool {
	t.Helper()
	ca, err1 := a.ToCodec()
	cb, err2 := b.ToCodec()
	if err1 != nil || err2 != nil {
		t.Fatalf("ToCodec failed")
	}
	defer ca.Wipe()
	defer cb.Wipe()
	if !ca.Equal(cb) || a.Source != b.Source || a.Layout != b.Layout {
		return false
	}
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return false
	}
	if len(a.Labels) != len(b.Labels) {
		return false
	}
	if !bytes.Equal(a.Attachment(), b.Attachment()) {
		return false
	}
	for k, v := range a.Labels {
		if w, ok := b.Labels[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sealAndDecrypt seals s in envelope version v (with its labels, its
// creation time or none, and its attachment) and returns the decrypted
// envelope bytes.
func sealAndDecrypt(t *testing.T, s *vault.Session, v int) []byte {
	t.Helper()
	again := *s
	again.EnvelopeVersion = v
	sealed, err := again.Seal(vault.FormBinary, fixture().recipients[:1]...)
	if err != nil {
		t.Fatalf("cannot re-seal (%v)", fc.ErrClass(err, vaultSentinels...))
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), fixture().ids[0])
	if err != nil {
		t.Fatalf("cannot decrypt a re-sealed value")
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(r); err != nil {
		t.Fatalf("cannot read a re-sealed value")
	}
	return out.Bytes()
}

// sampleSession returns a fixed, obviously fake session (key bytes 0x61).
func sampleSession(t *testing.T) *codec.Session {
	t.Helper()
	key, err := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return &codec.Session{
		Info: codec.Info{
			Source:        codec.Telethon,
			Layout:        "ipv4",
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
		},
		Key: key,
	}
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// checkRecipients parses text as a recipients file (with and without SSH
// recipients enabled): refusals are typed and hold no input bytes, and a
// session can be sealed to what is accepted.
func checkRecipients(t *testing.T, text string) {
	t.Helper()
	for _, ks := range []*vault.KeySearch{{}, {SSH: true}} {
		rs, err := ks.ParseRecipients(strings.NewReader(text))
		if err != nil {
			fc.Typed(t, err, "ParseRecipients", vaultSentinels...)
			fc.NoLeak(t, fc.NewLeak(text), "ParseRecipients error", err.Error())
			continue
		}
		cs := sampleSession(t)
		_, err = sealCodec(cs, vault.FormBinary, rs, nil, time.Time{})
		cs.Wipe()
		if err != nil {
			fc.Typed(t, err, "Seal to parsed recipients", vaultSentinels...)
		}
	}
}
