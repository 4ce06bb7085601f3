// Package mongotest is the mongo store's test suite, run by the package's
// own tests against TGSESSION_TEST_MONGO_URL and by the FerretDB nested
// module (stores/mongo/ferrettest) against an embedded FerretDB.
package mongotest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	gomongo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/mongo"
)

// Dump is a parsed mongo-*.txt dump: each collection's documents, and the
// raw BSON of the session document.
type Dump struct {
	Docs       map[string][]bson.Raw
	Indexes    map[string][]string
	SessionHex []byte
}

// ParseDump parses a vectors/stores mongo-*.txt dump.
func ParseDump(t testing.TB, name string) Dump {
	t.Helper()
	d := Dump{Docs: map[string][]bson.Raw{}, Indexes: map[string][]string{}}
	sc := bufio.NewScanner(bytes.NewReader(storetest.Read(t, name)))
	sc.Buffer(nil, 1<<20)
	coll := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "-- "):
			_, coll, _ = strings.Cut(strings.TrimPrefix(line, "-- "), ".")
			d.Docs[coll] = nil
		case strings.HasPrefix(line, "  {"):
			var doc bson.Raw
			if err := bson.UnmarshalExtJSON([]byte(strings.TrimSpace(line)), true, &doc); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			d.Docs[coll] = append(d.Docs[coll], doc)
		case strings.HasPrefix(line, "  index: "):
			_, after, _ := strings.Cut(line, "'name': '")
			idx, _, _ := strings.Cut(after, "'")
			d.Indexes[coll] = append(d.Indexes[coll], idx)
		case strings.HasPrefix(line, "raw BSON of "):
			_, h, _ := strings.Cut(line, "): ")
			b, err := hex.DecodeString(strings.TrimSpace(h))
			if err != nil {
				t.Fatal(err)
			}
			d.SessionHex = b
		}
	}
	return d
}

// env is one test's own database on the server.
type env struct {
	u    stores.URL
	raw  *gomongo.Client
	name string
}

