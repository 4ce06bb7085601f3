package compat_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/tgsession/tgsession/codec"
)

// The test binary doubles as a helper process (a second SQLite writer, a
// crashing writer, an unprivileged user): TestMain runs the helper named by
// $COMPAT_TEST_HELPER instead of the tests.
func TestMain(m *testing.M) {
	switch os.Getenv("COMPAT_TEST_HELPER") {
	case "":
		os.Exit(m.Run())
	case "lock":
		helperLock(os.Getenv("COMPAT_TEST_DB"))
	case "crash":
		helperCrash(os.Getenv("COMPAT_TEST_DB"))
	case "unprivileged":
		helperUnprivileged(os.Getenv("COMPAT_TEST_DIR"))
	case "read":
		helperRead(os.Getenv("COMPAT_TEST_DB"), os.Getenv("COMPAT_TEST_DIR"))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(2)
	}
}

// helperLock opens db, takes an EXCLUSIVE lock with a pending write, prints
// "locked" and holds the lock until stdin is closed.
func helperLock(db string) {
	conn, err := sql.Open("sqlite", db)
	check(err)
	conn.SetMaxOpenConns(1)
	_, err = conn.Exec("BEGIN EXCLUSIVE")
	check(err)
	_, err = conn.Exec("UPDATE sessions SET port = port")
	check(err)
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	_, err = conn.Exec("ROLLBACK")
	check(err)
	check(conn.Close())
	os.Exit(0)
}

// helperCrash starts a write transaction on db that replaces the session's
// key and inserts enough entities to spill pages into the database file,
// then dies without committing or rolling back: it leaves a hot journal.
func helperCrash(db string) {
	conn, err := sql.Open("sqlite", db+"?_pragma=cache_size(2)&_pragma=journal_mode(delete)")
	check(err)
	conn.SetMaxOpenConns(1)
	_, err = conn.Exec("BEGIN")
	check(err)
	_, err = conn.Exec("UPDATE sessions SET auth_key = ?", makeKey(999))
	check(err)
	for i := range 400 {
		_, err = conn.Exec("INSERT OR REPLACE INTO entities VALUES (?, ?, ?, NULL, ?, 0)", 700000+i, i, fmt.Sprintf("crash%d", i), strings.Repeat("x", 900))
		check(err)
	}
	os.Exit(3)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
}

// startHelper runs the test binary as helper name with env, returning the
// command and its stdout.
func startHelper(t *testing.T, name string, env ...string) (*exec.Cmd, *bufio.Reader, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"COMPAT_TEST_HELPER=" + name}, env...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	return cmd, bufio.NewReader(out), stdin
}

// makeKey is make_key(n) of docs/formats.md#vectors: the fake keys of the vectors.
func makeKey(n int) []byte {
	var b []byte
	for i := range 8 {
		s := sha256.Sum256(fmt.Appendf(nil, "tg-session-vector:%d:%d", n, i))
		b = append(b, s[:]...)
	}
	return b
}

func authKey(t testing.TB, n int) codec.AuthKey {
	k, err := codec.NewAuthKey(makeKey(n))
	require.NoError(t, err)
	return k
}

// keyIs reports, without printing either key, whether k is make_key(n).
func keyIs(k codec.AuthKey, n int) bool {
	b := k.Reveal()
	defer clear(b)
	return bytes.Equal(b, makeKey(n))
}

// copyFile copies src (and any -wal/-shm/-journal companions) into dir.
func copyFile(t testing.TB, src, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, filepath.Base(src))
	for _, suf := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(src + suf)
		if os.IsNotExist(err) && suf != "" {
			continue
		}
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst+suf, b, 0o600))
	}
	return dst
}

// snapshotBytes returns the contents of path and its companions, for
// byte-for-byte "not modified" checks.
func snapshotBytes(t testing.TB, path string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, suf := range []string{"", "-wal", "-shm", "-journal"} {
		b, err := os.ReadFile(path + suf)
		if err == nil {
			m[suf] = b
		}
	}
	return m
}

func requireUnchanged(t testing.TB, before map[string][]byte, path string) {
	t.Helper()
	after := snapshotBytes(t, path)
	require.Equal(t, len(before), len(after), "companion files appeared or disappeared next to %s", path)
	for suf, b := range before {
		require.True(t, bytes.Equal(b, after[suf]), "%s%s was modified", path, suf)
	}
}

// sqlExec runs statements on a database file with the plain SQLite driver
// (for building bad fixtures).
func sqlExec(t testing.TB, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, "%s", s)
	}
}

// sqlRows returns every row of a query as strings, for comparisons.
func sqlRows(t testing.TB, path, query string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		parts := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, " "))
	}
	require.NoError(t, rows.Err())
	return out
}

// requireNoSecret fails if s contains key n in hex or base64.
func requireNoSecret(t testing.TB, s string, n int) {
	t.Helper()
	k := makeKey(n)
	for _, enc := range []string{fmt.Sprintf("%x", k), fmt.Sprintf("%X", k), fmt.Sprintf("%x", k[:16])} {
		require.False(t, strings.Contains(s, enc), "output contains key material")
	}
	require.False(t, strings.Contains(s, string(k[:16])), "output contains raw key bytes")
}

// openWriter opens a database file for writing with the plain SQLite
// driver, on a single connection that stays open until the test ends.
func openWriter(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	_, err := db.Exec(q, args...)
	require.NoError(t, err, "%s", q)
}
