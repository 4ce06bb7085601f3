package redact_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
	"github.com/tgsession/tgsession/compat"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"github.com/tgsession/tgsession/vault"
)

// The redaction audit: every exported type of codec, compat and vault that
// can hold a secret (an auth key, a session string, an age identity) is
// rendered every way a program might render it, and no rendering may show
// the key (raw, hex in either case, standard or URL-safe base64, padded or
// not, at any alignment), the session strings it was parsed from or
// converted to, or the identity.

// hidden holds a value in an unexported field: fmt prints such fields by
// reflection, without calling their String or Format methods, so a secret
// kept in a plain field of an unexported-field value is printed as is.
type hidden[T any] struct{ v T }

// exported holds a value in an exported field of its concrete type.
type exported[T any] struct{ V T }

// auditFixture is one session in every form the three packages produce.
type auditFixture struct {
	key       []byte
	texts     []string // session strings holding the key
	identity  string   // an age identity that opens the sealed values
	subjects  []subject
	leakCheck *fc.Leak
	decimal   []string // decimal renderings of secret bytes (see decimalForms)
}

// decimalForms returns what fmt prints for windows of b reached by
// reflection: "[b0 b1 …", space-separated decimal numbers, for an 8-byte
// window at a few offsets (%v, %d), and the same in hex (%x of a []byte
// element by element prints "[3d 61 …").
func decimalForms(b []byte) []string {
	var out []string
	for _, off := range []int{0, len(b) / 2, len(b) - 8} {
		if off < 0 || off+8 > len(b) {
			continue
		}
		w := b[off : off+8]
		out = append(out, strings.Trim(fmt.Sprint(w), "[]"), strings.Trim(fmt.Sprintf("%x", []any{w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]}), "[]"))
	}
	return out
}

// bech32Data decodes the data part of an age identity string (bech32,
// without its 6-character checksum) into the raw secret key bytes.
func bech32Data(t *testing.T, s string) []byte {
	t.Helper()
	const charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	s = strings.ToLower(s)
	i := strings.LastIndexByte(s, '1')
	if i < 0 || len(s)-i-1 < 6 {
		t.Fatal("bech32Data: not a bech32 string")
	}
	data := s[i+1 : len(s)-6]
	var out []byte
	acc, bits := 0, 0
	for _, c := range data {
		v := strings.IndexRune(charset, c)
		if v < 0 {
			t.Fatal("bech32Data: bad character")
		}
		acc, bits = acc<<5|v, bits+5
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
			acc &= 1<<bits - 1
		}
	}
	return out
}

type subject struct {
	name string
	v    any
	// forms renders the value nested in typed containers (slices, maps,
	// pointers, struct fields); see nest.
	forms []any
}

// nest returns v in every container the audit renders: by value and by
// pointer, in an exported and an unexported field of a caller's struct
// (each by value and by pointer, and the struct itself by value and by
// pointer), in slices, arrays and maps, and behind interfaces.
func nest[T any](v T) []any {
	p := &v
	return []any{
		v, p, []T{v}, []*T{p}, [1]T{v}, map[string]T{"k": v}, map[string]*T{"k": p},
		exported[T]{v}, &exported[T]{v}, exported[*T]{p}, []exported[T]{{v}},
		hidden[T]{v}, &hidden[T]{v}, hidden[*T]{p}, &hidden[*T]{p}, []hidden[T]{{v}}, map[string]hidden[T]{"k": {v}},
		hidden[hidden[T]]{hidden[T]{v}}, hidden[[]T]{[]T{v}}, hidden[map[string]T]{map[string]T{"k": v}},
		hidden[any]{v}, []any{v}, map[string]any{"k": v},
	}
}

func add[T any](f *auditFixture, name string, v T) {
	f.subjects = append(f.subjects, subject{name: name, v: v, forms: nest(v)})
}

// addType adds a secret-bearing type the way callers hold it: the value
// (*p, a copy of the struct) and the pointer p, each in every container of
// nest. A new secret-bearing type is one addType line in newAuditFixture.
func addType[T any](f *auditFixture, name string, p *T) {
	if p == nil {
		panic("redact: nil subject " + name)
	}
	add(f, name, *p)
	add(f, "*"+name, p)
}

