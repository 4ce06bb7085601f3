package compat_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

func writeBytes(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

func testdataBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// TestBadFiles feeds every kind of bad input to ReadFile and to Convert
// with a file target: each gets a clear, typed error; the input is never
// modified; no output file (or temporary file) is left behind.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	tele := testdataBytes(t, "telethon_v7.session")

	fixture := func(name string, stmts ...string) string {
		p := copyFile(t, "testdata/telethon_v7.session", t.TempDir())
		sqlExec(t, p, stmts...)
		return p
	}
	pyroFixture := func(name string, stmts ...string) string {
		p := copyFile(t, "testdata/pyrogram_v3.session", t.TempDir())
		sqlExec(t, p, stmts...)
		return p
	}
	otherApp := filepath.Join(dir, "other.session")
	sqlExec(t, otherApp, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes VALUES (1, 'hi')")
	noTables := filepath.Join(dir, "notables.session")
	sqlExec(t, noTables, "PRAGMA user_version = 1")
	corruptPage := append([]byte(nil), tele...)
	for i := 100; i < 300; i++ { // the sqlite_master b-tree page header and cells
		corruptPage[i] = 0xA5
	}

	cases := []struct {
		name string
		path string
		want error
		msg  string // a substring of the error
	}{
		{"text file", writeBytes(t, dir, "text.session", []byte("hello, this is not a database\n")), compat.ErrNotSQLite, "no SQLite header"},
		{"json (Telethon 0.15)", writeBytes(t, dir, "old.session", []byte(`{"dc_id": 2, "auth_key": "AAAA"}`)), compat.ErrNotSQLite, "JSON"},
		{"zero bytes", writeBytes(t, dir, "empty.session", nil), compat.ErrNotSQLite, "empty file"},
		{"10 bytes of header", writeBytes(t, dir, "t10.session", tele[:10]), compat.ErrNotSQLite, "truncated"},
		{"50 bytes", writeBytes(t, dir, "t50.session", tele[:50]), compat.ErrCorrupt, "truncated"},
		{"cut mid-page", writeBytes(t, dir, "thalf.session", tele[:len(tele)/2+100]), compat.ErrCorrupt, "truncated"},
		{"cut at a page boundary", writeBytes(t, dir, "tpages.session", tele[:8192]), compat.ErrCorrupt, "truncated"},
		{"corrupt page", writeBytes(t, dir, "corrupt.session", corruptPage), compat.ErrCorrupt, ""},
		{"another application's database", otherApp, compat.ErrUnknownSchema, "notes"},
		{"no tables", noTables, compat.ErrUnknownSchema, "no tables"},
		{"sessions is a view", fixture("view", "ALTER TABLE sessions RENAME TO s2", "CREATE VIEW sessions AS SELECT * FROM s2"), compat.ErrUnknownSchema, ""},
		{"missing sessions row (Pyrogram)", pyroFixture("norow", "DELETE FROM sessions"), compat.ErrNoSession, "no rows"},
		{"missing sessions row (Telethon)", fixture("norow", "DELETE FROM sessions"), compat.ErrNoSession, "no rows"},
		{"fresh Telethon file (empty key)", filepath.Join("testdata", "telethon_v7_nokey.session"), compat.ErrNoSession, "no row holds an auth key"},
		{"two keyed rows", fixture("two", "INSERT INTO sessions VALUES (4, '149.154.167.91', 443, randomblob(256), NULL)"), compat.ErrMultipleSessions, "DCs 2, 4"},
		{"two Pyrogram rows", pyroFixture("two", "INSERT INTO sessions VALUES (5, 1, 0, randomblob(256), 0, 1, 0)"), compat.ErrMultipleSessions, "no DC was chosen"},
		{"short key", fixture("short", "UPDATE sessions SET auth_key = x'0102030405'"), compat.ErrCorrupt, "5 bytes"},
		{"all-zero key", fixture("zero", "UPDATE sessions SET auth_key = zeroblob(256)"), compat.ErrNoSession, "all zeros"},
		{"DC 0 with a key", fixture("dc0", "UPDATE sessions SET dc_id = 0"), compat.ErrCorrupt, "DC id 0"},
		{"address that is not an address", fixture("addr", "UPDATE sessions SET server_address = 'not an address!'"), compat.ErrCorrupt, "neither an IP"},
		{"port out of range", fixture("port", "UPDATE sessions SET port = 70000"), compat.ErrCorrupt, "port"},
		{"directory", t.TempDir(), compat.ErrNotSQLite, "not a regular file"},
		{"missing file", filepath.Join(dir, "nope.session"), fs.ErrNotExist, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshotBytes(t, c.path)
			_, err := readPath(c.path)
			require.ErrorIs(t, err, c.want)
			require.Contains(t, err.Error(), c.msg)
			require.True(t, strings.HasPrefix(err.Error(), "compat: "), "error %q lacks the package prefix", err)
			requireNoSecret(t, err.Error(), 101)

			out := t.TempDir()
			for _, to := range []string{"telethon-sqlite", "pyrogram"} {
				target, perr := compat.ParseTarget(to)
				require.NoError(t, perr)
				_, _, err = convert(fileSource(c.path), target, testOptions{
					Output: filepath.Join(out, "out.session"), UserID: codec.Some[int64](1), APIID: codec.Some[uint32](1),
				})
				require.ErrorIs(t, err, c.want)
			}
			entries, err := os.ReadDir(out)
			require.NoError(t, err)
			require.Empty(t, entries, "nothing written, not even a temporary file")
			requireUnchanged(t, before, c.path)
		})
	}
}

