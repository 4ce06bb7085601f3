package compat_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
)

func target(t testing.TB, name string) compat.Target {
	t.Helper()
	to, err := compat.ParseTarget(name)
	require.NoError(t, err)
	return to
}

// findChange returns the report's change for field (and kind), or fails.
func findChange(t testing.TB, rep *compat.Report, field string, kind compat.ChangeKind) compat.Change {
	t.Helper()
	for _, c := range rep.Changes {
		if c.Field == field && c.Kind == kind {
			return c
		}
	}
	require.Failf(t, "change not reported", "%s %s in:\n%s", field, kind, rep)
	return compat.Change{}
}

func noChange(t testing.TB, rep *compat.Report, field string) {
	t.Helper()
	for _, c := range rep.Changes {
		require.NotEqual(t, field, c.Field, "unexpected change %s", c)
	}
}

func TestConvertTelethonFileToPyrogramString(t *testing.T) {
	src := fileSource("testdata/telethon_v7.session")
	to := target(t, "pyrogram")

	// Both missing values are named at once, in one error.
	_, _, err := convert(src, to, testOptions{})
	var mo *compat.MissingError
	require.ErrorAs(t, err, &mo)
	require.Equal(t, []string{"user_id", "api_id"}, mo.Fields)
	require.ErrorIs(t, err, codec.ErrMissingField)
	require.Contains(t, err.Error(), "pyrogram needs user_id and api_id")

	_, _, err = convert(src, to, testOptions{UserID: codec.Some[int64](123456789)})
	require.ErrorAs(t, err, &mo)
	require.Equal(t, []string{"api_id"}, mo.Fields)

	res, rep, err := convert(src, to, testOptions{UserID: codec.Some[int64](123456789), APIID: codec.Some[uint32](2040)})
	require.NoError(t, err)
	s, err := codec.DecodeAs(codec.Pyrogram, res.Text())
	require.NoError(t, err)
	require.Equal(t, 2, s.DC)
	require.True(t, keyIs(s.Key, 101), "key")
	require.Equal(t, codec.Some[uint32](2040), s.APIID)
	require.Equal(t, codec.Some[int64](123456789), s.UserID)
	require.Equal(t, codec.Some(false), s.TestMode)
	require.Equal(t, codec.Some(false), s.IsBot)

	require.Equal(t, "telethon", rep.From)
	require.Equal(t, 7, rep.Schema)
	require.Equal(t, "pyrogram", rep.To)
	require.Equal(t, "123456789", findChange(t, rep, "user_id", compat.Supplied).Value)
	require.Equal(t, "2040", findChange(t, rep, "api_id", compat.Supplied).Value)
	c := findChange(t, rep, "test_mode", compat.Defaulted)
	require.Equal(t, "false", c.Value)
	require.Contains(t, c.Reason, "149.154.167.51 is a production DC 2 address")
	require.Equal(t, "149.154.167.51", findChange(t, rep, "server_address", compat.Dropped).Value)
	findChange(t, rep, "port", compat.Dropped)
	findChange(t, rep, "is_bot", compat.Defaulted)
	require.Equal(t, "7 entities", findChange(t, rep, "entities", compat.Dropped).Value)
	findChange(t, rep, "update_state", compat.Dropped)
	require.Equal(t, "77", findChange(t, rep, "takeout_id", compat.Dropped).Value)
	require.Equal(t, 7, rep.EntitiesRead)
	require.Zero(t, rep.EntitiesWritten)

	// Nothing prints the session string or the key.
	js, err := json.Marshal(struct {
		S *codec.Session
		P *compat.Report
	}{res.Session, rep})
	require.NoError(t, err)
	out := fmt.Sprintf("%v %+v %#v %s %s", res.Session, *res.Session, res.Session, rep, js)
	require.False(t, strings.Contains(out, res.Text()), "the session string was printed")
	require.False(t, strings.Contains(out, res.Text()[:40]), "part of the session string was printed")
	requireNoSecret(t, out, 101)
}

func TestConvertPyrogramFileToTelethonFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.session")
	res, rep, err := convert(fileSource("testdata/pyrogram_v3.session"), target(t, "telethon-sqlite"), testOptions{Output: out})
	require.NoError(t, err)
	require.Equal(t, out, res.Path)
	c := findChange(t, rep, "server_address", compat.Defaulted)
	require.Equal(t, "149.154.167.91", c.Value, "DC 4 from the table")
	require.Contains(t, c.Reason, "DC table")
	require.Equal(t, "443", findChange(t, rep, "port", compat.Defaulted).Value)
	require.Equal(t, "2040", findChange(t, rep, "api_id", compat.Dropped).Value)
	require.Equal(t, "123456789", findChange(t, rep, "user_id", compat.Dropped).Value)
	findChange(t, rep, "is_bot", compat.Dropped)
	findChange(t, rep, "test_mode", compat.Dropped)
	require.Equal(t, "2 types", findChange(t, rep, "peers.type", compat.Dropped).Value, "the bot and the supergroup")
	require.Equal(t, 5, rep.EntitiesWritten)

	f, err := readPath(out)
	require.NoError(t, err)
	defer f.Wipe()
	require.Equal(t, 4, f.Session.DC)
	require.Equal(t, "149.154.167.91", f.Session.ServerAddress)
	require.Len(t, f.Entities, 5)
}

func TestConvertTelethonFileToPyrogramFiles(t *testing.T) {
	now := func() time.Time { return time.Unix(1717243200+9*3600, 0) }
	for _, name := range []string{"pyrogram-sqlite", "pyrofork-sqlite", "kurigram-sqlite"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.session")
			_, _, err := convert(fileSource("testdata/telethon_v7.session"), target(t, name), testOptions{Output: out})
			require.ErrorIs(t, err, codec.ErrMissingField)
			var mo *compat.MissingError
			require.ErrorAs(t, err, &mo)
			require.Equal(t, []string{"user_id"}, mo.Fields)

			_, rep, err := convert(fileSource("testdata/telethon_v7.session"), target(t, name),
				testOptions{Output: out, UserID: codec.Some[int64](5555), Now: now})
			require.NoError(t, err)
			c := findChange(t, rep, "peers.type", compat.Defaulted)
			require.Equal(t, "user", c.Value)
			require.Contains(t, c.Reason, "4 entities of unknown type")
			var channel bool
			for _, c := range rep.Changes {
				channel = channel || (c.Field == "peers.type" && c.Value == "channel" && strings.Contains(c.Reason, "2 entities"))
			}
			require.True(t, channel, "two channel ids defaulted to channel:\n%s", rep)
			require.Equal(t, "6 names", findChange(t, rep, "entities.name", compat.Dropped).Value)
			require.Equal(t, "NULL", findChange(t, rep, "api_id", compat.Defaulted).Value)
			findChange(t, rep, "is_bot", compat.Defaulted)
			findChange(t, rep, "test_mode", compat.Defaulted)
			findChange(t, rep, "update_state", compat.Dropped)
			findChange(t, rep, "takeout_id", compat.Dropped)
			require.Contains(t, strings.Join(rep.Notes, "\n"), "older than 8 hours")
			require.Equal(t, 7, rep.EntitiesWritten)

			f, err := readPath(out)
			require.NoError(t, err)
			defer f.Wipe()
			require.True(t, keyIs(f.Session.Key, 101))
			require.Equal(t, codec.Some[int64](5555), f.Session.UserID)
			require.False(t, f.Session.APIID.Known())
			if name == "kurigram-sqlite" {
				require.Equal(t, "149.154.167.51", f.Session.ServerAddress, "the source address is kept")
				noChange(t, rep, "server_address")
			} else {
				findChange(t, rep, "server_address", compat.Dropped)
			}
		})
	}
}

