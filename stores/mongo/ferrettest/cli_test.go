package ferrettest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gomongo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tgsession/tgsession/stores/internal/storetest"
)

// The tgsession command against the embedded FerretDB: the MongoDB kinds
// (telethon-mongo, pyrogram-mongo) end to end, as a user runs them. The
// binaries are built from ../../../cmd/... (the main module) once per
// run of TestCLI.

// Throwaway age key pair of the CLI's tests (internal/cli/cli_test.go).
const (
	testRecipient = "age1xl0pyhv39dcwzxa9jxx9lwu7wua7dqxcx25kz36fpvwauuxquf8sz66yr3"
	testIdentity  = "AGE-SECRET-KEY-1HSJNE97XKTMZ04UJP38E5KL0LLAY35KFCR9E2CK22KA2SFSZD4ASRHHVZJ" // test key, tests only
)

// cliRun is one tgsession (or shell) run.
type cliRun struct {
	stdout, stderr string
	code           int
}

type cliEnv struct {
	t    *testing.T
	bin  string // the tgsession binary
	dir  string // working directory: inputs and outputs
	env  []string
	uri  string
	seen *[]string // database names to drop
}

// with returns e for the (sub)test t.
func (e *cliEnv) with(t *testing.T) *cliEnv {
	c := *e
	c.t = t
	return &c
}

// buildTgsession builds the command into a temporary directory.
func buildTgsession(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tgsession")
	// Both binaries: tgsession hands store jobs to tgsession-full beside it.
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building tgsession: %v\n%s", err, out)
	}
	return bin
}

func newCLIEnv(t *testing.T) *cliEnv {
	e := &cliEnv{t: t, bin: buildTgsession(t), dir: t.TempDir(), uri: ferretURL(t).Reveal().String(), seen: new([]string)}
	e.env = []string{
		"PATH=" + filepath.Dir(e.bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + e.dir,
		"XDG_CONFIG_HOME=" + filepath.Join(e.dir, "config"),
		"MONGODB_URI=" + e.uri,
	}
	// Inputs named as the README names them.
	for from, to := range map[string]string{"telethon_v7.session": "account.session", "pyrogram_v3.session": "pyrogram.session"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "compat", "testdata", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, to), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.dir, "key.txt"), []byte(testIdentity+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropDatabases(t, *e.seen...) })
	return e
}

// name returns a fresh session (database) name, dropped at the end.
func (e *cliEnv) name(prefix string) string {
	n := prefix + storetest.Suffix()
	*e.seen = append(*e.seen, n)
	return n
}

// run runs tgsession with args (and stdin) in e.dir.
func (e *cliEnv) run(stdin string, args ...string) cliRun {
	return e.exec(exec.Command(e.bin, args...), stdin)
}

// sh runs a shell command line in e.dir, as a user would type it.
func (e *cliEnv) sh(line string) cliRun {
	return e.exec(exec.Command("sh", "-c", line), "")
}

func (e *cliEnv) exec(cmd *exec.Cmd, stdin string) cliRun {
	var out, errb bytes.Buffer
	cmd.Dir, cmd.Env = e.dir, e.env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return cliRun{out.String(), errb.String(), code}
}

// must fails the test unless r exited with code.
func (e *cliEnv) must(r cliRun, code int, what string) cliRun {
	e.t.Helper()
	if r.code != code {
		e.t.Fatalf("%s: exit %d, want %d; stderr:\n%s", what, r.code, code, r.stderr)
	}
	return r
}

// inspect returns inspect --json of args (a file, or --from KIND …).
func (e *cliEnv) inspect(args ...string) map[string]any {
	e.t.Helper()
	r := e.must(e.run("", append([]string{"inspect", "--json"}, args...)...), 0, "inspect "+strings.Join(args, " "))
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		e.t.Fatalf("inspect: %v", err)
	}
	return m
}

func (e *cliEnv) sameSession(label string, want, got map[string]any, keys ...string) {
	e.t.Helper()
	for _, k := range append([]string{"dc_id", "auth_key_id"}, keys...) {
		if want[k] != got[k] {
			e.t.Errorf("%s: %s is %v, want %v", label, k, got[k], want[k])
		}
	}
}

