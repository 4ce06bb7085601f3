package compat_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
)

func TestMarshalRefusals(t *testing.T) {
	_, err := compat.Marshal(nil, compat.TelethonSQLite)
	require.ErrorIs(t, err, compat.ErrNoSession)
	_, err = compat.Marshal(&compat.Stored{}, compat.PyrogramSQLite)
	require.ErrorIs(t, err, compat.ErrNoSession)

	// A session that does not validate: no key, DC out of range.
	_, err = compat.Marshal(&compat.Stored{Session: &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "1.2.3.4", Port: 1}}}, compat.TelethonSQLite)
	require.ErrorIs(t, err, codec.ErrBadKey)
	bad := memFile(t, 30, func(s *codec.Session) { s.DC = 0 })
	defer bad.Wipe()
	_, err = compat.Marshal(bad, compat.TelethonSQLite)
	require.ErrorIs(t, err, codec.ErrBadField)

	full := func(s *codec.Session) {
		s.UserID, s.IsBot, s.TestMode, s.APIID = codec.Some[int64](1), codec.Some(false), codec.Some(false), codec.Some[uint32](2)
	}
	cases := []struct {
		name  string
		kind  compat.Kind
		edit  func(s *codec.Session)
		field string
	}{
		{"telethon without port", compat.TelethonSQLite, func(s *codec.Session) { s.Port = 0 }, "server_address and port"},
		{"v2 without address", compat.TelethonV2SQLite, func(s *codec.Session) { full(s); s.ServerAddress = "" }, "server_address and port"},
		{"v2 off DC 2 without user", compat.TelethonV2SQLite, func(s *codec.Session) { s.DC = 4 }, "user_id"},
		{"v2 user without bot flag", compat.TelethonV2SQLite, func(s *codec.Session) { s.UserID = codec.Some[int64](3) }, "is_bot"},
		{"pyrogram without user", compat.PyrogramSQLite, func(s *codec.Session) { full(s); s.UserID = codec.None[int64]() }, "user_id"},
		{"pyrofork without bot flag", compat.PyroforkSQLite, func(s *codec.Session) { full(s); s.IsBot = codec.None[bool]() }, "is_bot"},
		{"pyrogram without test mode", compat.PyrogramSQLite, func(s *codec.Session) { full(s); s.TestMode = codec.None[bool]() }, "test_mode"},
		{"kurigram without address", compat.KurigramSQLite, func(s *codec.Session) { full(s); s.ServerAddress = "" }, "server_address and port"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := memFile(t, 31, c.edit)
			defer f.Wipe()
			img, err := compat.Marshal(f, c.kind)
			require.Nil(t, img)
			require.ErrorIs(t, err, codec.ErrMissingField)
			require.Contains(t, err.Error(), c.field)
			require.Contains(t, err.Error(), c.kind.String())
			requireNoSecret(t, err.Error(), 31)

			p := filepath.Join(t.TempDir(), "x.session")
			require.ErrorIs(t, compat.WriteFile(p, f, c.kind, false), codec.ErrMissingField)
			_, statErr := os.Stat(p)
			require.ErrorIs(t, statErr, os.ErrNotExist)
		})
	}

	f := memFile(t, 32, full)
	defer f.Wipe()
	_, err = compat.Marshal(f, compat.Kind(42))
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	_, err = compat.Marshal(f, 0)
	require.ErrorIs(t, err, codec.ErrUnknownFormat)

	// Telethon v2 on DC 2 needs no user row.
	noUser := memFile(t, 33, nil)
	defer noUser.Wipe()
	img, err := compat.Marshal(noUser, compat.TelethonV2SQLite)
	require.NoError(t, err)
	clear(img)
}

func TestWriteFileIntoMissingDirectory(t *testing.T) {
	f := memFile(t, 34, nil)
	defer f.Wipe()
	err := compat.WriteFile(filepath.Join(t.TempDir(), "no", "such", "dir", "x.session"), f, compat.TelethonSQLite, false)
	require.ErrorIs(t, err, os.ErrNotExist)
	requireNoSecret(t, err.Error(), 34)
}