func TestConvertToTelethonV2(t *testing.T) {
	dir := t.TempDir()
	// DC 4 without a user id: Telethon v2 would start on DC 2.
	_, _, err := convert(fileSource("testdata/telethon_v7_ipv6.session"), target(t, "telethon-v2-sqlite"),
		testOptions{Output: filepath.Join(dir, "a.session")})
	var mo *compat.MissingError
	require.ErrorAs(t, err, &mo)
	require.Equal(t, []string{"user_id"}, mo.Fields)
	require.Contains(t, mo.Reasons[0], "DC 2")

	out := filepath.Join(dir, "b.session")
	_, rep, err := convert(fileSource("testdata/telethon_v7_ipv6.session"), target(t, "telethon-v2-sqlite"),
		testOptions{Output: out, UserID: codec.Some[int64](77)})
	require.NoError(t, err)
	require.Equal(t, "149.154.167.91:443", findChange(t, rep, "ipv4_addr", compat.Defaulted).Value)
	require.Equal(t, []string{"4 149.154.167.91:443 2001:67c:4e8:f004::a:443"}, sqlRows(t, out, "SELECT id, ipv4_addr, ipv6_addr FROM datacenter"))
	require.Equal(t, []string{"77 4 0 <nil>"}, sqlRows(t, out, "SELECT * FROM user"))

	// DC 2 needs no user row; update state carried.
	out = filepath.Join(dir, "c.session")
	_, rep, err = convert(fileSource("testdata/telethon_v7.session"), target(t, "telethon-v2-sqlite"), testOptions{Output: out})
	require.NoError(t, err)
	require.Contains(t, strings.Join(rep.Notes, "\n"), "no user row")
	require.Equal(t, "1 channel dates", findChange(t, rep, "update_state", compat.Dropped).Value)
	require.Equal(t, "7 entities", findChange(t, rep, "entities", compat.Dropped).Value)
	require.Equal(t, []string{"1000 5 1717243200 42"}, sqlRows(t, out, "SELECT * FROM state"))
	require.Equal(t, []string{"1234567890 777"}, sqlRows(t, out, "SELECT * FROM channelstate"))
	require.Empty(t, sqlRows(t, out, "SELECT * FROM user"))

	// And back: the channel state has no date for Telethon 1.x.
	back := filepath.Join(dir, "d.session")
	_, rep, err = convert(fileSource(out), target(t, "telethon-sqlite"), testOptions{Output: back})
	require.NoError(t, err)
	require.Equal(t, "1 channel states", findChange(t, rep, "update_state", compat.Dropped).Value)
	require.Equal(t, []string{"0 1000 5 1717243200 42"}, sqlRows(t, back, "SELECT * FROM update_state"))
}

func TestConvertStrings(t *testing.T) {
	// A GramJS browser session holds a host name, which a Telethon string
	// cannot: the table's address is used and reported.
	s := &codec.Session{Info: codec.Info{DC: 4, ServerAddress: "vesta.web.telegram.org", Port: 443}, Key: authKey(t, 5)}
	gramjs, err := s.EncodeGramJS()
	require.NoError(t, err)
	res, rep, err := convert(stringSource(gramjs, codec.GramJS), target(t, "telethon"), testOptions{})
	require.NoError(t, err)
	c := findChange(t, rep, "server_address", compat.Defaulted)
	require.Equal(t, "149.154.167.91", c.Value)
	require.Contains(t, c.Reason, "vesta.web.telegram.org")
	got, err := codec.DecodeAs(codec.Telethon, res.Text())
	require.NoError(t, err)
	require.Equal(t, "149.154.167.91", got.ServerAddress)
	require.True(t, keyIs(got.Key, 5))

	// A Pyrogram string to a Telethon file: address from the table.
	p := &codec.Session{Info: codec.Info{DC: 1, APIID: codec.Some[uint32](6), TestMode: codec.Some(true), UserID: codec.Some[int64](9), IsBot: codec.Some(true)}, Key: authKey(t, 6)}
	pyro, err := p.EncodePyrogram()
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "t.session")
	_, rep, err = convert(stringSource(pyro, codec.FormatUnknown), target(t, "telethon-sqlite"), testOptions{Output: out})
	require.NoError(t, err)
	require.Equal(t, "149.154.175.10", findChange(t, rep, "server_address", compat.Defaulted).Value, "test DC 1")
	require.Equal(t, "80", findChange(t, rep, "port", compat.Defaulted).Value)
	require.Equal(t, "true", findChange(t, rep, "test_mode", compat.Dropped).Value)
	require.Equal(t, "string session", rep.Source)
	require.Equal(t, "pyrogram", rep.From)
}

func TestConvertDerivesTestMode(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "test.session")
	require.NoError(t, compat.WriteFile(in, &compat.Stored{Session: &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.40", Port: 80}, Key: authKey(t, 7)}},
		compat.TelethonSQLite, false))
	res, rep, err := convert(fileSource(in), target(t, "pyrogram"), testOptions{UserID: codec.Some[int64](1), APIID: codec.Some[uint32](1)})
	require.NoError(t, err)
	c := findChange(t, rep, "test_mode", compat.Defaulted)
	require.Equal(t, "true", c.Value)
	require.Contains(t, c.Reason, "a test DC 2 address")
	s, err := codec.DecodeAs(codec.Pyrogram, res.Text())
	require.NoError(t, err)
	require.Equal(t, codec.Some(true), s.TestMode)

	// An explicit option wins over derivation, and is reported as supplied.
	_, rep, err = convert(fileSource(in), target(t, "pyrogram"), testOptions{UserID: codec.Some[int64](1), APIID: codec.Some[uint32](1), TestMode: codec.Some(true)})
	require.NoError(t, err)
	findChange(t, rep, "test_mode", compat.Supplied)
}