// verbs are every fmt verb, with and without flags: fmt calls Format for
// each of them on a value it can reach, and prints the value's fields
// itself (with %v, whatever the verb) when it cannot, as for a value in an
// unexported field.
var verbs = []string{
	"%v", "%+v", "%#v", "%T", "%t", "%b", "%c", "%d", "%o", "%O", "%q", "%x", "%X", "%U",
	"%e", "%E", "%f", "%F", "%g", "%G", "%s", "%p", "%w",
	"% x", "% X", "%#x", "%#q", "%+q", "%#U", "%8.3s", "%-20v", "%08d", "%.2f", "%#o", "%+d",
}

// newAuditFixture builds the fixture. The key is fixed, so that a child
// process (TestRedactionPanics) builds the same one.
func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	f := &auditFixture{}
	for i := byte(0); len(f.key) < codec.AuthKeySize; i++ {
		sum := sha256.Sum256([]byte{'r', 'e', 'd', 'a', 'c', 't', i})
		f.key = append(f.key, sum[:]...)
	}
	key, err := codec.NewAuthKey(f.key)
	if err != nil {
		t.Fatal(err)
	}
	cs := &codec.Session{
		Info: codec.Info{
			Source:        codec.Pyrogram,
			Layout:        "v2",
			DC:            2,
			ServerAddress: "149.154.167.51",
			Port:          443,
			IPv6:          codec.Some(false),
			TestMode:      codec.Some(false),
			APIID:         codec.Some(uint32(2040)),
			UserID:        codec.Some(int64(777000)),
			IsBot:         codec.Some(false),
		},
		Key: key,
	}
	for _, format := range codec.Formats() {
		if text, err := cs.Encode(format); err == nil {
			f.texts = append(f.texts, text)
		}
	}
	if len(f.texts) < 4 {
		t.Fatalf("the fixture session encodes in only %d formats", len(f.texts))
	}

	// codec
	parsed, err := codec.Decode(f.texts[0])
	if err != nil {
		t.Fatalf("codec cannot decode its own Telethon encoding (%v)", fc.ErrClass(err))
	}
	addType(f, "codec.AuthKey", &key)
	addType(f, "codec.Session", cs)
	addType(f, "codec.Session (decoded)", parsed)
	add(f, "*diagnose.Diagnosis (ok)", diagnose.Text(f.texts[1]))
	broken := f.texts[1][:100] + "!" + f.texts[1][101:]
	add(f, "*diagnose.Diagnosis (broken)", diagnose.Text(broken))
	_, decodeErr := codec.Decode(broken)
	if decodeErr == nil {
		t.Fatal("a string with '!' inside decodes")
	}
	add(f, "codec error", decodeErr)
	add(f, "wrapped codec error", fmt.Errorf("loading session: %w", decodeErr))
	_, gotdErr := codec.DecodeAs(codec.Gotd, strings.Replace(f.texts[len(f.texts)-1], `"DC":2`, `"DC":"x"`, 1))
	add(f, "joined codec errors", errors.Join(decodeErr, gotdErr))

	// compat
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "s.session")
	if err := compat.WriteFile(dbPath, &compat.Stored{Session: cs}, compat.TelethonSQLite, false); err != nil {
		t.Fatalf("compat.WriteFile: %v", fc.ErrClass(err, compatSentinelsForAudit...))
	}
	file, err := compat.ReadFile(dbPath, compat.ReadOptions{})
	if err != nil {
		t.Fatalf("compat.ReadFile: %v", fc.ErrClass(err, compatSentinelsForAudit...))
	}
	addType(f, "compat.Stored (file)", file)
	strSess, err := codec.Decode(f.texts[0])
	if err != nil {
		t.Fatal(err)
	}
	strStored := &compat.Stored{Session: strSess}
	addType(f, "compat.Stored (string)", strStored)
	text, rep, err := compat.Convert(strStored, compat.Target{Format: codec.GramJS}, compat.Options{})
	if err != nil {
		t.Fatalf("compat.Convert: %v", fc.ErrClass(err, compatSentinelsForAudit...))
	}
	f.texts = append(f.texts, string(text))
	addType(f, "compat.Report", rep)
	_, _, missErr := compat.Convert(strStored, compat.Target{Format: codec.Pyrogram}, compat.Options{})
	add(f, "compat.MissingError", missErr)
	_, _, conflictErr := compat.Convert(file, compat.Target{Format: codec.Telethon}, compat.Options{TestMode: codec.Some(!file.Session.TestMode.Or(false))})
	if conflictErr != nil {
		add(f, "compat.ConflictError", conflictErr)
	}
	img, _, err := compat.Convert(file, compat.Target{Kind: compat.PyrogramSQLite}, compat.Options{UserID: codec.Some[int64](1)})
	if err != nil {
		t.Fatalf("compat.Convert to a file: %v", fc.ErrClass(err, compatSentinelsForAudit...))
	}
	clear(img)

	// vault
	// The child of TestRedactionPanics reuses its parent's identity.
	var id *age.X25519Identity
	if s := os.Getenv("TGSESSION_AUDIT_IDENTITY"); s != "" {
		id, err = age.ParseX25519Identity(s)
	} else {
		id, err = age.GenerateX25519Identity()
	}
	if err != nil {
		t.Fatal(err)
	}
	f.identity = id.String()
	toSeal, err := vault.NewSession(cs)
	if err != nil {
		t.Fatalf("vault.NewSession: %v", fc.ErrClass(err, vaultSentinels...))
	}
	t.Cleanup(toSeal.Destroy)
	sealed, err := toSeal.Seal(vault.FormText, id.Recipient())
	if err != nil {
		t.Fatalf("vault.Seal: %v", fc.ErrClass(err, vaultSentinels...))
	}
	vs, err := vault.Open(sealed, id)
	if err != nil {
		t.Fatalf("vault.Open: %v", fc.ErrClass(err, vaultSentinels...))
	}
	t.Cleanup(vs.Destroy)
	addType(f, "vault.Session", vs)
	if err := toSeal.SetAttachment([]byte(strings.Repeat("entity cache ", 50))); err != nil {
		t.Fatalf("vault.SetAttachment: %v", fc.ErrClass(err, vaultSentinels...))
	}
	sealedFile, err := toSeal.Seal(vault.FormBinary, id.Recipient())
	if err != nil {
		t.Fatalf("vault.Seal with an attachment: %v", fc.ErrClass(err, vaultSentinels...))
	}
	va, err := vault.Open(sealedFile, id)
	if err != nil {
		t.Fatalf("vault.Open with an attachment: %v", fc.ErrClass(err, vaultSentinels...))
	}
	t.Cleanup(va.Destroy)
	addType(f, "vault.Session (with attachment)", va)
	t.Setenv(vault.EnvKey, f.identity)
	ks := &vault.KeySearch{Env: true, Passphrase: func() ([]byte, error) { return []byte(f.identity), nil }}
	ids, err := ks.Find()
	if err != nil {
		t.Fatalf("vault.KeySearch.Find: %v", fc.ErrClass(err, vaultSentinels...))
	}
	addType(f, "vault.Identities", ids)
	addType(f, "vault.KeySearch", ks)
	other, _ := age.GenerateX25519Identity()
	_, wrongErr := vault.Open(sealed, other)
	add(f, "vault wrong-key error", wrongErr)
	t.Setenv("TGSESSION_AUDIT_SWAPPED", f.identity)
	_, swappedErr := vault.OpenEnv("TGSESSION_AUDIT_SWAPPED", id)
	add(f, "vault swapped-variable error", swappedErr)
	_, plainErr := vault.Open([]byte(f.texts[0]), id)
	add(f, "vault not-sealed error", plainErr)
	// Change the last character (the checksum) to another one: always
	// writing "Q" is a no-op for the 1 identity in 32 that ends with it.
	last := byte('Q')
	if f.identity[len(f.identity)-1] == 'Q' {
		last = 'P'
	}
	_, idErr := (&vault.KeySearch{}).ParseIdentities(strings.NewReader(f.identity[:len(f.identity)-1] + string(last)))
	if idErr == nil {
		t.Fatal("an identity with a changed checksum character parses")
	}
	add(f, "vault bad-identity error", idErr)

	f.leakCheck = fc.NewLeak("").Secret(f.key).SecretString(fc.IdentityData(f.identity))
	// fmt prints a []byte or an array it reaches by reflection as decimal
	// numbers ("[61 97 …]"): forbid the decimal forms of the auth key and
	// of the identity's raw secret key too.
	f.decimal = append(decimalForms(f.key), decimalForms(bech32Data(t, f.identity))...)
	for _, text := range f.texts {
		// The gotd JSON's secret is the key, covered above; its field
		// names are not (Session's own JSON shares them).
		if !strings.HasPrefix(text, "{") {
			f.leakCheck.SecretString(text)
		}
	}
	return f
}

