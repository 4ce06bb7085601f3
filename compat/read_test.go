package compat_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// vector describes what a testdata file holds (see testdata/README.md).
type vector struct {
	file     string
	library  string
	schema   int
	wal      bool
	dc       int
	addr     string
	port     uint16
	key      int // make_key(n)
	apiID    codec.Optional[uint32]
	userID   codec.Optional[int64]
	isBot    codec.Optional[bool]
	testMode codec.Optional[bool]
	entities int
	takeout  codec.Optional[int64]
	state    bool
}

var some = codec.Some[int64]

var vectors = []vector{
	{file: "telethon_v1.session", library: "telethon", schema: 1, dc: 3, addr: "149.154.175.100", port: 443, key: 151, entities: 1},
	{file: "telethon_v2.session", library: "telethon", schema: 2, dc: 3, addr: "149.154.175.100", port: 443, key: 152, entities: 1},
	{file: "telethon_v3.session", library: "telethon", schema: 3, dc: 3, addr: "149.154.175.100", port: 443, key: 153, entities: 1},
	{file: "telethon_v4.session", library: "telethon", schema: 4, dc: 3, addr: "149.154.175.100", port: 443, key: 154, entities: 1, state: true},
	{file: "telethon_v5.session", library: "telethon", schema: 5, dc: 3, addr: "149.154.175.100", port: 443, key: 155, entities: 1, state: true},
	{file: "telethon_v6.session", library: "telethon", schema: 6, dc: 3, addr: "149.154.175.100", port: 443, key: 156, entities: 0, state: true},
	{file: "telethon_v7.session", library: "telethon", schema: 7, dc: 2, addr: "149.154.167.51", port: 443, key: 101, entities: 7, takeout: some(77), state: true},
	{file: "telethon_v7_ipv6.session", library: "telethon", schema: 7, dc: 4, addr: "2001:67c:4e8:f004::a", port: 443, key: 102},
	{file: "telethon_v7_mixed.session", library: "telethon", schema: 6, dc: 5, addr: "91.108.56.130", port: 443, key: 107, entities: 2, state: true},
	{file: "telethon_v10.session", library: "telethon-v2", schema: 10, dc: 4, addr: "149.154.167.91", port: 443, key: 110, userID: some(5000000001), isBot: codec.Some(false), state: true},
	{file: "telethon_v10_alpha.session", library: "telethon-v2", schema: 10, dc: 2, addr: "149.154.167.51", port: 443, key: 112},
	{file: "pyrogram_v1.session", library: "pyrogram", schema: 1, dc: 1, key: 121, userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(false), entities: 5},
	{file: "pyrogram_v2.session", library: "pyrogram", schema: 2, dc: 1, key: 122, userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(false), entities: 5},
	{file: "pyrogram_v3.session", library: "pyrogram", schema: 3, dc: 4, key: 0, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(false), entities: 5},
	{file: "pyrogram_v3_migrated.session", library: "pyrogram", schema: 3, dc: 5, key: 123, userID: some(5000000001), isBot: codec.Some(true), testMode: codec.Some(false), entities: 5},
	{file: "pyrofork_v4.session", library: "pyrofork", schema: 4, dc: 1, key: 124, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(false), entities: 5},
	{file: "kurigram_v4_migrated.session", library: "kurigram", schema: 4, dc: 1, key: 134, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(true), entities: 5},
	{file: "kurigram_v5_migrated.session", library: "kurigram", schema: 5, dc: 1, key: 135, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(true), entities: 5},
	{file: "kurigram_v6_migrated.session", library: "kurigram", schema: 6, dc: 1, key: 136, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(true), entities: 5},
	{file: "kurigram_v7_migrated.session", library: "kurigram", schema: 7, dc: 1, addr: "149.154.175.10", port: 80, key: 137, apiID: codec.Some[uint32](2040), userID: some(123456789), isBot: codec.Some(false), testMode: codec.Some(true), entities: 5},
	{file: "kurigram_v7.session", library: "kurigram", schema: 7, dc: 2, addr: "149.154.167.51", port: 443, key: -1, apiID: codec.Some[uint32](2040), userID: some(5000000001), isBot: codec.Some(false), testMode: codec.Some(false), entities: 2},
	{file: "hydrogram_wal.session", library: "hydrogram", schema: 3, wal: true, dc: 3, key: 140, apiID: codec.Some[uint32](2040), userID: some(777000111), isBot: codec.Some(true), testMode: codec.Some(false), entities: 5},
}

