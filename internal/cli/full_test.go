package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/clifull"
)

// TestLeanBinaryLinksNoDriver: cmd/tgsession links neither SQLite nor a
// store or fleet driver (issue 11: their package init must not run for a
// string job); cmd/tgsession-full links all of them.
func TestLeanBinaryLinksNoDriver(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("go is not on PATH: cannot list the binaries' packages")
	}
	heavy := []string{"modernc.org/sqlite", "modernc.org/libc", "go.mongodb.org/mongo-driver/v2/mongo",
		"github.com/redis/go-redis/v9", "github.com/jackc/pgx/v5", "github.com/go-sql-driver/mysql",
		"github.com/tgsession/tgsession/compat", "github.com/tgsession/tgsession/internal/clifull"}
	deps := func(pkg string) []string {
		cmd := exec.Command("go", "list", "-deps", pkg)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
		out, err := cmd.Output()
		require.NoError(t, err, "go list -deps %s", pkg)
		return strings.Fields(string(out))
	}
	lean, full := deps("./cmd/tgsession"), deps("./cmd/tgsession-full")
	for _, p := range heavy {
		require.NotContains(t, lean, p, "cmd/tgsession links %s", p)
		require.Contains(t, full, p, "cmd/tgsession-full does not link %s", p)
	}
	require.Contains(t, lean, "github.com/tgsession/tgsession/internal/cli")
}

// TestStoreKindsHaveDrivers: every store kind the CLI names has a driver
// in the full binary, and every driver a name.
func TestStoreKindsHaveDrivers(t *testing.T) {
	targets := clifull.StoreTargets()
	names := storeKindNames()
	require.Len(t, targets, len(names))
	for _, n := range names {
		tg, ok := targets[n]
		require.True(t, ok, "no driver for store kind %s", n)
		require.NotNil(t, tg.Store, "%s: not a store layout", n)
	}
	require.True(t, hooks.Complete(), "the tests' in-process runs are the full binary's")
}

func TestNeedsFull(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", "telethon_v7.session"))
	require.NoError(t, err)
	sess := filepath.Join(dir, "renamed.txt") // recognised by its bytes, not its name
	require.NoError(t, os.WriteFile(sess, b, 0o600))
	text := filepath.Join(dir, "s.session") // a string session named .session
	require.NoError(t, os.WriteFile(text, []byte("1AAAA"), 0o600))
	withFile := filepath.Join(dir, "batch")
	require.NoError(t, os.Mkdir(withFile, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(withFile, "a.session"), b, 0o600))
	plain := filepath.Join(dir, "plain") // string sessions only
	require.NoError(t, os.Mkdir(plain, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(plain, "a.txt"), []byte("1AAAA"), 0o600))
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		fifo = ""
	}
	for _, tc := range []struct {
		args []string
		full bool
	}{
		{nil, false},
		{[]string{"inspect"}, false},
		{[]string{"inspect", "--json"}, false},
		{[]string{"help", "fleet"}, false},
		{[]string{"help", "list"}, false},
		{[]string{"completion", "bash"}, false},
		{[]string{"fleet"}, true},
		{[]string{"list", "--from", "telethon-redis"}, true},
		{[]string{"formats"}, true},
		{[]string{"inspect", sess}, true},
		{[]string{"inspect", "--in", sess}, true},
		{[]string{"inspect", "--in=" + sess}, true},
		{[]string{"inspect", text}, false},
		{[]string{"convert", "--to", "telethon", withFile}, true},
		{[]string{"convert", "--to", "telethon", plain}, false},
		{[]string{"convert", "--to", "telethon-sqlite"}, true},
		{[]string{"convert", "--to=kurigram-sqlite"}, true},
		{[]string{"convert", "--to", "pyrogram"}, false},
		{[]string{"convert", "--from", "telethon-mongo", "--name", "x", "--to", "telethon"}, true},
		{[]string{"convert", "--to", "tdata"}, false},
		{[]string{"exec", "--env", "S=fleet:bot", "--", "true"}, true},
		{[]string{"exec", "--env=S=fleet-pool:bots", "--", "true"}, true},
		{[]string{"exec", "--env", "S=telethon-redis:bot", "--", "true"}, true},
		{[]string{"exec", "--env", "S=file:x", "--", "cat", sess}, false},
		{[]string{"exec", "--env", "S=file:x", "--", "fleet"}, false},
		{[]string{"open", "-i", "k"}, false},
		{[]string{"open", "-i", "k", "-o", "x"}, true},
		{[]string{"open", "--out=x"}, true},
		{[]string{"vault", "get", "d", "n", "-o", "x"}, true},
		{[]string{"seal", "-o", "x"}, false},
		{[]string{"inspect", "-"}, false},
		{[]string{"inspect", fifo}, false},
	} {
		if slices.Contains(tc.args, "") {
			continue
		}
		got := needsFull(tc.args)
		require.Equal(t, tc.full, got != "", "needsFull(%q) = %q", tc.args, got)
	}
}

// TestNeedFullWithoutHandOver: a missing hook found once standard input
// has been read fails, saying what to run.
func TestNeedFullWithoutHandOver(t *testing.T) {
	c := newCLI(strings.NewReader(""), nil, nil, func(string) string { return "" })
	c.stdinRead = true
	err := c.needFull("reading a .session file")
	require.ErrorContains(t, err, "reading a .session file needs tgsession-full")
	var ce *cliError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, exitFail, ce.code)
	require.Equal(t, []string{"run the same command with tgsession-full"}, ce.hints)
}

// countingReader records whether anything read from it.
type countingReader struct {
	r    io.Reader
	read bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.read = true
	return c.r.Read(p)
}

// TestStoreJobWithoutHooksStopsBeforeReading: without the store hooks (the
// lean binary), a store job stops where every store job starts
// (storeLocation), before standard input is read, so that it can still be
// handed over; here (no hand-over in tests) it fails saying what to run.
func TestStoreJobWithoutHooksStopsBeforeReading(t *testing.T) {
	full := hooks
	hooks = Hooks{}
	t.Cleanup(func() { hooks = full })
	for _, args := range [][]string{
		{"convert", "--to", "telethon-redis", "--store-env", "REDIS_URL", "--name", "bot"},
		{"inspect", "--from", "telethon-mongo", "--store-env", "MONGODB_URI", "--name", "bot"},
	} {
		c, _, stderr := testCLI("", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "MONGODB_URI": "mongodb://127.0.0.1:1"})
		in := &countingReader{r: strings.NewReader(fakeSession + "\n")}
		c.stdin = in
		require.Equal(t, exitFail, c.run(args), stderr.String())
		require.Contains(t, stderr.String(), args[2]+" needs tgsession-full", args)
		require.False(t, in.read, "%q read standard input before finding it needs tgsession-full", args)
	}
}