func TestMultipleSessionsChooseDC(t *testing.T) {
	p := copyFile(t, "testdata/telethon_v7.session", t.TempDir())
	sqlExec(t, p, "INSERT INTO sessions VALUES (4, '149.154.167.91', 443, randomblob(256), NULL)")
	_, err := readPath(p)
	var me *compat.MultipleSessionsError
	require.ErrorAs(t, err, &me)
	require.Equal(t, []int{2, 4}, me.DCs)

	f, err := compat.ReadFile(p, compat.ReadOptions{DC: 2})
	require.NoError(t, err)
	require.True(t, keyIs(f.Session.Key, 101))
	require.Contains(t, strings.Join(f.Notes, "\n"), "keys for DCs [4] are not read")
	f.Wipe()

	_, err = compat.ReadFile(p, compat.ReadOptions{DC: 3})
	require.ErrorIs(t, err, compat.ErrNoSession)
}

// TestCorruptionNeverPanics flips random bytes of real files: ReadFile
// returns a session or one of the package's typed errors, never panics.
func TestCorruptionNeverPanics(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	sentinels := []error{compat.ErrNotSQLite, compat.ErrCorrupt, compat.ErrUnknownSchema, compat.ErrNoSession,
		compat.ErrMultipleSessions, codec.ErrTooLarge}
	for _, name := range []string{"telethon_v7.session", "pyrogram_v3.session", "kurigram_v7.session", "telethon_v10.session"} {
		orig := testdataBytes(t, name)
		for i := range 60 {
			b := append([]byte(nil), orig...)
			for range 1 + rng.IntN(8) {
				b[100+rng.IntN(len(b)-100)] = byte(rng.Uint32())
			}
			p := writeBytes(t, dir, fmt.Sprintf("%s.%d", name, i), b)
			f, err := readPath(p)
			if err == nil {
				f.Wipe()
				continue
			}
			ok := false
			for _, s := range sentinels {
				ok = ok || errors.Is(err, s)
			}
			require.True(t, ok, "untyped error for %s #%d: %v", name, i, err)
		}
	}
}

func TestExistingOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.session")
	require.NoError(t, os.WriteFile(out, []byte("precious"), 0o644))
	target, _ := compat.ParseTarget("telethon-sqlite")

	_, _, err := convert(fileSource("testdata/telethon_v7.session"), target, testOptions{Output: out})
	require.ErrorIs(t, err, fs.ErrExist)
	b, _ := os.ReadFile(out)
	require.Equal(t, "precious", string(b))

	_, _, err = convert(fileSource("testdata/telethon_v7.session"), target, testOptions{Output: out, Force: true})
	require.NoError(t, err)
	f, err := readPath(out)
	require.NoError(t, err)
	require.True(t, keyIs(f.Session.Key, 101))
	f.Wipe()
	st, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1, "no temporary or journal files left")
}