func newEnv(t *testing.T, u stores.URL) *env {
	t.Helper()
	c, err := gomongo.Connect(options.Client().ApplyURI(u.Reveal().String()).SetTimeout(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{u: u, raw: c, name: "tgstest_" + storetest.Suffix()}
	t.Cleanup(func() {
		ctx := context.Background()
		if err := c.Database(e.name).Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", e.name, err)
		}
		_ = c.Disconnect(ctx)
	})
	return e
}

func (e *env) db() *gomongo.Database { return e.raw.Database(e.name) }

func (e *env) load(t *testing.T, d Dump) {
	t.Helper()
	ctx := context.Background()
	for coll, docs := range d.Docs {
		if err := e.db().CreateCollection(ctx, coll); err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			if _, err := e.db().Collection(coll).InsertOne(ctx, doc); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (e *env) open(t *testing.T, l mongo.Layout) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(context.Background(), e.u, mongo.Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (e *env) docs(t *testing.T, coll string) []bson.Raw {
	t.Helper()
	cur, err := e.db().Collection(coll).Find(context.Background(), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.Raw
	for cur.Next(context.Background()) {
		out = append(out, slices.Clone(cur.Current))
	}
	return out
}

func keyBytes() [][]byte { return [][]byte{storetest.Key()} }

// Run runs the suite against the MongoDB (or FerretDB) server at u.
func Run(t *testing.T, u stores.URL) {
	t.Run("ReadTelemongoDump", func(t *testing.T) { readTelemongoDump(t, u) })
	t.Run("ReadPyroforkDump", func(t *testing.T) { readPyroforkDump(t, u) })
	t.Run("WriteTelemongoMatchesDump", func(t *testing.T) { writeTelemongo(t, u) })
	t.Run("WritePyroforkMatchesDump", func(t *testing.T) { writePyrofork(t, u) })
	t.Run("Telemongo021", func(t *testing.T) { telemongo021(t, u) })
	t.Run("RoundTrip", func(t *testing.T) { roundTrip(t, u) })
	t.Run("WriteRefusesExisting", func(t *testing.T) { refusesExisting(t, u) })
	t.Run("BadValues", func(t *testing.T) { badValues(t, u) })
	t.Run("LayoutConfusion", func(t *testing.T) { layoutConfusion(t, u) })
	t.Run("List", func(t *testing.T) { list(t, u) })
	t.Run("Unreachable", func(t *testing.T) { unreachable(t) })
	t.Run("CancelledContext", func(t *testing.T) { cancelled(t, u) })
}

func cancelled(t *testing.T, u stores.URL) {
	e := newEnv(t, u)
	s := e.open(t, mongo.Pyrogram)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Read(ctx, e.name)
	storetest.StoreError(t, err, "pyrogram-mongo", stores.ErrUnreachable, keyBytes())
	storetest.StoreError(t, err, "pyrogram-mongo", context.Canceled, keyBytes())
	err = s.Write(ctx, e.name, &compat.Stored{Session: pyroforkSession(t)}, false)
	storetest.StoreError(t, err, "pyrogram-mongo", context.Canceled, keyBytes())
	_, err = s.List(ctx)
	storetest.StoreError(t, err, "pyrogram-mongo", context.Canceled, nil)
}

var (
	telemongoState = &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7}
	pyroforkStates = &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7,
		Channels: []compat.ChannelState{{ID: 1234567890, PTS: 555, Date: codec.Some[float64](1767323045)}}}
)

// pyroforkEntities is the dump's peers as the model holds them.
func pyroforkEntities() []compat.Entity {
	const d = 1796302991
	return []compat.Entity{
		{ID: -1001234567890, AccessHash: codec.Some[int64](987654321), Username: "testchannel", Type: compat.PeerChannel, Date: codec.Some[int64](d)},
		{ID: -4242, Type: compat.PeerGroup, Date: codec.Some[int64](d)},
		{ID: 123456789, AccessHash: codec.Some[int64](-1234567890123456789), Username: "alice_example", Usernames: []string{"alice_old"},
			Phone: "15551234567", Type: compat.PeerUser, Date: codec.Some[int64](d)},
	}
}

func pyroforkSession(t testing.TB) *codec.Session {
	s := storetest.Session(t)
	s.ServerAddress, s.Port = "", 0
	s.APIID, s.UserID, s.IsBot, s.TestMode = codec.Some[uint32](2040), codec.Some[int64](5000000001), codec.Some(false), codec.Some(false)
	return s
}

func sameRecord(t *testing.T, got *compat.Stored, want *codec.Session, ents []compat.Entity, states *compat.UpdateState) {
	t.Helper()
	s := got.Session
	if s.DC != want.DC || s.ServerAddress != want.ServerAddress || s.Port != want.Port || s.AuthKeyID() != want.AuthKeyID() ||
		s.APIID != want.APIID || s.UserID != want.UserID || s.IsBot != want.IsBot || s.TestMode != want.TestMode {
		t.Fatalf("session %v (api %v user %v bot %v test %v), want %v", s, s.APIID, s.UserID, s.IsBot, s.TestMode, want)
	}
	g := slices.Clone(got.Entities)
	slices.SortFunc(g, func(a, b compat.Entity) int { return cmp(a.ID, b.ID) })
	if len(g) != len(ents) {
		t.Fatalf("%d entities, want %d", len(g), len(ents))
	}
	for i := range g {
		a, b := g[i], ents[i]
		if a.ID != b.ID || a.AccessHash != b.AccessHash || a.Username != b.Username || !slices.Equal(a.Usernames, b.Usernames) ||
			a.Phone != b.Phone || a.Name != b.Name || a.Type != b.Type || a.Date != b.Date {
			t.Fatalf("entity %d: %+v, want %+v", i, a, b)
		}
	}
	if !reflect.DeepEqual(got.UpdateState, states) {
		t.Fatalf("update state %+v, want %+v", got.UpdateState, states)
	}
}

func cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func readTelemongoDump(t *testing.T, u stores.URL) {
	e := newEnv(t, u)
	e.load(t, ParseDump(t, "mongo-telemongo-0.2.2.txt"))
	r, err := e.open(t, mongo.Telemongo).Read(context.Background(), e.name)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, r, storetest.Session(t), storetest.Entities(), telemongoState)
	if r.Layout != "telemongo-0.2.2" {
		t.Fatalf("layout %q", r.Layout)
	}
}

func readPyroforkDump(t *testing.T, u stores.URL) {
	e := newEnv(t, u)
	e.load(t, ParseDump(t, "mongo-pyrofork.txt"))
	r, err := e.open(t, mongo.Pyrogram).Read(context.Background(), e.name)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, r, pyroforkSession(t), pyroforkEntities(), pyroforkStates)
	if r.Layout != "pyrofork" || r.Date != codec.Some[int64](0) {
		t.Fatalf("layout %q date %v", r.Layout, r.Date)
	}
}

// sameDocs compares collections document by document as canonical
// Extended JSON (types and field order), ObjectIds masked.
func sameDocs(t *testing.T, coll string, got, want []bson.Raw) {
	t.Helper()
	norm := func(docs []bson.Raw) []string {
		var out []string
		for _, d := range docs {
			j, err := bson.MarshalExtJSON(d, true, false)
			if err != nil {
				t.Fatal(err)
			}
			s := string(j)
			for {
				i := strings.Index(s, `{"$oid":"`)
				if i < 0 {
					break
				}
				s = s[:i] + "OID" + s[i+len(`{"$oid":"`)+26:]
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return out
	}
	g, w := norm(got), norm(want)
	if !slices.Equal(g, w) {
		if strings.Contains(coll, "session") {
			t.Fatalf("%s documents differ from the dump (%d vs %d; not shown: they hold the key)", coll, len(g), len(w))
		}
		t.Fatalf("%s documents differ from the dump:\n got %q\nwant %q", coll, g, w)
	}
}

func writeTelemongo(t *testing.T, u stores.URL) {
	e := newEnv(t, u)
	s := e.open(t, mongo.Telemongo)
	rec := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(), UpdateState: telemongoState}
	if err := s.Write(context.Background(), e.name, rec, false); err != nil {
		t.Fatal(err)
	}
	dump := ParseDump(t, "mongo-telemongo-0.2.2.txt")
	for coll, want := range dump.Docs {
		sameDocs(t, coll, e.docs(t, coll), want)
	}
	// The session document's bytes equal the real library's, but for its
	// ObjectId.
	got := e.docs(t, "telethon_sessions")[0]
	want := slices.Clone(dump.SessionHex)
	copy(want[9:21], got[9:21]) // int32 length, 0x07 "_id\x00", 12-byte ObjectId
	if !bytes.Equal(got, want) {
		t.Fatalf("session document: %d bytes differing from the dump's %d (not shown)", len(got), len(want))
	}
	idx, err := e.db().Collection("telethon_entities").Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range idx {
		names = append(names, i.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, dump.Indexes["telethon_entities"]) {
		t.Fatalf("indexes %q, want %q", names, dump.Indexes["telethon_entities"])
	}
}

func writePyrofork(t *testing.T, u stores.URL) {
	e := newEnv(t, u)
	s := e.open(t, mongo.Pyrogram)
	rec := &compat.Stored{Session: pyroforkSession(t), Entities: pyroforkEntities(), UpdateState: pyroforkStates, Date: codec.Some[int64](0)}
	if err := s.Write(context.Background(), e.name, rec, false); err != nil {
		t.Fatal(err)
	}
	dump := ParseDump(t, "mongo-pyrofork.txt")
	for coll, want := range dump.Docs {
		sameDocs(t, coll, e.docs(t, coll), want)
	}
	if got := e.docs(t, "session")[0]; !bytes.Equal(got, dump.SessionHex) {
		t.Fatalf("session document: %d bytes differing from the dump's %d (not shown)", len(got), len(dump.SessionHex))
	}
}

// telemongo ≤ 0.2.1's collections are read, and written back in place.
func telemongo021(t *testing.T, u stores.URL) {
	ctx := context.Background()
	e := newEnv(t, u)
	dump := ParseDump(t, "mongo-telemongo-0.2.2.txt")
	old := Dump{Docs: map[string][]bson.Raw{"session": dump.Docs["telethon_sessions"], "entity": dump.Docs["telethon_entities"],
		"update_state": dump.Docs["telethon_update_states"], "version": dump.Docs["version"]}}
	e.load(t, old)
	s := e.open(t, mongo.Telemongo)
	r, err := s.Read(ctx, e.name)
	if err != nil {
		t.Fatal(err)
	}
	sameRecord(t, r, storetest.Session(t), storetest.Entities(), telemongoState)
	if r.Layout != "telemongo-0.2.1" {
		t.Fatalf("layout %q", r.Layout)
	}
	r.Session.Port = 80
	if err := s.Write(ctx, e.name, r, true); err != nil {
		t.Fatal(err)
	}
	if n := len(e.docs(t, "telethon_sessions")); n != 0 {
		t.Fatal("the write created 0.2.2's collections in a 0.2.1 database")
	}
	r2, err := s.Read(ctx, e.name)
	if err != nil || r2.Session.Port != 80 || len(e.docs(t, "session")) != 1 {
		t.Fatalf("after the write: %v", err)
	}
}

func roundTrip(t *testing.T, u stores.URL) {
	ctx := context.Background()
	for _, l := range []mongo.Layout{mongo.Telemongo, mongo.Pyrogram} {
		t.Run(l.Kind(), func(t *testing.T) {
			e := newEnv(t, u)
			s := e.open(t, l)
			// Per-channel qts, seq and date carry in both layouts.
			states := &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7,
				Channels: []compat.ChannelState{{ID: 1234567890, PTS: 555, QTS: 3, Seq: 4, Date: codec.Some[float64](1767323046)}}}
			in := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(), UpdateState: states,
				TakeoutID: codec.Some[int64](1 << 40)}
			if l == mongo.Pyrogram {
				in = &compat.Stored{Session: pyroforkSession(t), Entities: pyroforkEntities(), UpdateState: states, Date: codec.Some[int64](1700000000)}
			}
			if err := s.Write(ctx, e.name, in, false); err != nil {
				t.Fatal(err)
			}
			r1, err := s.Read(ctx, e.name)
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, r1, in.Session, in.Entities, in.UpdateState)
			if r1.TakeoutID != in.TakeoutID || r1.Date != in.Date {
				t.Fatalf("takeout %v date %v", r1.TakeoutID, r1.Date)
			}
			before := e.docs(t, "session")
			if err := s.Write(ctx, e.name, r1, true); err != nil {
				t.Fatal(err)
			}
			if l == mongo.Pyrogram && !slices.EqualFunc(before, e.docs(t, "session"), func(a, b bson.Raw) bool { return bytes.Equal(a, b) }) {
				t.Fatal("writing what was read changed the session document")
			}
			text, _ := in.Session.Encode(codec.Pyrogram)
			r2, err := s.Read(ctx, e.name)
			if err != nil {
				t.Fatal(err)
			}
			if l == mongo.Pyrogram {
				if text2, _ := r2.Session.Encode(codec.Pyrogram); text2 != text {
					t.Fatal("the Pyrogram string changed through the store")
				}
			}
		})
	}
}