func TestConvertOptionConflict(t *testing.T) {
	src := fileSource("testdata/pyrogram_v3.session")
	_, _, err := convert(src, target(t, "pyrogram"), testOptions{UserID: codec.Some[int64](5)})
	var ce *compat.ConflictError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, compat.ConflictError{Field: "user_id", Given: "5", Held: "123456789"}, *ce)
	require.Contains(t, err.Error(), "user_id")

	// The same value is no conflict and no change.
	_, rep, err := convert(src, target(t, "pyrogram"), testOptions{UserID: codec.Some[int64](123456789)})
	require.NoError(t, err)
	noChange(t, rep, "user_id")
}

// TestConvertMatrix converts every vector to every target with every
// option supplied, and checks that the key and DC survive.
func TestConvertMatrix(t *testing.T) {
	var names []string
	for _, f := range codec.Formats() {
		names = append(names, f.String())
	}
	for _, k := range compat.Kinds() {
		names = append(names, k.String())
	}
	for _, v := range vectors {
		for _, name := range names {
			to := target(t, name)
			opts := testOptions{UserID: codec.Some[int64](42), APIID: codec.Some[uint32](4), IsBot: codec.Some(false), TestMode: codec.Some(false)}
			src, err := readPath(filepath.Join("testdata", v.file))
			require.NoError(t, err)
			// Do not contradict what the file knows.
			if src.Session.UserID.Known() {
				opts.UserID = codec.None[int64]()
			}
			if src.Session.APIID.Known() {
				opts.APIID = codec.None[uint32]()
			}
			if src.Session.IsBot.Known() {
				opts.IsBot = codec.None[bool]()
			}
			if src.Session.TestMode.Known() {
				opts.TestMode = codec.None[bool]()
			}
			if to.IsFile() {
				opts.Output = filepath.Join(t.TempDir(), "out.session")
			}
			res, rep, err := convert(fileSource(filepath.Join("testdata", v.file)), to, opts)
			require.NoError(t, err, "%s -> %s", v.file, name)
			var got *codec.Session
			if to.IsFile() {
				g, err := readPath(res.Path)
				require.NoError(t, err, "%s -> %s: reading the output", v.file, name)
				got = g.Session
			} else {
				got, err = codec.DecodeAs(to.Format, res.Text())
				require.NoError(t, err, "%s -> %s: decoding the output", v.file, name)
			}
			require.Equal(t, src.Session.DC, got.DC, "%s -> %s", v.file, name)
			require.True(t, src.Session.Key.Equal(got.Key), "%s -> %s: key differs", v.file, name)
			requireNoSecret(t, rep.String(), max(v.key, 1))
			src.Wipe()
			got.Wipe()
		}
	}
}