var vaultSentinels = []error{
	vault.ErrWrongKey, vault.ErrTampered, vault.ErrMalformed, codec.ErrTooLarge, vault.ErrUnsupported,
	vault.ErrNoIdentity, vault.ErrNotSealed, vault.ErrNotFound, vault.ErrExists,
	vault.ErrDestroyed, vault.ErrInsecure,
}

var compatSentinelsForAudit = []error{compat.ErrNotSQLite, compat.ErrCorrupt, compat.ErrUnknownSchema, codec.ErrMissingField}

// TestRedaction renders every subject through fmt (every verb, nested in
// typed and untyped containers), errors, encoding/json, encoding/gob,
// log/slog (text and JSON handlers), log and a recovered panic.
func TestRedaction(t *testing.T) {
	f := newAuditFixture(t)
	for _, s := range f.subjects {
		t.Run(s.name, func(t *testing.T) {
			check := func(how, text string) {
				t.Helper()
				if rule := f.leakCheck.Check(text); rule != "" {
					t.Errorf("%s: %s", how, rule)
				}
				for i, d := range f.decimal {
					if strings.Contains(text, d) {
						t.Errorf("%s: shows secret bytes as numbers (window %d)", how, i)
					}
				}
			}
			for i, form := range s.forms {
				for _, verb := range verbs {
					check(fmt.Sprintf("fmt %s of form %d (%T)", verb, i, form), fmt.Sprintf(verb, form))
				}
				check(fmt.Sprintf("fmt.Errorf %%v of form %d", i), fmt.Errorf("context: %v", form).Error())
				check(fmt.Sprintf("fmt.Sprint of form %d", i), fmt.Sprint(form))
				check(fmt.Sprintf("fmt.Sprintln of form %d", i), fmt.Sprintln(form))
				if j, err := json.Marshal(form); err == nil {
					check(fmt.Sprintf("json.Marshal of form %d (%T)", i, form), string(j))
				}
				if j, err := json.MarshalIndent(form, "", " "); err == nil {
					check(fmt.Sprintf("json.MarshalIndent of form %d", i), string(j))
				}
				var g bytes.Buffer
				if err := gob.NewEncoder(&g).Encode(form); err == nil {
					check(fmt.Sprintf("gob of form %d (%T)", i, form), g.String())
				}
				var tb, jb bytes.Buffer
				slog.New(slog.NewTextHandler(&tb, nil)).Info("msg", "v", form, slog.Group("g", "v", form))
				slog.New(slog.NewJSONHandler(&jb, nil)).Info("msg", "v", form, slog.Group("g", "v", form))
				check(fmt.Sprintf("slog text of form %d (%T)", i, form), tb.String())
				check(fmt.Sprintf("slog JSON of form %d (%T)", i, form), jb.String())
				var lb bytes.Buffer
				log.New(&lb, "", 0).Printf("v=%v %+v", form, form)
				check(fmt.Sprintf("log.Printf of form %d", i), lb.String())
			}
			if err, ok := s.v.(error); ok {
				check("Error()", err.Error())
				check("errors.Join", errors.Join(err, errors.New("other")).Error())
				check("%w wrap", fmt.Errorf("outer: %w", err).Error())
				for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
					check("unwrapped error", u.Error())
				}
			}
			func() {
				defer func() {
					r := recover()
					check("recovered panic value", fmt.Sprint(r))
					check("recovered panic value %+v", fmt.Sprintf("%+v", r))
				}()
				panic(s.v)
			}()
		})
	}
}

// TestRedactionPanics checks what the Go runtime itself prints for an
// unrecovered panic whose value is a secret-holding value (it calls Error
// or String, or prints the type and address), in a child process.
func TestRedactionPanics(t *testing.T) {
	if name := os.Getenv("TGSESSION_AUDIT_PANIC"); name != "" {
		f := newAuditFixture(t)
		for _, s := range f.subjects {
			if s.name == name {
				panic(s.v)
			}
		}
		t.Fatalf("no subject %q", name)
	}
	if testing.Short() {
		t.Skip("runs a child process per subject")
	}
	f := newAuditFixture(t)
	for _, s := range f.subjects {
		t.Run(s.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRedactionPanics$")
			cmd.Env = append(os.Environ(), "TGSESSION_AUDIT_PANIC="+s.name, "TGSESSION_AUDIT_IDENTITY="+f.identity)
			out, _ := cmd.CombinedOutput()
			if !bytes.Contains(out, []byte("panic: ")) {
				t.Fatalf("the child did not panic")
			}
			if rule := f.leakCheck.Check(string(out)); rule != "" {
				t.Errorf("runtime panic output (%d bytes): %s", len(out), rule)
			}
		})
	}
}
