package fuzz_test

import (
	"bytes"
	"compress/flate"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
	"golang.org/x/crypto/ssh"
)

// textPrefix starts every single-line sealed value (docs/envelope.md).
const textPrefix = "tgsession-age-v1:"

// vaultSeeds returns the seeds of the vault targets. Sealing uses
// crypto/rand, made deterministic with cryptotest.SetGlobalRandom so that
// regenerating the seeds gives the same files.
func vaultSeeds(t *testing.T) map[string][]seed {
	cryptotest.SetGlobalRandom(t, 1)
	out := map[string][]seed{}
	add := func(target, name string, v any) { out[target] = append(out[target], seed{name, v}) }

	sessions := seedSessions(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	labels := map[string]string{"account": "fuzz", "env": "ci"}
	x, pq := fixture().recipients[0], fixture().recipients[1]

	var firstText, firstBinary []byte
	for i, ns := range sessions {
		cs := ns.s
		name := ns.name
		var sealLabels map[string]string
		if i%2 == 0 {
			sealLabels = labels
		}
		forms := []struct {
			form vault.Form
			rs   []age.Recipient
			tag  string
		}{
			{vault.FormText, []age.Recipient{x}, "text-x25519"},
			{vault.FormBinary, []age.Recipient{x}, "binary-x25519"},
			{vault.FormArmor, []age.Recipient{x}, "armor-x25519"},
		}
		if i < 2 {
			forms = append(forms,
				struct {
					form vault.Form
					rs   []age.Recipient
					tag  string
				}{vault.FormText, []age.Recipient{pq}, "text-pq"},
				struct {
					form vault.Form
					rs   []age.Recipient
					tag  string
				}{vault.FormBinary, []age.Recipient{pq}, "binary-pq"})
		}
		for _, fm := range forms {
			sealed, err := sealCodec(cs, fm.form, fm.rs, sealLabels, created)
			if err != nil {
				t.Fatalf("sealing %s as %s: %v", name, fm.tag, err)
			}
			add("FuzzOpen", name+"-"+fm.tag, sealed)
			switch fm.form {
			case vault.FormText:
				add("FuzzOpenEnv", name+"-"+fm.tag, string(sealed))
				if firstText == nil {
					firstText = sealed
				}
			case vault.FormBinary:
				add("FuzzVaultDir", name+"-"+fm.tag, []any{sealed, []byte{}})
				if firstBinary == nil {
					firstBinary = sealed
				}
				if fm.rs[0] == x {
					plain := decryptWith(t, sealed, fixture().ids[0])
					add("FuzzEnvelope", name+"-envelope", plain)
					// The same session as a version 1 envelope, which
					// keeps opening.
					v1 := mustSealV1(t, cs, x, sealLabels, created)
					add("FuzzEnvelope", name+"-envelope-v1", decryptWith(t, v1, fixture().ids[0]))
					if i < 3 {
						add("FuzzOpen", name+"-binary-x25519-v1", v1)
					}
				}
			}
		}
		// A plain session string encrypted with age, as `age -e` would.
		if text, err := cs.Encode(cs.Source); err == nil {
			bin := ageEncrypt(t, []byte(text), x, false)
			add("FuzzOpen", name+"-age-plain-string", bin)
			add("FuzzOpen", name+"-age-plain-string-armor", ageEncrypt(t, []byte(text+"\n"), x, true))
			add("FuzzOpen", name+"-plaintext", []byte(text))
			add("FuzzOpenEnv", name+"-plaintext", text)
			add("FuzzEnvelope", name+"-plain-string", []byte(text))
			add("FuzzEnvelope", name+"-plain-string-lf", []byte(text+"\n"))
		}
	}

	// Sealed-value framing variants (docs/envelope.md).
	tv := string(firstText)
	body := strings.TrimPrefix(tv, textPrefix)
	mid := len(body) / 2
	flip := []byte(tv)
	flip[len(textPrefix)+mid] ^= 0x01
	textVariants := []seed{
		{"text-lf", tv + "\n"}, {"text-crlf", tv + "\r\n"}, {"text-space", tv + " "}, {"text-leading-space", " " + tv},
		{"text-lf-inside", tv[:len(tv)/2] + "\n" + tv[len(tv)/2:]}, {"text-tab-inside", tv[:len(tv)/2] + "\t" + tv[len(tv)/2:]},
		{"text-padded", tv + "=="}, {"text-std-alphabet", textPrefix + strings.NewReplacer("-", "+", "_", "/").Replace(body)},
		{"text-v2", strings.Replace(tv, "-v1:", "-v2:", 1)}, {"text-v0", strings.Replace(tv, "-v1:", "-v0:", 1)},
		{"text-upper-prefix", strings.ToUpper(textPrefix) + body}, {"text-no-colon", strings.Replace(tv, "-v1:", "-v1", 1)},
		{"text-truncated", tv[:len(tv)-7]}, {"text-bitflip", string(flip)}, {"text-prefix-only", textPrefix},
		{"text-quoted", `"` + tv + `"`}, {"empty", ""}, {"whitespace", " \t\n"},
		{"identity-swapped", fixtureX25519}, {"recipient", "age1lgafc4kk6d20q6vn2uhyxkank3cc03l3q32wuq7vkm09l3d0lpcs95nyyw"},
		{"pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
	}
	for _, v := range textVariants {
		add("FuzzOpen", v.name, []byte(v.value.(string)))
		add("FuzzOpenEnv", v.name, v.value)
	}
	for _, n := range []int{0, 10, 22, 60, 100, len(firstBinary) - 20, len(firstBinary) - 1} {
		add("FuzzOpen", "binary-truncated", firstBinary[:n])
	}
	for _, off := range []int{5, 30, 90, len(firstBinary) - 40, len(firstBinary) - 1} {
		b := bytes.Clone(firstBinary)
		b[off] ^= 0x80
		add("FuzzOpen", "binary-bitflip", b)
	}
	add("FuzzOpen", "binary-trailing", append(bytes.Clone(firstBinary), 'x'))
	add("FuzzOpen", "binary-v2", []byte(strings.Replace(string(firstBinary), "age-encryption.org/v1", "age-encryption.org/v2", 1)))

	// Wrong recipient; scrypt (no passphrase is configured).
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	add("FuzzOpen", "wrong-recipient", mustSeal(t, sessions[0].s, vault.FormBinary, other.Recipient()))
	sr, err := age.NewScryptRecipient("password")
	if err != nil {
		t.Fatal(err)
	}
	sr.SetWorkFactor(10)
	add("FuzzOpen", "scrypt", ageEncrypt(t, []byte("x"), sr, false))

	// CCTV age vectors: the payload after the header of each file.
	for _, v := range cctvVectors(t) {
		add("FuzzOpen", "cctv-"+v.name, v.value)
	}

	// Envelope v1 mutations.
	env := out["FuzzEnvelope"][1].value.([]byte) // the first -envelope-v1
	if env[4] != 1 {
		t.Fatal("seed FuzzEnvelope[1] is not a version 1 envelope")
	}
	mut := func(name string, f func(b []byte) []byte) {
		add("FuzzEnvelope", name, f(bytes.Clone(env)))
	}
	mut("env-bad-magic", func(b []byte) []byte { b[0] = 'X'; return b })
	mut("env-version-2", func(b []byte) []byte { b[4] = 2; return b })
	mut("env-version-3", func(b []byte) []byte { b[4] = 3; return b })
	mut("env-reserved", func(b []byte) []byte { b[5] = 1; return b })
	mut("env-zero-key", func(b []byte) []byte { clear(b[8:264]); return b })
	mut("env-truncated-fixed", func(b []byte) []byte { return b[:291] })
	mut("env-truncated-last", func(b []byte) []byte { return b[:len(b)-1] })
	mut("env-trailing", func(b []byte) []byte { return append(b, 0) })
	mut("env-unknown-format", func(b []byte) []byte { b[272] = 99; return b })
	mut("env-dc-zero", func(b []byte) []byte { b[276], b[277] = 0, 0; return b })
	mut("env-known-bits", func(b []byte) []byte { b[273] = 0xff; return b })
	add("FuzzEnvelope", "env-magic-only", []byte("TGSE"))
	add("FuzzEnvelope", "empty", []byte{})

	// Envelope v2: attachments (compressed and stored) and mutations.
	compressible := bytes.Repeat([]byte("entity username phone name "), 60)
	incompressible := make([]byte, 700)
	for i := range incompressible {
		incompressible[i] = byte(i*i*7 + i>>3)
	}
	for _, a := range []struct {
		name string
		data []byte
	}{{"attachment-deflate", compressible}, {"attachment-stored", incompressible}} {
		sealed := mustSealAttached(t, sessions[0].s, x, created, a.data)
		add("FuzzOpen", a.name, sealed)
		add("FuzzVaultDir", a.name, []any{sealed, []byte{}})
		add("FuzzEnvelope", a.name, decryptWith(t, sealed, fixture().ids[0]))
	}
	env2 := out["FuzzEnvelope"][0].value.([]byte)
	if env2[4] != 2 {
		t.Fatal("seed FuzzEnvelope[0] is not a version 2 envelope")
	}
	mut2 := func(name string, f func(b []byte) []byte) {
		add("FuzzEnvelope", name, f(bytes.Clone(env2)))
	}
	mut2("env2-zero-key", func(b []byte) []byte { clear(b[5:261]); return b })
	mut2("env2-format-7", func(b []byte) []byte { b[262] |= 7; return b })
	mut2("env2-ext-flag", func(b []byte) []byte { b[261] |= 0x80; return append(b, 0x10) })
	mut2("env2-truncated", func(b []byte) []byte { return b[:len(b)-1] })
	mut2("env2-trailing", func(b []byte) []byte { return append(b, 0) })
	mut2("env2-dc-nonminimal", func(b []byte) []byte {
		return append(append(b[:263:263], b[263]|0x80, 0), b[264:]...)
	})
	// A DEFLATE bomb: 1 MiB of zeros declared as 1 000 bytes, and as the
	// 4 MiB cap with 8 MiB inside.
	for _, bomb := range []struct {
		name            string
		declared, inner int
	}{{"env2-bomb-small", 1000, 1 << 20}, {"env2-bomb-cap", maxAttachmentSize, 8 << 20}} {
		z := deflateZeros(t, bomb.inner)
		b := bytes.Clone(env2)
		b[261] |= 0x80
		b = append(b, 8, attachmentFile, 1)
		b = binary.AppendUvarint(b, uint64(len(z)))
		b = binary.AppendUvarint(b, uint64(bomb.declared))
		add("FuzzEnvelope", bomb.name, append(b, z...))
	}

	// Identities.
	idText := func(name, s string) { add("FuzzParseIdentities", name, s) }
	for i, s := range fixtureIdentityStrings {
		idText("identity-"+string(rune('a'+i)), s)
	}
	idText("comments", "# created: 2026-01-01\n# public key: age1xyz\n"+fixtureX25519+"\n\n"+fixturePQ+"\n")
	idText("crlf", fixtureX25519+"\r\n"+fixturePQ+"\r\n")
	idText("bom", "\uFEFF"+fixtureX25519+"\n")
	idText("trailing-spaces", "  "+fixtureX25519+"  \t\n")
	idText("lowercase", strings.ToLower(fixtureX25519))
	idText("bad-checksum", fixtureX25519[:len(fixtureX25519)-1]+"Q")
	idText("truncated", fixtureX25519[:40])
	idText("plugin", "AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ")
	idText("recipient", "age1lgafc4kk6d20q6vn2uhyxkank3cc03l3q32wuq7vkm09l3d0lpcs95nyyw")
	idText("sealed-swapped", tv)
	idText("session-swapped", mustEncode(t, sessions[0].s))
	idText("empty", "")
	idText("only-comments", "# nothing\n")
	idText("ssh-ed25519", sshKeyPEM(t))
	xr, pr := fixture().recipients[0].(fmt.Stringer), fixture().recipients[1].(fmt.Stringer)
	idText("recipients", "# recipients\n"+xr.String()+"\n"+pr.String()+"\n")
	idText("recipients-mixed", xr.String()+"\n"+fixtureX25519+"\n")
	idText("recipient-plugin", "age1yubikey1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq")
	idText("recipient-ssh", sshPublicKey(t))
	idText("pem-garbage", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")

	// Vault directory: an index as the vault itself writes it.
	index := sampleIndex(t, sessions[0].s)
	add("FuzzVaultDir", "with-index", []any{firstBinary, index})
	add("FuzzVaultDir", "bad-index-version", []any{firstBinary, []byte(`{"version":2,"keys":{}}`)})
	add("FuzzVaultDir", "bad-index-json", []any{firstBinary, []byte(`{"version":1,"keys":`)})
	add("FuzzVaultDir", "null-record", []any{firstBinary, []byte(`{"version":1,"keys":{"0011223344556677":null,"zz":{"entries":["fuzz"]}}}`)})
	add("FuzzVaultDir", "empty-entry", []any{[]byte{}, []byte{}})
	add("FuzzVaultDir", "text-form-entry", []any{firstText, []byte{}})
	return out
}

type namedSession struct {
	name string
	s    *codec.Session
}

// seedSessions decodes one vector string per format (plus a few with a
// media DC, test mode or IPv6 when the vectors have them) and adds the fixed
// sample session.
func seedSessions(t *testing.T) []namedSession {
	out := []namedSession{{"sample", sampleSession(t)}}
	seen := map[string]bool{}
	for _, s := range collectSessionStrings(t) {
		cs, err := codec.Decode(s.value)
		if err != nil {
			continue
		}
		kind := cs.Source.String() + "-" + cs.Layout
		if cs.Media != nil {
			kind += "-media"
		}
		if cs.TestMode.Or(false) {
			kind += "-test"
		}
		if seen[kind] {
			cs.Wipe()
			continue
		}
		seen[kind] = true
		out = append(out, namedSession{kind, cs})
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return out[1+i].name < out[1+j].name })
	return out
}

func mustSeal(t *testing.T, cs *codec.Session, form vault.Form, r age.Recipient) []byte {
	b, err := sealCodec(cs, form, []age.Recipient{r}, nil, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustSealV1 seals cs in a version 1 envelope, which releases before
// version 2 wrote.
func mustSealV1(t *testing.T, cs *codec.Session, r age.Recipient, labels map[string]string, created time.Time) []byte {
	vs, err := vault.NewSession(cs)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Destroy()
	vs.Labels, vs.CreatedAt, vs.EnvelopeVersion = labels, created, 1
	b, err := vs.Seal(vault.FormBinary, r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustSealAttached seals cs with an attachment (the rest of a stored
// session) in a binary file.
func mustSealAttached(t *testing.T, cs *codec.Session, r age.Recipient, created time.Time, att []byte) []byte {
	vs, err := vault.NewSession(cs)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Destroy()
	vs.CreatedAt = created
	if err := vs.SetAttachment(att); err != nil {
		t.Fatal(err)
	}
	b, err := vs.Seal(vault.FormBinary, r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The attachment kind of a stored session and the attachment size cap
// (docs/envelope.md).
const (
	attachmentFile    = 1
	maxAttachmentSize = 4 << 20
)

// deflateZeros returns n zero bytes compressed with DEFLATE.
func deflateZeros(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustEncode(t *testing.T, cs *codec.Session) string {
	s, err := cs.Encode(cs.Source)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ageEncrypt(t *testing.T, plain []byte, r age.Recipient, armored bool) []byte {
	var buf bytes.Buffer
	var dst io.Writer = &buf
	var aw io.WriteCloser
	if armored {
		aw = armor.NewWriter(&buf)
		dst = aw
	}
	w, err := age.Encrypt(dst, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func decryptWith(t *testing.T, sealed []byte, id age.Identity) []byte {
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(r); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// cctvVectors returns the age files of the c2sp.org/CCTV/age vectors (the
// part after each file's header), skipping those above 16 KiB.
func cctvVectors(t *testing.T) []seed {
	dir := os.Getenv("TGSESSION_CCTV_AGE")
	if dir == "" {
		out, err := goListDir("c2sp.org/CCTV/age")
		if err != nil {
			t.Logf("CCTV vectors not found (%v); skipping", err)
			return nil
		}
		dir = out
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "testdata", "*"))
	sort.Strings(paths)
	var out []seed
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || len(b) > 16<<10 {
			continue
		}
		i := bytes.Index(b, []byte("\n\n"))
		if i < 0 {
			continue
		}
		out = append(out, seed{filepath.Base(p), b[i+2:]})
	}
	return out
}

// sshKeyPEM returns a fixed, obviously fake unencrypted OpenSSH ed25519 key.
func sshKeyPEM(t *testing.T) string {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	block, err := ssh.MarshalPrivateKey(priv, "fuzz")
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

// sshPublicKey returns the authorized_keys line of sshKeyPEM's key.
func sshPublicKey(t *testing.T) string {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(ssh.MarshalAuthorizedKey(pub))
}

// sampleIndex returns the exports.json a vault writes after one entry was
// added and exported to two labels.
func sampleIndex(t *testing.T, cs *codec.Session) []byte {
	dir := filepath.Join(t.TempDir(), "vault")
	d, err := vault.InitDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Warn = func(string) {}
	vs, err := vault.NewSession(cs)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Destroy()
	if _, err := d.Put("fuzz", vs, fixture().recipients[0]); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"lambda:prod", "ci"} {
		s, err := d.Get("fuzz", fixtureIDs()...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.RecordExport("fuzz", s.KeyID(), label); err != nil {
			t.Fatal(err)
		}
		s.Destroy()
	}
	b, err := os.ReadFile(filepath.Join(dir, "exports.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Fix the export times, so that regenerating gives the same file.
	return regexp.MustCompile(`"(first|last)": "[^"]*"`).ReplaceAll(b, []byte(`"$1": "2026-01-02T03:04:05Z"`))
}

// goListDir returns the module cache directory of module mod.
func goListDir(mod string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