func refusesExisting(t *testing.T, u stores.URL) {
	ctx := context.Background()
	for _, l := range []mongo.Layout{mongo.Telemongo, mongo.Pyrogram} {
		t.Run(l.Kind(), func(t *testing.T) {
			e := newEnv(t, u)
			s := e.open(t, l)
			first := &compat.Stored{Session: pyroforkSession(t), Entities: storetest.Entities()}
			if err := s.Write(ctx, e.name, first, false); err != nil {
				t.Fatal(err)
			}
			second := &compat.Stored{Session: pyroforkSession(t)}
			second.Session.DC = 4
			storetest.StoreError(t, s.Write(ctx, e.name, second, false), l.Kind(), stores.ErrExists, keyBytes())
			r, err := s.Read(ctx, e.name)
			if err != nil || r.Session.DC != 2 || len(r.Entities) != 3 {
				t.Fatalf("the refused write changed something: %v", err)
			}
			if err := s.Write(ctx, e.name, second, true); err != nil {
				t.Fatal(err)
			}
			r, err = s.Read(ctx, e.name)
			if err != nil || r.Session.DC != 4 || len(r.Entities) != 0 {
				t.Fatalf("after replace: %v", err)
			}
		})
	}
}

func badValues(t *testing.T, u stores.URL) {
	ctx := context.Background()
	key := storetest.Key()
	for _, tc := range []struct {
		name   string
		layout mongo.Layout
		doc    bson.D
		want   error
	}{
		{"string-key", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "api_id", Value: 1}, {Key: "auth_key", Value: hex.EncodeToString(key)}}, stores.ErrBadValue},
		{"short-key", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "api_id", Value: 1}, {Key: "auth_key", Value: bson.Binary{Data: key[:255]}}}, codec.ErrBadKey},
		{"zero-key", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "api_id", Value: 1}, {Key: "auth_key", Value: bson.Binary{Data: make([]byte, 256)}}}, codec.ErrZeroKey},
		{"subtype", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "api_id", Value: 1}, {Key: "auth_key", Value: bson.Binary{Subtype: 4, Data: key}}}, stores.ErrBadValue},
		{"fresh", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "api_id", Value: nil}, {Key: "test_mode", Value: nil}, {Key: "auth_key", Value: bson.Binary{Data: []byte{}}}, {Key: "date", Value: 0}, {Key: "user_id", Value: 0}, {Key: "is_bot", Value: 0}}, stores.ErrNotFound},
		{"dc-string", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: "2"}, {Key: "api_id", Value: 1}, {Key: "auth_key", Value: bson.Binary{Data: key}}}, stores.ErrBadValue},
		{"bot-string", mongo.Pyrogram, bson.D{{Key: "_id", Value: 0}, {Key: "dc_id", Value: 2}, {Key: "is_bot", Value: "no"}, {Key: "auth_key", Value: bson.Binary{Data: key}}}, stores.ErrBadValue},
		{"tm-dc-range", mongo.Telemongo, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "dc_id", Value: int64(1 << 40)}, {Key: "auth_key", Value: bson.Binary{Data: key}}}, stores.ErrBadValue},
		{"tm-port", mongo.Telemongo, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "dc_id", Value: 2}, {Key: "port", Value: 3.5}, {Key: "auth_key", Value: bson.Binary{Data: key}}}, stores.ErrBadValue},
		{"tm-address", mongo.Telemongo, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "dc_id", Value: 2}, {Key: "server_address", Value: 12}, {Key: "auth_key", Value: bson.Binary{Data: key}}}, stores.ErrBadValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, u)
			coll := "session"
			if tc.layout == mongo.Telemongo {
				coll = "telethon_sessions"
			}
			if _, err := e.db().Collection(coll).InsertOne(ctx, tc.doc); err != nil {
				t.Fatal(err)
			}
			_, err := e.open(t, tc.layout).Read(ctx, e.name)
			storetest.StoreError(t, err, tc.layout.Kind(), tc.want, keyBytes())
		})
	}
	t.Run("missing", func(t *testing.T) {
		e := newEnv(t, u)
		for _, l := range []mongo.Layout{mongo.Telemongo, mongo.Pyrogram} {
			_, err := e.open(t, l).Read(ctx, e.name)
			storetest.StoreError(t, err, l.Kind(), stores.ErrNotFound, keyBytes())
		}
	})
	t.Run("names", func(t *testing.T) {
		e := newEnv(t, u)
		s := e.open(t, mongo.Pyrogram)
		for _, n := range []string{"", "a.b", "a/b", "a b", "a$b", strings.Repeat("x", 64)} {
			_, err := s.Read(ctx, n)
			storetest.StoreError(t, err, "pyrogram-mongo", stores.ErrBadName, nil)
		}
	})
	t.Run("pyrogram-needs-user", func(t *testing.T) {
		e := newEnv(t, u)
		s := e.open(t, mongo.Pyrogram)
		err := s.Write(ctx, e.name, &compat.Stored{Session: storetest.Session(t)}, false)
		storetest.StoreError(t, err, "pyrogram-mongo", codec.ErrMissingField, keyBytes())
		var me *compat.MissingError
		if !errors.As(err, &me) || !slices.Equal(me.Fields, []string{"user_id", "is_bot"}) {
			t.Fatalf("not a compat.MissingError for user_id and is_bot: %v", err)
		}
	})
}

