package compat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// The read limits of compat/read.go and compat/schemacheck.go, as the
// tests see them.
const (
	maxValueSize   = 64 << 10
	maxKeyRows     = 1024
	maxSchemaBytes = 1 << 20
)

// TestReadLimits checks each read limit on both sides: a file at the limit
// reads, one past it gets ErrTooLarge naming what and the limit. (The cache
// row limit, a million rows, is checked in TestScanRowLimit with a small
// one; a cache of 100,000 rows reads here.)
func TestReadLimits(t *testing.T) {
	t.Run("a large real cache reads", func(t *testing.T) {
		n := 100000
		if raceEnabled {
			n = 10000
		}
		p := variant(t, "telethon_v7.session", fmt.Sprintf(
			"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT %d) "+
				"INSERT INTO entities SELECT 1000000 + i, i * 7919, 'user_' || i, 15550000000 + i, 'Some User ' || i, 1717243200 FROM c", n))
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Len(t, f.Entities, n+7)
	})
	t.Run("a peer with many usernames", func(t *testing.T) {
		// Each further username was checked against the peer's list, so
		// their cost grew quadratically: 100,000 of them took 30–40 s.
		n := 30000
		if raceEnabled {
			n = 5000
		}
		p := variant(t, "kurigram_v7.session", fmt.Sprintf(
			"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT %d) "+
				"INSERT INTO usernames SELECT 123456789, 'name' || (i %% %d) FROM c", 2*n, n))
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		for _, e := range f.Entities {
			if e.ID == 123456789 {
				require.Equal(t, n+1, len(e.Usernames), "each further username once: alice_alt and the n names")
			}
		}
	})
	t.Run("key rows", func(t *testing.T) {
		rows := func(n int) string {
			return fmt.Sprintf("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT %d) "+
				"INSERT INTO sessions (dc_id, server_address, port, auth_key) SELECT 100 + i, NULL, NULL, x'' FROM c", n)
		}
		p := variant(t, "telethon_v7.session", rows(maxKeyRows-1))
		f, err := readPath(p)
		require.NoError(t, err)
		f.Wipe()
		sqlExec(t, p, "INSERT INTO sessions VALUES (99, NULL, NULL, x'', NULL)")
		_, err = readPath(p)
		require.ErrorIs(t, err, codec.ErrTooLarge)
		require.Contains(t, err.Error(), fmt.Sprintf("the sessions table has more than %d rows", maxKeyRows))
	})
	t.Run("value size", func(t *testing.T) {
		for _, v := range []string{"'" + strings.Repeat("n", maxValueSize) + "'", "zeroblob(" + fmt.Sprint(maxValueSize) + ")"} {
			p := variant(t, "telethon_v7.session", "UPDATE entities SET name = "+v)
			f, err := readPath(p)
			require.NoError(t, err)
			f.Wipe()
			sqlExec(t, p, "UPDATE entities SET name = name || x'41' WHERE id = 123456789")
			_, err = readPath(p)
			require.ErrorIs(t, err, codec.ErrTooLarge)
			require.Contains(t, err.Error(), fmt.Sprintf("a value of entities.name is longer than %d bytes", maxValueSize))
		}
		// A key far too long is refused before SQLite loads it.
		p := variant(t, "telethon_v7.session", "UPDATE sessions SET auth_key = zeroblob(10000000)")
		_, err := readPath(p)
		require.ErrorIs(t, err, codec.ErrTooLarge)
		require.Contains(t, err.Error(), "sessions.auth_key")
	})
	t.Run("schema size", func(t *testing.T) {
		long := func(n int) string {
			return "CREATE TABLE notes (body TEXT DEFAULT '" + strings.Repeat("x", n) + "')"
		}
		// The schema row holds the statement and a few more bytes.
		p := variant(t, "telethon_v7.session", long(maxSchemaBytes-4096))
		f, err := readPath(p)
		require.NoError(t, err)
		f.Wipe()
		p = variant(t, "telethon_v7.session", long(maxSchemaBytes))
		_, err = readPath(p)
		require.ErrorIs(t, err, codec.ErrTooLarge)
		require.Contains(t, err.Error(), fmt.Sprintf("the schema (sqlite_master) holds more than %d bytes", maxSchemaBytes))
	})
}