// vectorKeyIs checks the key of a vector file. The two files copied from
// the project's shared vectors have keys given as hex in pyrogram.json (make_key
// numbers unknown); they are checked by auth_key_id instead.
func vectorKeyIs(k codec.AuthKey, v vector) bool {
	switch v.key {
	case 0: // pyrogram_v3.session: key_id from pyrogram.json
		return k.ID().String() == "04287a6eab4a3d76"
	case -1: // kurigram_v7.session
		return k.ID().String() == "954c5178fd48a06f"
	}
	return keyIs(k, v.key)
}

func TestReadVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", v.file)
			before := snapshotBytes(t, path)
			f, err := readPath(path)
			require.NoError(t, err)
			defer f.Wipe()
			s := f.Session
			require.Equal(t, v.library, f.Library)
			require.Equal(t, v.schema, f.Schema)
			require.Equal(t, v.wal, f.WAL)
			require.Equal(t, v.dc, s.DC)
			require.Equal(t, v.addr, s.ServerAddress)
			require.Equal(t, v.port, s.Port)
			require.True(t, vectorKeyIs(s.Key, v), "wrong auth key")
			require.Equal(t, v.apiID, s.APIID, "api_id")
			require.Equal(t, v.userID, s.UserID, "user_id")
			require.Equal(t, v.isBot, s.IsBot, "is_bot")
			require.Equal(t, v.testMode, s.TestMode, "test_mode")
			require.Len(t, f.Entities, v.entities)
			require.Equal(t, v.takeout, f.TakeoutID)
			require.Equal(t, v.state, f.UpdateState != nil, "update state")
			requireUnchanged(t, before, path)
			requireNoSecret(t, fmt.Sprintf("%v %+v %#v %s", f, f, s, strings.Join(f.Notes, " ")), max(v.key, 1))
		})
	}
}

func TestReadTelethonDetails(t *testing.T) {
	f, err := readPath("testdata/telethon_v7.session")
	require.NoError(t, err)
	defer f.Wipe()
	byID := map[int64]compat.Entity{}
	for _, e := range f.Entities {
		byID[e.ID] = e
	}
	alice := byID[123456789]
	require.Equal(t, codec.Some(int64(-1234567890123456789)), alice.AccessHash)
	require.Equal(t, "alice_example", alice.Username)
	require.Equal(t, "15551234567", alice.Phone, "phone stored as INTEGER reads as digits")
	require.Equal(t, "Alice Example", alice.Name)
	require.Equal(t, codec.Some(int64(1717243200)), alice.Date)
	require.Equal(t, "", alice.Type, "Telethon does not record user vs bot")
	require.Equal(t, compat.PeerGroup, byID[-987654].Type, "a basic group is known from its id")
	require.Equal(t, codec.Some(int64(0)), byID[-987654].AccessHash)
	require.Equal(t, "achannel", byID[-1001234567890].Username)
	reinserted := byID[333333333]
	require.Equal(t, codec.Some(int64(6666)), reinserted.AccessHash)
	require.Empty(t, reinserted.Username+reinserted.Phone+reinserted.Name)

	u := f.UpdateState
	require.Equal(t, int64(1000), u.PTS)
	require.Equal(t, int64(5), u.QTS)
	require.Equal(t, int64(42), u.Seq)
	require.Equal(t, float64(1717243200), u.Date)
	require.Len(t, u.Channels, 1)
	require.Equal(t, int64(1234567890), u.Channels[0].ID)
	require.Equal(t, int64(777), u.Channels[0].PTS)
	d, ok := u.Channels[0].Date.Get()
	require.True(t, ok)
	require.InDelta(t, 1717243200.123456, d, 1e-5, "a REAL date keeps its fraction")
}

func TestReadMixedTyping(t *testing.T) {
	// Port stored as TEXT, REAL dates, an extra keyless sessions row (the
	// first one, which Telethon itself would read) and an extra version row.
	f, err := readPath("testdata/telethon_v7_mixed.session")
	require.NoError(t, err)
	defer f.Wipe()
	require.Equal(t, uint16(443), f.Session.Port)
	require.Equal(t, 5, f.Session.DC)
	require.Contains(t, strings.Join(f.Notes, "\n"), "Telethon itself reads only the first (DC 1)")
	for _, e := range f.Entities {
		if e.ID == 123456789 {
			require.Equal(t, codec.Some(int64(1717243200)), e.Date, "REAL date truncated to seconds")
			require.Equal(t, "15551234567", e.Phone)
		}
	}
	require.Equal(t, 1717243200.25, f.UpdateState.Date)
}