// TestCLI runs the tgsession command's store jobs on the MongoDB kinds.
func TestCLI(t *testing.T) {
	e := newCLIEnv(t)
	store := []string{"--store-env", "MONGODB_URI"}
	account := e.inspect("account.session")
	if account["entities"] == float64(0) {
		t.Fatal("the Telethon vector has no entities: the entity checks would mean nothing")
	}
	telethonString := e.must(e.run("", "convert", "--to", "telethon", "account.session"), 0, "convert to telethon").stdout

	t.Run("telethon-mongo", func(t *testing.T) {
		e := e.with(t)
		n := e.name("tgs_cli_tm_")
		w := e.must(e.run("", append([]string{"convert", "--to", "telethon-mongo", "--name", n, "account.session"}, store...)...), 0, "convert --to telethon-mongo")
		if !strings.Contains(w.stderr, `written to telethon-mongo session "`+n+`"`) {
			t.Errorf("convert --to telethon-mongo said:\n%s", w.stderr)
		}
		e.sameSession("telethon-mongo", account, e.inspect(append([]string{"--from", "telethon-mongo", "--name", n}, store...)...), "server_address", "port", "entities")
		// Back to a string: the one the file converts to.
		back := e.must(e.run("", append([]string{"convert", "--from", "telethon-mongo", "--name", n, "--to", "telethon"}, store...)...), 0, "convert --from telethon-mongo")
		if back.stdout != telethonString {
			t.Error("telethon-mongo -> telethon differs from the .session file -> telethon")
		}
		// And to a .session file, with its entity cache.
		e.must(e.run("", append([]string{"convert", "--from", "telethon-mongo", "--name", n, "--to", "telethon-sqlite", "--out", "back.session"}, store...)...), 0, "convert --from telethon-mongo --to telethon-sqlite")
		e.sameSession("telethon-mongo -> file", account, e.inspect("back.session"), "entities")
		// Never over an existing session without --force.
		r := e.must(e.run("", append([]string{"convert", "--to", "telethon-mongo", "--name", n, "account.session"}, store...)...), 1, "a second write")
		if !strings.Contains(r.stderr, "--force") {
			t.Errorf("a second write without --force said:\n%s", r.stderr)
		}
		e.must(e.run("", append([]string{"convert", "--force", "--to", "telethon-mongo", "--name", n, "account.session"}, store...)...), 0, "a second write with --force")
		// Listed.
		if l := e.listNames("telethon-mongo"); !contains(l, n) {
			t.Errorf("list --from telethon-mongo: %q lacks %s", l, n)
		}
	})

	t.Run("pyrogram-mongo", func(t *testing.T) {
		e := e.with(t)
		n := e.name("tgs_cli_pm_")
		// A Telethon file lacks the user id and bot flag pyrofork needs.
		r := e.must(e.run("", append([]string{"convert", "--to", "pyrogram-mongo", "--name", n, "account.session"}, store...)...), 1, "pyrogram-mongo without --user-id")
		if !strings.Contains(r.stderr, "--user-id N") {
			t.Errorf("pyrogram-mongo without a user id said:\n%s", r.stderr)
		}
		r = e.must(e.run("", append([]string{"convert", "--to", "pyrogram-mongo", "--name", n, "--user-id", "777000", "--bot=false", "account.session"}, store...)...), 0, "convert --to pyrogram-mongo")
		if !strings.Contains(r.stderr, "server_address: dropped") {
			t.Errorf("the address pyrogram-mongo cannot hold is not reported:\n%s", r.stderr)
		}
		got := e.inspect(append([]string{"--from", "pyrogram-mongo", "--name", n}, store...)...)
		e.sameSession("pyrogram-mongo", account, got, "entities")
		if got["user_id"] != float64(777000) || got["is_bot"] != false {
			t.Errorf("pyrogram-mongo holds user_id %v, is_bot %v", got["user_id"], got["is_bot"])
		}
		// Back to strings: Pyrogram as stored, Telethon with the address
		// from the DC table (reported).
		py := e.must(e.run("", append([]string{"convert", "--from", "pyrogram-mongo", "--name", n, "--to", "pyrogram", "--api-id", "12345"}, store...)...), 0, "convert --from pyrogram-mongo --to pyrogram")
		e.sameSession("pyrogram-mongo -> pyrogram", account, e.inspectText(py.stdout))
		tl := e.must(e.run("", append([]string{"convert", "--from", "pyrogram-mongo", "--name", n, "--to", "telethon"}, store...)...), 0, "convert --from pyrogram-mongo --to telethon")
		if !strings.Contains(tl.stderr, "server_address: defaulted") {
			t.Errorf("the address from the DC table is not reported:\n%s", tl.stderr)
		}
		e.sameSession("pyrogram-mongo -> telethon", account, e.inspectText(tl.stdout), "server_address", "port")
		// Never over an existing session without --force.
		r = e.must(e.run("", append([]string{"convert", "--to", "pyrogram-mongo", "--name", n, "pyrogram.session"}, store...)...), 1, "a second write")
		if !strings.Contains(r.stderr, "--force") {
			t.Errorf("a second write without --force said:\n%s", r.stderr)
		}
		if l := e.listNames("pyrogram-mongo"); !contains(l, n) {
			t.Errorf("list --from pyrogram-mongo: %q lacks %s", l, n)
		}
		plain := e.must(e.run("", append([]string{"list", "--from", "pyrogram-mongo"}, store...)...), 0, "list")
		if !contains(strings.Split(plain.stdout, "\n"), n) {
			t.Errorf("list --from pyrogram-mongo (text) lacks %s", n)
		}

		// exec: a Pyrogram Mongo session as a Telethon string for the
		// child, which gets neither MONGODB_URI nor an identity variable.
		x := e.must(e.run("", append([]string{"exec", "--env", "TG=pyrogram-mongo:" + n, "--as", "telethon"}, append(store, "--", "sh", "-c", `printf '%s|%s' "$TG" "${MONGODB_URI-unset}"`)...)...), 0, "exec")
		v, uriSeen, _ := strings.Cut(x.stdout, "|")
		if uriSeen != "unset" {
			t.Error("the exec child got MONGODB_URI")
		}
		if v != strings.TrimSpace(tl.stdout) {
			t.Error("the exec child's session differs from convert --to telethon's")
		}
		if !strings.Contains(x.stderr, "TG: server_address: defaulted (149.154.167.51)") {
			t.Errorf("exec does not report the address it filled:\n%s", x.stderr)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		e := e.with(t)
		const pw = "s3cr3t-Pa55"
		for _, args := range [][]string{
			{"list", "--from", "telethon-mongo", "--store", "mongodb://user:" + pw + "@127.0.0.1:1/"},
			{"inspect", "--from", "pyrogram-mongo", "--name", "x", "--store", "mongodb://user:" + pw + "@127.0.0.1:1/"},
			{"convert", "--to", "telethon-mongo", "--name", "x", "--store", "mongodb+srv://u:" + pw + "@cluster.example/", "account.session"},
			{"exec", "--env", "TG=telethon-mongo:x", "--store", "mongodb://u:" + pw + "@127.0.0.1:1/", "--", "true"},
		} {
			r := e.must(e.run("", args...), 2, strings.Join(args[:3], " "))
			if strings.Contains(r.stdout+r.stderr, pw) {
				t.Errorf("%s: the password was echoed", args[0])
			}
			if !strings.Contains(r.stderr, "--store-env") {
				t.Errorf("%s: no hint to --store-env:\n%s", args[0], r.stderr)
			}
		}
		// A name the store does not hold.
		r := e.must(e.run("", append([]string{"inspect", "--from", "telethon-mongo", "--name", "tgs_cli_none_" + storetest.Suffix()}, store...)...), 1, "inspect a missing name")
		if !strings.Contains(r.stderr, "tgsession list") {
			t.Errorf("a missing name said:\n%s", r.stderr)
		}
	})

	t.Run("readme", func(t *testing.T) { e.with(t).readmeExamples(t) })
}

// readmeExamples runs the README's two jobs for the MongoDB kinds exactly
// as written (age1… is the test recipient): a .session file into the
// store, and the session out of it sealed; the sealed value opens to the
// session that went in.
func (e *cliEnv) readmeExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range regexp.MustCompile(`(?m)^\$ (tgsession .*--store-env MONGODB_URI.*)$`).FindAllStringSubmatch(string(readme), -1) {
		lines = append(lines, l[1])
	}
	for _, kind := range []string{"telethon-mongo", "pyrogram-mongo"} {
		var write, seal string
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "tgsession convert --to "+kind+" "):
				write = l
			case strings.HasPrefix(l, "tgsession seal ") && strings.Contains(l, "--from "+kind+" "):
				seal = l
			}
		}
		if write == "" || seal == "" {
			t.Errorf("README: no example for %s of moving a .session file into the store (%q) or sealing one out of it (%q)", kind, write, seal)
			continue
		}
		name := regexp.MustCompile(`--name (\S+)`).FindStringSubmatch(write)
		if name == nil {
			t.Fatalf("README: %q has no --name", write)
		}
		*e.seen = append(*e.seen, name[1])
		dropDatabases(t, name[1]) // the README's name, fresh for this run
		e.must(e.sh(write), 0, "README: "+write)
		in := e.inspect(strings.Fields(write)[len(strings.Fields(write))-1])
		e.must(e.sh(strings.ReplaceAll(seal, "age1…", testRecipient)), 0, "README: "+seal)
		opened := e.must(e.run("", "open", "-i", "key.txt", "--in", "session.sealed", "--to", "telethon"), 0, "open the README's sealed value")
		e.sameSession("README "+kind, in, e.inspectText(opened.stdout))
	}
}

// inspectText inspects a session string.
func (e *cliEnv) inspectText(s string) map[string]any {
	e.t.Helper()
	r := e.must(e.run(s, "inspect", "--json"), 0, "inspect a string")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *cliEnv) listNames(kind string) []string {
	e.t.Helper()
	r := e.must(e.run("", "list", "--json", "--from", kind, "--store-env", "MONGODB_URI"), 0, "list --from "+kind)
	var j struct {
		Kind  string   `json:"kind"`
		Names []string `json:"names"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &j); err != nil || j.Kind != kind {
		e.t.Fatalf("list --json: %v (kind %q)", err, j.Kind)
	}
	return j.Names
}

// dropDatabases drops the databases the test wrote.
func dropDatabases(t testing.TB, names ...string) {
	c, err := gomongo.Connect(options.Client().ApplyURI(ferretURL(t).Reveal().String()))
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	for _, n := range names {
		if err := c.Database(n).Drop(context.Background()); err != nil {
			t.Errorf("cleanup: drop %s: %v", n, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