func mustTarget(t testing.TB, name string) compat.Target {
	t.Helper()
	to, err := compat.ParseTarget(name)
	require.NoError(t, err)
	return to
}

// TestReadRefusesStat4 checks that SQLite planner statistics are refused
// wherever the schema keeps them: real ANALYZE output (modernc.org/sqlite
// is built with STAT4), in a schema spread over interior and overflow
// pages, and in a UTF-16 database.
func TestReadRefusesStat4(t *testing.T) {
	analyze := []string{"CREATE INDEX idx_entities_username ON entities (username)", "ANALYZE"}
	cases := map[string][]string{
		"analyzed": analyze,
		"many tables": func() []string {
			var s []string
			for i := range 300 {
				s = append(s, fmt.Sprintf("CREATE TABLE t%03d (x TEXT DEFAULT '%s')", i, strings.Repeat("y", i*10)))
			}
			return append(s, analyze...)
		}(),
	}
	for name, stmts := range cases {
		t.Run(name, func(t *testing.T) {
			p := variant(t, "telethon_v7.session", stmts...)
			require.NotEmpty(t, sqlRows(t, p, "SELECT count(*) FROM sqlite_stat4 WHERE rowid > 0"))
			_, err := readPath(p)
			require.ErrorIs(t, err, compat.ErrUnknownSchema)
			require.Contains(t, err.Error(), "sqlite_stat4")
			// The same file without the statistics reads.
			sqlExec(t, p, "DROP TABLE sqlite_stat4")
			f, err := readPath(p)
			require.NoError(t, err)
			f.Wipe()
		})
	}
	t.Run("UTF-16", func(t *testing.T) {
		for _, enc := range []string{"UTF-16le", "UTF-16be"} {
			p := filepath.Join(t.TempDir(), "u16.session")
			sqlExec(t, p, "PRAGMA encoding = '"+enc+"'", "CREATE TABLE t (x)", "CREATE INDEX i ON t (x)",
				"INSERT INTO t VALUES (1), (2), (3)", "ANALYZE")
			require.Equal(t, []string{"1"}, sqlRows(t, p, "SELECT count(*) > 0 FROM sqlite_stat4"))
			_, err := readPath(p)
			require.ErrorIs(t, err, compat.ErrUnknownSchema)
			require.Contains(t, err.Error(), "sqlite_stat4", enc)
		}
	})
}

// TestReadIgnoresWhatItDoesNotRead checks that tables and columns outside
// the known layouts cost nothing and change nothing: a virtual table or a
// view under a known name is not that table, and unknown generated columns
// are not evaluated.
func TestReadIgnoresWhatItDoesNotRead(t *testing.T) {
	t.Run("virtual table named like a known one", func(t *testing.T) {
		p := variant(t, "telethon_v7.session", "DROP TABLE update_state", "CREATE VIRTUAL TABLE update_state USING fts5(id, pts, qts, date, seq)",
			"INSERT INTO update_state VALUES (0, 1, 2, 3, 4)")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Nil(t, f.UpdateState)
	})
	t.Run("virtual sessions table", func(t *testing.T) {
		p := variant(t, "telethon_v7.session", "DROP TABLE sessions", "CREATE VIRTUAL TABLE sessions USING fts5(dc_id, server_address, port, auth_key, takeout_id)")
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrUnknownSchema)
	})
	t.Run("generated columns beside the known ones", func(t *testing.T) {
		p := variant(t, "telethon_v7.session",
			"ALTER TABLE entities ADD COLUMN big BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL",
			"ALTER TABLE sessions ADD COLUMN big BLOB GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Len(t, f.Entities, 7)
		require.True(t, keyIs(f.Session.Key, 101))
	})
	t.Run("usernames WITHOUT ROWID", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session",
			"CREATE TABLE u2 (id INTEGER, username TEXT, PRIMARY KEY (id, username)) WITHOUT ROWID",
			"INSERT INTO u2 SELECT id, username FROM usernames", "DROP TABLE usernames", "ALTER TABLE u2 RENAME TO usernames")
		want, err := readPath(filepath.Join("testdata", "kurigram_v7.session"))
		require.NoError(t, err)
		defer want.Wipe()
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		// The same usernames, in primary-key order instead of rowid order.
		names := func(es []compat.Entity) map[int64][]string {
			m := map[int64][]string{}
			for _, e := range es {
				m[e.ID] = append([]string{e.Username}, e.Usernames...)
				slices.Sort(m[e.ID])
			}
			return m
		}
		require.Equal(t, names(want.Entities), names(f.Entities))
		require.NotEmpty(t, names(f.Entities)[123456789])
	})
}