func TestReadPyrogramUsernames(t *testing.T) {
	for file, want := range map[string][]string{
		"testdata/kurigram_v7.session":          {"alice_example", "alice_alt"},
		"testdata/kurigram_v7_migrated.session": {"alice_example", "alice_alt"},
		"testdata/pyrofork_v4.session":          {"alice_example", "alice_alt"},
	} {
		f, err := readPath(file)
		require.NoError(t, err)
		for _, e := range f.Entities {
			if e.ID == 123456789 {
				require.Equal(t, want, append([]string{e.Username}, e.Usernames...), file)
				require.Equal(t, compat.PeerUser, e.Type)
			}
		}
		f.Wipe()
	}
}

func TestReadTelethonV2(t *testing.T) {
	f, err := readPath("testdata/telethon_v10.session")
	require.NoError(t, err)
	defer f.Wipe()
	// The user row names DC 4: Telethon v2's home DC, whose key is read
	// although DC 1 also has one.
	require.Equal(t, 4, f.Session.DC)
	require.Contains(t, strings.Join(f.Notes, "\n"), "DCs [1]")
	require.Equal(t, int64(1000), f.UpdateState.PTS)
	require.Equal(t, []compat.ChannelState{{ID: 1234567890, PTS: 777}}, f.UpdateState.Channels)

	g, err := compat.ReadFile("testdata/telethon_v10.session", compat.ReadOptions{DC: 1})
	require.NoError(t, err)
	defer g.Wipe()
	require.Equal(t, 1, g.Session.DC)
	require.True(t, keyIs(g.Session.Key, 111), "DC 1 key")
	require.False(t, g.Session.UserID.Known(), "the user row belongs to DC 4")
}

// TestReadWALNotModified proves that data living only in the -wal file is
// read, and that neither the database nor its -wal/-shm files change.
func TestReadWALNotModified(t *testing.T) {
	dir := t.TempDir()
	path := copyFile(t, "testdata/hydrogram_wal.session", dir)
	before := snapshotBytes(t, path)
	require.Len(t, before, 3, "the fixture has -wal and -shm files")

	// Without its -wal file the database holds Pyrogram's placeholder row.
	alone := copyFile(t, path, t.TempDir())
	require.NoError(t, os.Remove(alone+"-wal"))
	require.NoError(t, os.Remove(alone+"-shm"))
	_, err := readPath(alone)
	require.ErrorIs(t, err, compat.ErrNoSession)

	f, err := readPath(path)
	require.NoError(t, err)
	defer f.Wipe()
	require.True(t, keyIs(f.Session.Key, 140))
	require.Equal(t, 3, f.Session.DC)
	require.Contains(t, strings.Join(f.Notes, "\n"), "committed frames from the -wal file")
	requireUnchanged(t, before, path)
}

// TestReadLiveWAL reads a WAL database while another connection of this
// process is still open on it with un-checkpointed writes, and checks that
// the database and its -wal/-shm files are byte-for-byte unchanged.
func TestReadLiveWAL(t *testing.T) {
	dir := t.TempDir()
	path := copyFile(t, "testdata/pyrogram_v3.session", dir)
	db := openWriter(t, path)
	mustExec(t, db, "PRAGMA journal_mode=WAL")
	mustExec(t, db, "PRAGMA wal_autocheckpoint=0")
	mustExec(t, db, "UPDATE sessions SET user_id = 42, dc_id = 5")
	mustExec(t, db, "DELETE FROM peers WHERE id < 0")
	before := snapshotBytes(t, path)
	require.Contains(t, before, "-wal")

	f, err := readPath(path)
	require.NoError(t, err)
	defer f.Wipe()
	require.Equal(t, codec.Some(int64(42)), f.Session.UserID)
	require.Equal(t, 5, f.Session.DC)
	require.Len(t, f.Entities, 2)
	require.True(t, f.WAL)
	requireUnchanged(t, before, path)
}