// Marshal itself (not only Convert) skips entities a library cannot
// resolve and writes the others with the library's own conventions.
func TestMarshalEntityRules(t *testing.T) {
	entities := []compat.Entity{
		{ID: 100, Username: "NoHash"},  // user without access hash: skipped
		{ID: -1000000000100},           // channel without access hash: skipped
		{ID: -55, Name: "basic group"}, // basic group: hash 0 / NULL
		{ID: 101, AccessHash: codec.Some[int64](7), Username: "Main", Usernames: []string{"", "main", "Extra"}},
	}
	withEntities := func(t *testing.T, n int) *compat.Stored {
		f := memFile(t, n, func(s *codec.Session) {
			s.UserID, s.IsBot, s.TestMode = codec.Some[int64](1), codec.Some(false), codec.Some(false)
		})
		f.Entities = entities
		return f
	}
	dir := t.TempDir()

	f := withEntities(t, 35)
	defer f.Wipe()
	p := filepath.Join(dir, "t.session")
	require.NoError(t, compat.WriteFile(p, f, compat.TelethonSQLite, false))
	require.Equal(t, []string{"-55 0 <nil>", "101 7 main"}, sqlRows(t, p, "SELECT id, hash, username FROM entities ORDER BY id"))

	p = filepath.Join(dir, "p.session")
	require.NoError(t, compat.WriteFile(p, f, compat.PyroforkSQLite, false))
	require.Equal(t, []string{"-55 <nil> group", "101 7 user"}, sqlRows(t, p, "SELECT id, access_hash, type FROM peers ORDER BY id"))
	// pyrofork: empty names and the main username are not repeated.
	require.Equal(t, []string{"101 extra"}, sqlRows(t, p, "SELECT peer_id, id FROM usernames"))

	p = filepath.Join(dir, "k.session")
	require.NoError(t, compat.WriteFile(p, f, compat.KurigramSQLite, false))
	require.Equal(t, []string{"101 extra", "101 main"}, sqlRows(t, p, "SELECT DISTINCT id, username FROM usernames ORDER BY username"))
	back, err := readPath(p)
	require.NoError(t, err)
	defer back.Wipe()
	require.Len(t, back.Entities, 2)
}

func TestKindsAndTargetsText(t *testing.T) {
	for _, k := range compat.Kinds() {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back compat.Kind
		require.NoError(t, back.UnmarshalText(b))
		require.Equal(t, k, back)
		require.NotZero(t, k.Schema())
	}
	var k compat.Kind
	require.ErrorIs(t, k.UnmarshalText([]byte("sqlite")), codec.ErrUnknownFormat)
	require.Equal(t, compat.Kind(0), k, "failed UnmarshalText changed the kind")
	require.Equal(t, "Kind(0)", compat.Kind(0).String())
	require.Equal(t, "Kind(9)", compat.Kind(9).String())
	require.Equal(t, 0, compat.Kind(9).Schema())

	b, err := json.Marshal(map[string]compat.Kind{"k": compat.PyroforkSQLite})
	require.NoError(t, err)
	require.JSONEq(t, `{"k":"pyrofork-sqlite"}`, string(b))

	_, err = compat.ParseTarget("json")
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	require.Contains(t, err.Error(), "kurigram-sqlite")
	require.Contains(t, err.Error(), "gramjs")
}

func TestPeerKinds(t *testing.T) {
	cases := []struct {
		id   int64
		kind peerid.Kind
		name string
	}{
		{1, peerid.User, "user"},
		{0, 0, "invalid"},
		{-1, peerid.Chat, "chat"},
		{-999999999999, peerid.Chat, "chat"},
		{-1000000000000, peerid.Channel, "channel"},
		{-1000000000001, peerid.Channel, "channel"},
	}
	for _, c := range cases {
		require.Equal(t, c.kind, peerid.Of(c.id), "id %d", c.id)
		require.Equal(t, c.name, peerid.Of(c.id).String(), "id %d", c.id)
	}
	require.Equal(t, "invalid", peerid.Kind(17).String())
}

func TestMultipleSessionsErrorText(t *testing.T) {
	err := error(&compat.MultipleSessionsError{Path: "a.session", DCs: []int{1, 4}})
	require.ErrorIs(t, err, compat.ErrMultipleSessions)
	require.Equal(t, "compat: a.session: auth keys for DCs 1, 4, and no DC was chosen", err.Error())
	m := &compat.MissingError{Target: "pyrogram", Fields: []string{"user_id", "api_id"}, Reasons: []string{"", "the Pyrogram 2.x string packs it"}}
	require.ErrorIs(t, m, codec.ErrMissingField)
	require.Equal(t, "compat: pyrogram needs user_id and api_id, which the source does not hold (the Pyrogram 2.x string packs it)", m.Error())
	c := &compat.ConflictError{Field: "user_id", Given: "5", Held: "7"}
	require.Equal(t, "compat: the given user_id 5 contradicts the source's user_id 7", c.Error())
}