// TestNoRawControlCharacters walks hostile text through every message this
// package builds from input: table names listed for an unknown schema, file
// names in errors (a directory given to ConvertBatch holds files named by
// whoever sent them), and a report that quotes the file's own username.
// No message may carry a control character, escape sequence or bidi
// override, and each stays bounded.
func TestNoRawControlCharacters(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\u202e" + strings.Repeat("z", 500)
	t.Run("table names", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "other.session")
		sqlExec(t, p, `CREATE TABLE "`+evil+`" (x)`, "CREATE TABLE notes (x)")
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrUnknownSchema)
		requireEscaped(t, err.Error())
		require.Contains(t, err.Error(), `tables \x1b]0;pwned\x07\x1b[2J\u202ez`)
		require.Less(t, len(err.Error()), 400, "the message quotes a 500-byte name whole")
		require.Contains(t, err.Error(), ", notes are not those of")
	})
	t.Run("file names", func(t *testing.T) {
		dir := t.TempDir()
		name := "\x1b]0;pwned\x07\u202e.session"
		bad := writeBytes(t, dir, name, []byte("not a database"))
		_, err := readPath(bad)
		require.ErrorIs(t, err, compat.ErrNotSQLite)
		requireEscaped(t, err.Error())
		require.Contains(t, err.Error(), `\x1b]0;pwned\x07\u202e.session`)

		two := copyFile(t, "testdata/telethon_v7.session", t.TempDir())
		sqlExec(t, two, "INSERT INTO sessions VALUES (4, '149.154.167.91', 443, randomblob(256), NULL)")
		multi := filepath.Join(dir, "\x1b[31mtwo.session")
		require.NoError(t, os.Rename(two, multi))
		_, err = readPath(multi)
		require.ErrorIs(t, err, compat.ErrMultipleSessions)
		requireEscaped(t, err.Error())

		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 2)
		for _, e := range entries {
			_, _, err := convert(fileSource(filepath.Join(dir, e.Name())), mustTarget(t, "telethon-sqlite"), testOptions{Output: filepath.Join(t.TempDir(), "out.session")})
			require.Error(t, err)
			requireEscaped(t, err.Error())
		}
	})
	t.Run("report", func(t *testing.T) {
		p := variant(t, "telethon_v10.session", "UPDATE user SET username = '"+evil+"'")
		_, rep, err := convert(fileSource(p), mustTarget(t, "pyrogram"), testOptions{APIID: codec.Some[uint32](1)})
		require.NoError(t, err)
		for _, line := range strings.Split(strings.TrimSuffix(rep.String(), "\n"), "\n") {
			requireEscaped(t, line)
		}
		require.Contains(t, rep.String(), `user.username: dropped (\x1b]0;pwned\x07\x1b[2J\u202ez`)
	})
}