// TestReadHotJournal makes a writer die in the middle of a transaction that
// already wrote into the database file, then reads the file: the result is
// what SQLite itself recovers (checked by letting SQLite roll back a copy),
// and the file and its hot journal stay untouched.
func TestReadHotJournal(t *testing.T) {
	dir := t.TempDir()
	path := copyFile(t, "testdata/telethon_v7.session", dir)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)

	cmd, _, stdin := startHelper(t, "crash", "COMPAT_TEST_DB="+path)
	stdin.Close()
	err = cmd.Wait()
	var exit interface{ ExitCode() int }
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 3, exit.ExitCode())

	before := snapshotBytes(t, path)
	require.Contains(t, before, "-journal", "the writer left a journal")
	require.NotEqual(t, len(orig), len(before[""]), "the writer grew the database file before dying")

	f, err := readPath(path)
	require.NoError(t, err)
	defer f.Wipe()
	require.True(t, keyIs(f.Session.Key, 101), "the uncommitted key change is rolled back")
	require.Len(t, f.Entities, 7)
	require.Contains(t, strings.Join(f.Notes, "\n"), "rolled back an interrupted transaction")
	requireUnchanged(t, before, path)

	// SQLite's own recovery of a copy gives the same rows.
	cp := copyFile(t, path, t.TempDir())
	sqlExec(t, cp, "SELECT count(*) FROM sessions") // rolls back the hot journal
	_, err = os.Stat(cp + "-journal")
	require.True(t, os.IsNotExist(err), "SQLite rolled back and removed the journal")
	require.Equal(t, sqlRows(t, filepath.Join("testdata", "telethon_v7.session"), "SELECT * FROM entities ORDER BY id"),
		sqlRows(t, cp, "SELECT * FROM entities ORDER BY id"))
	testsecret.RequireSameText(t, strings.Join(sqlRows(t, filepath.Join("testdata", "telethon_v7.session"), "SELECT hex(auth_key) FROM sessions"), "\n"),
		strings.Join(sqlRows(t, cp, "SELECT hex(auth_key) FROM sessions"), "\n"), "auth keys")
}

func TestReadLockedByWriter(t *testing.T) {
	dir := t.TempDir()
	path := copyFile(t, "testdata/telethon_v7.session", dir)
	before := snapshotBytes(t, path)
	_, out, stdin := startHelper(t, "lock", "COMPAT_TEST_DB="+path)
	line, err := out.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "locked\n", line)

	_, err = compat.ReadFile(path, compat.ReadOptions{BusyTimeout: 100e6})
	require.ErrorIs(t, err, compat.ErrLocked)
	require.Contains(t, err.Error(), path)

	stdin.Close() // the writer rolls back and exits
	_, err = out.ReadString('\n')
	require.ErrorIs(t, err, io.EOF)
	f, err := readPath(path)
	require.NoError(t, err)
	f.Wipe()
	after := snapshotBytes(t, path)
	require.True(t, bytes.Equal(before[""], after[""]), "the database is unchanged")
}

// TestReadAlternating reads files with different schemas and data in turn,
// sequentially and concurrently: the pooled reader connections must never
// serve one file's cached pages or schema for another's.
func TestReadAlternating(t *testing.T) {
	check := func(t *testing.T, v vector) {
		f, err := readPath(filepath.Join("testdata", v.file))
		require.NoError(t, err, v.file)
		require.True(t, vectorKeyIs(f.Session.Key, v), "%s: wrong key", v.file)
		require.Equal(t, v.library, f.Library)
		require.Len(t, f.Entities, v.entities, v.file)
		f.Wipe()
	}
	for range 3 {
		for _, v := range vectors {
			check(t, v)
		}
	}
	// Same schema, different data: two Telethon files written the same way.
	dir := t.TempDir()
	for i := range 2 {
		f := &compat.Stored{Session: &codec.Session{Info: codec.Info{DC: 1 + i, ServerAddress: "149.154.175.53", Port: 443}, Key: authKey(t, 300+i)}}
		require.NoError(t, compat.WriteFile(filepath.Join(dir, fmt.Sprint(i)), f, compat.TelethonSQLite, false))
	}
	for j := range 20 {
		f, err := readPath(filepath.Join(dir, fmt.Sprint(j%2)))
		require.NoError(t, err)
		require.True(t, keyIs(f.Session.Key, 300+j%2), "stale page cache")
		require.Equal(t, 1+j%2, f.Session.DC)
		f.Wipe()
	}
	t.Run("concurrent", func(t *testing.T) {
		for i := range 8 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				for k := range 30 {
					check(t, vectors[(i*7+k)%len(vectors)])
				}
			})
		}
	})
}