func TestConvertForkPeerTypes(t *testing.T) {
	in := copyFile(t, "testdata/kurigram_v7.session", t.TempDir())
	sqlExec(t, in,
		"INSERT INTO peers (id, access_hash, type, phone_number, last_update_on) VALUES (-1002000000001, 1, 'forum', NULL, 1717243200)",
		"INSERT INTO peers (id, access_hash, type, phone_number, last_update_on) VALUES (-1002000000002, 2, 'direct', NULL, 1717243200)",
		"INSERT INTO peers (id, access_hash, type, phone_number, last_update_on) VALUES (-1002000000003, 3, 'community', NULL, 1717243200)",
		"INSERT INTO peers (id, access_hash, type, phone_number, last_update_on) VALUES (777, NULL, 'user', NULL, 1717243200)",
	)
	dir := t.TempDir()
	py := filepath.Join(dir, "py.session")
	_, rep, err := convert(fileSource(in), target(t, "pyrogram-sqlite"), testOptions{Output: py})
	require.NoError(t, err)
	require.Equal(t, []string{"-1002000000003 channel", "-1002000000002 channel", "-1002000000001 supergroup"},
		sqlRows(t, py, "SELECT id, type FROM peers WHERE id < -1002000000000 ORDER BY id"))
	var mapped []string
	for _, c := range rep.Changes {
		if c.Field == "peers.type" {
			mapped = append(mapped, c.Value+": "+c.Reason[:strings.Index(c.Reason, ":")])
		}
	}
	require.Equal(t, []string{`supergroup: 1 "forum" peers`, `channel: 1 "direct" peers`, `channel: 1 "community" peers`}, mapped)
	require.Equal(t, "1 entities", findChange(t, rep, "entities", compat.Dropped).Value, "the user without an access hash")
	require.Equal(t, "1 extra usernames", findChange(t, rep, "usernames", compat.Dropped).Value, "alice_alt: Pyrogram 3 keeps one")

	ku := filepath.Join(dir, "ku.session")
	_, rep, err = convert(fileSource(in), target(t, "kurigram-sqlite"), testOptions{Output: ku})
	require.NoError(t, err)
	require.Equal(t, []string{"-1002000000003 community", "-1002000000002 direct", "-1002000000001 forum"},
		sqlRows(t, ku, "SELECT id, type FROM peers WHERE id < -1002000000000 ORDER BY id"))
	noChange(t, rep, "peers.type")
	noChange(t, rep, "usernames")
	require.Equal(t, []string{"123456789 alice_example", "123456789 alice_alt"}, sqlRows(t, ku, "SELECT id, username FROM usernames WHERE id > 0 ORDER BY rowid"))
}

func TestTargetsAndDCs(t *testing.T) {
	for _, name := range []string{"telethon", "pyrogram", "pyrogram-legacy", "gramjs", "mtcute", "gotd",
		"telethon-sqlite", "telethon-v2-sqlite", "pyrogram-sqlite", "pyrofork-sqlite", "kurigram-sqlite"} {
		to, err := compat.ParseTarget(name)
		require.NoError(t, err)
		require.Equal(t, name, to.String())
		b, err := to.MarshalText()
		require.NoError(t, err)
		require.Equal(t, name, string(b))
	}
	_, err := compat.ParseTarget("telethon-sqlite-v7")
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	var k compat.Kind
	require.NoError(t, k.UnmarshalText([]byte("kurigram-sqlite")))
	require.Equal(t, compat.KurigramSQLite, k)
	require.Equal(t, 7, k.Schema())
	require.Error(t, k.UnmarshalText([]byte("kurigram")))

	require.Equal(t, peerid.Channel, peerid.Of(-1001234567890))
	require.Equal(t, peerid.Chat, peerid.Of(-987654))
	require.Equal(t, peerid.User, peerid.Of(5000000001))
}

// storeSession is a Telethon-string-like session on DC 2 with no address.
func storeSession(t testing.TB) *codec.Session {
	t.Helper()
	b := make([]byte, codec.AuthKeySize)
	for i := range b {
		b[i] = byte(i)
	}
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2}, Key: k}
}

