package compat_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/compat"
)

// variant copies testdata/name and applies SQL statements to the copy.
func variant(t *testing.T, name string, stmts ...string) string {
	t.Helper()
	p := copyFile(t, "testdata/"+name, t.TempDir())
	sqlExec(t, p, stmts...)
	return p
}

func hasNote(f *compat.Stored, sub string) bool { return containsNote(f.Notes, sub) }

func TestReadTelethonV2Variants(t *testing.T) {
	const fx = "telethon_v10.session"
	t.Run("bad address values", func(t *testing.T) {
		for _, v := range []string{"149.154.167.91", "149.154.167.91:0", "149.154.167.91:http", "not an address!:443", ":443"} {
			p := variant(t, fx, "UPDATE datacenter SET ipv4_addr = '"+v+"' WHERE id = 4")
			_, err := readPath(p)
			require.ErrorIs(t, err, compat.ErrCorrupt, "address %q", v)
		}
	})
	t.Run("bracketed IPv6 with port", func(t *testing.T) {
		p := variant(t, fx, "UPDATE datacenter SET ipv4_addr = NULL, ipv6_addr = '[2001:67c:4e8:f004::a]:443' WHERE id = 4")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, "2001:67c:4e8:f004::a", f.Session.ServerAddress)
		require.Equal(t, uint16(443), f.Session.Port)
		require.True(t, f.Session.IPv6.Or(false))
	})
	t.Run("version other than 10", func(t *testing.T) {
		p := variant(t, fx, "UPDATE version SET version = 11")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 11, f.Schema)
		require.True(t, hasNote(f, "version table says 11"), "notes: %q", f.Notes)
	})
	t.Run("user row on another DC", func(t *testing.T) {
		p := variant(t, fx, "UPDATE user SET dc = 2")
		f, err := compat.ReadFile(p, compat.ReadOptions{DC: 4})
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 4, f.Session.DC)
		require.False(t, f.Session.UserID.Known(), "user id of another DC's row was used")
		require.True(t, hasNote(f, "the user row names DC 2"), "notes: %q", f.Notes)
		require.True(t, hasNote(f, "also holds keys for DCs [1]"), "notes: %q", f.Notes)
	})
	t.Run("no user row, DC other than 2", func(t *testing.T) {
		p := variant(t, fx, "DELETE FROM user", "DELETE FROM datacenter WHERE id = 1")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 4, f.Session.DC)
		require.True(t, hasNote(f, "would start on DC 2, not on DC 4"), "notes: %q", f.Notes)
	})
	t.Run("channel states without a state row", func(t *testing.T) {
		p := variant(t, fx, "DELETE FROM state")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.NotNil(t, f.UpdateState)
		require.Equal(t, int64(0), f.UpdateState.PTS)
		require.Equal(t, []compat.ChannelState{{ID: 1234567890, PTS: 777}}, f.UpdateState.Channels)
	})
	t.Run("DC out of range", func(t *testing.T) {
		p := variant(t, fx, "DELETE FROM datacenter WHERE id <> 4", "UPDATE datacenter SET id = 70000", "DELETE FROM user")
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrCorrupt)
	})
}

func TestReadPyrogramVariants(t *testing.T) {
	t.Run("version disagrees with the tables", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "UPDATE version SET number = 5")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 5, f.Schema)
		require.True(t, hasNote(f, "version table says 5, the tables look like kurigram 7"), "notes: %q", f.Notes)
	})
	t.Run("no version row", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "DELETE FROM version")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 7, f.Schema)
		require.True(t, hasNote(f, "no version row"), "notes: %q", f.Notes)
	})
	t.Run("non-integer version", func(t *testing.T) {
		p := variant(t, "pyrogram_v3.session", "DROP TABLE version", "CREATE TABLE version (number TEXT)", "INSERT INTO version VALUES ('three')")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 3, f.Schema)
		require.True(t, hasNote(f, "no version row"), "notes: %q", f.Notes)
	})
	t.Run("two keys, DC chosen", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "INSERT INTO sessions VALUES (4, '149.154.167.91', 443, 1, 0, randomblob(256), 0, 5, 0)")
		f, err := compat.ReadFile(p, compat.ReadOptions{DC: 2})
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, 2, f.Session.DC)
		require.True(t, hasNote(f, "keys for DCs [4] are not read"), "notes: %q", f.Notes)
		_, err = compat.ReadFile(p, compat.ReadOptions{DC: 3})
		require.ErrorIs(t, err, compat.ErrNoSession)
	})
	t.Run("bad stored address", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "UPDATE sessions SET server_address = '-bad-.host'")
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrCorrupt)
		require.Contains(t, err.Error(), "neither an IP")
	})
	t.Run("host name address", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "UPDATE sessions SET server_address = 'dc2.Example-1.org'")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Equal(t, "dc2.Example-1.org", f.Session.ServerAddress)
		require.False(t, f.Session.IPv6.Or(true))
	})
	t.Run("bad host names", func(t *testing.T) {
		long := ""
		for range 64 {
			long += "a"
		}
		for _, h := range []string{"a..b", long + ".org", "under_score.org", "trailing-.org"} {
			p := variant(t, "kurigram_v7.session", "UPDATE sessions SET server_address = '"+h+"'")
			_, err := readPath(p)
			require.ErrorIs(t, err, compat.ErrCorrupt, "host %q", h)
		}
	})
	t.Run("bad port", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session", "UPDATE sessions SET port = -1")
		_, err := readPath(p)
		require.ErrorIs(t, err, compat.ErrCorrupt)
	})
	t.Run("peer rows without id and orphan usernames", func(t *testing.T) {
		p := variant(t, "kurigram_v7.session",
			"CREATE TABLE p2 AS SELECT * FROM peers", "DROP TABLE peers", "ALTER TABLE p2 RENAME TO peers",
			"INSERT INTO peers (id, access_hash, type, last_update_on) VALUES ('x', 1, 'user', 0)",
			"INSERT INTO usernames VALUES (999, 'ghost')",
			"INSERT INTO usernames VALUES (123456789, NULL)")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Len(t, f.Entities, 2)
		require.True(t, hasNote(f, "skipped 1 peers rows"), "notes: %q", f.Notes)
		require.True(t, hasNote(f, "1 usernames rows name no cached peer"), "notes: %q", f.Notes)
	})
}

func TestReadTelethonVariants(t *testing.T) {
	t.Run("update_state without pts", func(t *testing.T) {
		p := variant(t, "telethon_v7.session", "DROP TABLE update_state", "CREATE TABLE update_state (id INTEGER PRIMARY KEY, x INTEGER)", "INSERT INTO update_state VALUES (0, 1)")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Nil(t, f.UpdateState)
	})
	t.Run("update_state rows with a non-integer id", func(t *testing.T) {
		p := variant(t, "telethon_v7.session", "DROP TABLE update_state", "CREATE TABLE update_state (id, pts, qts, date, seq)", "INSERT INTO update_state VALUES ('x', 5, 0, 0, 0)", "INSERT INTO update_state VALUES (0, 6, 1, 2, 3)")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.NotNil(t, f.UpdateState)
		require.Equal(t, int64(6), f.UpdateState.PTS)
		require.Empty(t, f.UpdateState.Channels)
	})
	t.Run("entities without an id column", func(t *testing.T) {
		p := variant(t, "telethon_v7.session", "DROP TABLE entities", "CREATE TABLE entities (x INTEGER)", "INSERT INTO entities VALUES (1)")
		f, err := readPath(p)
		require.NoError(t, err)
		defer f.Wipe()
		require.Empty(t, f.Entities)
	})
}