// Each kind refuses the other's database instead of misreading it.
func layoutConfusion(t *testing.T, u stores.URL) {
	ctx := context.Background()
	e := newEnv(t, u)
	e.load(t, ParseDump(t, "mongo-pyrofork.txt"))
	tm := e.open(t, mongo.Telemongo)
	_, err := tm.Read(ctx, e.name)
	// The Pyrogram database has a "session" collection, as telemongo
	// 0.2.1 does: it is refused by content.
	storetest.StoreError(t, err, "telethon-mongo", stores.ErrLayout, keyBytes())
	err = tm.Write(ctx, e.name, &compat.Stored{Session: storetest.Session(t)}, true)
	storetest.StoreError(t, err, "telethon-mongo", stores.ErrLayout, keyBytes())

	e2 := newEnv(t, u)
	dump := ParseDump(t, "mongo-telemongo-0.2.2.txt")
	e2.load(t, Dump{Docs: map[string][]bson.Raw{"session": dump.Docs["telethon_sessions"]}})
	py := e2.open(t, mongo.Pyrogram)
	_, err = py.Read(ctx, e2.name)
	storetest.StoreError(t, err, "pyrogram-mongo", stores.ErrLayout, keyBytes())
	err = py.Write(ctx, e2.name, &compat.Stored{Session: pyroforkSession(t)}, true)
	storetest.StoreError(t, err, "pyrogram-mongo", stores.ErrLayout, keyBytes())
}