// TestShapeForStoreLayouts: a store layout is a target whose missing
// address comes from the DC table, whose unheld fields are reported like
// a file's, and whose required values are one MissingError; Convert
// refuses it (a store writes what Shape returns).
func TestShapeForStoreLayouts(t *testing.T) {
	alchemy := compat.Target{Store: &compat.StoreLayout{Name: "telethon-sqlalchemy", Like: compat.TelethonSQLite,
		Holds: []string{"server_address", "port", "ipv6", "entities", "update_state"}}}
	pyromongo := compat.Target{Store: &compat.StoreLayout{Name: "pyrogram-mongo", Like: compat.PyroforkSQLite,
		Holds: []string{"api_id", "user_id", "is_bot", "test_mode", "date", "entities", "entities.date", "update_state"}}}
	state := &compat.UpdateState{PTS: 1, QTS: 2, Seq: 3, Date: 4, UnreadCount: 5,
		Channels: []compat.ChannelState{{ID: 7, PTS: 8, QTS: 9, Seq: 10, Date: codec.Some(11.0), UnreadCount: 12}}}
	in := &compat.Stored{Session: storeSession(t), TakeoutID: codec.Some[int64](6), Date: codec.Some[int64](13),
		Entities:    []compat.Entity{{ID: 5, AccessHash: codec.Some[int64](1), Name: "n", Date: codec.Some[int64](14)}, {ID: 6}},
		UpdateState: state}
	in.Session.APIID = codec.Some[uint32](2040)
	defer in.Wipe()

	out, rep, err := compat.Shape(in, alchemy, compat.Options{})
	require.NoError(t, err)
	require.Equal(t, "telethon-sqlalchemy", rep.To)
	require.Equal(t, "149.154.167.51", findChange(t, rep, "server_address", compat.Defaulted).Value)
	require.Equal(t, "443", findChange(t, rep, "port", compat.Defaulted).Value)
	require.Contains(t, findChange(t, rep, "takeout_id", compat.Dropped).Reason, "telethon-sqlalchemy stores no takeout")
	findChange(t, rep, "api_id", compat.Dropped)
	findChange(t, rep, "entities.date", compat.Dropped)
	require.Equal(t, "1 entities", findChange(t, rep, "entities", compat.Dropped).Value, "the user without a hash")
	noChange(t, rep, "update_state")
	require.Equal(t, "149.154.167.51", out.Session.ServerAddress)
	require.False(t, out.TakeoutID.Known())
	require.Len(t, out.Entities, 1)
	require.Equal(t, state, out.UpdateState, "the update state carries, per-channel qts/seq/date/unread_count included")
	require.Equal(t, "149.154.167.51", out.Session.ServerAddress)
	require.Empty(t, in.Session.ServerAddress, "Shape never changes its input")
	out.Wipe()

	_, _, err = compat.Shape(in, pyromongo, compat.Options{})
	var me *compat.MissingError
	require.ErrorAs(t, err, &me)
	require.Equal(t, "pyrogram-mongo", me.Target)
	require.Equal(t, []string{"user_id"}, me.Fields)

	out, rep, err = compat.Shape(in, pyromongo, compat.Options{UserID: codec.Some[int64](42)})
	require.NoError(t, err)
	findChange(t, rep, "is_bot", compat.Defaulted)
	findChange(t, rep, "test_mode", compat.Defaulted)
	findChange(t, rep, "entities.name", compat.Dropped)
	findChange(t, rep, "takeout_id", compat.Dropped)
	noChange(t, rep, "entities.date")
	require.Equal(t, codec.Some[int64](13), out.Date)
	require.Equal(t, state, out.UpdateState)
	out.Wipe()

	teleredis := compat.Target{Store: &compat.StoreLayout{Name: "telethon-redis", Like: compat.TelethonSQLite,
		Holds: []string{"server_address", "port", "ipv6", "entities"}}}
	in.Session.ServerAddress, in.Session.Port = "149.154.167.51", 443
	out, rep, err = compat.Shape(in, teleredis, compat.Options{})
	require.NoError(t, err)
	findChange(t, rep, "update_state", compat.Dropped)
	noChange(t, rep, "server_address")
	require.Nil(t, out.UpdateState)
	out.Wipe()

	_, _, err = compat.Convert(in, alchemy, compat.Options{})
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
	bad := compat.Target{Store: &compat.StoreLayout{Name: "x", Like: compat.TelethonSQLite, Holds: []string{"address"}}}
	_, _, err = compat.Shape(in, bad, compat.Options{})
	require.ErrorIs(t, err, codec.ErrUnknownFormat)
}

// A Telethon 1.x file keeps channel qts and seq (its update_state table
// has the columns); Telethon v2's channelstate holds only pts, and the
// report says so.
func TestChannelQTSSeqInTelethonFiles(t *testing.T) {
	s := storeSession(t)
	s.ServerAddress, s.Port = "149.154.167.51", 443
	in := &compat.Stored{Library: "telethon", Session: s, UpdateState: &compat.UpdateState{PTS: 1, Date: 2,
		Channels: []compat.ChannelState{{ID: 7, PTS: 8, QTS: 9, Seq: 10, Date: codec.Some(11.0)}}}}
	defer in.Wipe()
	path := filepath.Join(t.TempDir(), "a.session")
	require.NoError(t, compat.WriteFile(path, in, compat.TelethonSQLite, false))
	back, err := compat.ReadFile(path, compat.ReadOptions{})
	require.NoError(t, err)
	defer back.Wipe()
	require.Equal(t, in.UpdateState.Channels, back.UpdateState.Channels)

	_, rep, err := compat.Convert(in, target(t, "telethon-v2-sqlite"), compat.Options{UserID: codec.Some[int64](5)})
	require.NoError(t, err)
	var found bool
	for _, c := range rep.Changes {
		found = found || (c.Field == "update_state" && c.Value == "1 channel qts/seq values")
	}
	require.True(t, found, "%s", rep)
}