func list(t *testing.T, u stores.URL) {
	ctx := context.Background()
	a, b := newEnv(t, u), newEnv(t, u)
	pa := a.open(t, mongo.Pyrogram)
	if err := pa.Write(ctx, a.name, &compat.Stored{Session: pyroforkSession(t)}, false); err != nil {
		t.Fatal(err)
	}
	tb := b.open(t, mongo.Telemongo)
	if err := tb.Write(ctx, b.name, &compat.Stored{Session: storetest.Session(t)}, false); err != nil {
		t.Fatal(err)
	}
	pn, err := pa.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tn, err := tb.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pn, a.name) || slices.Contains(pn, b.name) || !slices.Contains(tn, b.name) || slices.Contains(tn, a.name) {
		t.Fatalf("pyrogram list %q, telemongo list %q", pn, tn)
	}
}

func unreachable(t *testing.T) {
	ctx := context.Background()
	const pw = "mongo-pw-never-shown"
	for _, tc := range []struct {
		raw  string
		want error
	}{
		{"mongodb://u:" + pw + "@" + storetest.ClosedPort(t) + "/?directConnection=true", stores.ErrUnreachable},
		{"mongodb://u:" + pw + "@" + storetest.SilentServer(t) + "/?directConnection=true", stores.ErrUnreachable},
		{"mongodb://u:" + pw + "@" + storetest.TLSServer(t) + "/?directConnection=true&tls=true", stores.ErrTLS},
	} {
		u, err := stores.ParseURL(tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = mongo.Open(ctx, u, mongo.Options{Layout: mongo.Pyrogram, Timeout: time.Second})
		storetest.StoreError(t, err, "pyrogram-mongo", tc.want, nil, pw)
		if d := time.Since(start); d > 6*time.Second {
			t.Fatalf("took %v", d)
		}
	}
	u, _ := stores.ParseURL("redis://:" + pw + "@127.0.0.1/0")
	_, err := mongo.Open(ctx, u, mongo.Options{Layout: mongo.Telemongo})
	storetest.StoreError(t, err, "telethon-mongo", stores.ErrBadURL, nil, pw)
	if !errors.Is(err, stores.ErrBadURL) {
		t.Fatal("not ErrBadURL")
	}
}

// Bench runs the read and write benchmarks against the server at u.
func Bench(b *testing.B, u stores.URL) {
	ctx := context.Background()
	for _, l := range []mongo.Layout{mongo.Telemongo, mongo.Pyrogram} {
		rec := &compat.Stored{Session: storetest.Session(b), Entities: storetest.Entities(), UpdateState: telemongoState}
		if l == mongo.Pyrogram {
			rec = &compat.Stored{Session: pyroforkSession(b), Entities: pyroforkEntities(), UpdateState: pyroforkStates}
		}
		open := func(b *testing.B) (*mongo.Store, string) {
			c, err := gomongo.Connect(options.Client().ApplyURI(u.Reveal().String()))
			if err != nil {
				b.Fatal(err)
			}
			name := "tgsbench_" + storetest.Suffix()
			b.Cleanup(func() { _ = c.Database(name).Drop(ctx); _ = c.Disconnect(ctx) })
			s, err := mongo.Open(ctx, u, mongo.Options{Layout: l})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s, name
		}
		b.Run("Read/"+l.Kind(), func(b *testing.B) {
			s, name := open(b)
			if err := s.Write(ctx, name, rec, false); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r, err := s.Read(ctx, name)
				if err != nil {
					b.Fatal(err)
				}
				r.Wipe()
			}
		})
		b.Run("Write/"+l.Kind(), func(b *testing.B) {
			s, name := open(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Write(ctx, name, rec, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
