package storesfuzz_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	_ "modernc.org/sqlite"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/mongo"
	"github.com/tgsession/tgsession/stores/redis"
	"github.com/tgsession/tgsession/stores/sqlalchemy"
)

// storeSentinels are the sentinels a store reader may wrap: the stores
// ones and, for an invalid key, codec's.
var storeSentinels = []error{
	stores.ErrBadURL, stores.ErrUnreachable, stores.ErrAuth, stores.ErrTLS, stores.ErrNotFound, stores.ErrExists,
	stores.ErrLayout, stores.ErrBadValue, stores.ErrTooLarge, stores.ErrAmbiguous, stores.ErrPickled,
	stores.ErrBadName, stores.ErrServer,
}

func testKey() []byte {
	k := make([]byte, 256)
	for i := range k {
		k[i] = byte(i)
	}
	return k
}

// checkRecord checks an accepted stored session: a valid session, and no
// rendering of it shows its key.
func checkRecord(t *testing.T, r *compat.Stored, what string) []byte {
	t.Helper()
	if r == nil || r.Session == nil {
		t.Fatalf("%s: no record and no error", what)
	}
	if err := r.Session.Validate(); err != nil {
		t.Fatalf("%s: invalid session (%s)", what, fc.ErrClass(err, codec.ErrBadField, codec.ErrBadKey))
	}
	key := r.Session.Key.Reveal()
	o := *r
	o.Session = r.Session.Clone()
	other := &o
	other.Session.Key, _ = codec.NewAuthKey(testKey())
	leak := fc.NewLeak("").Secret(key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		text := fmt.Sprintf(verb, r)
		// A window also in the other record's rendering comes from
		// non-secret fields the input set, not from the key.
		if leak.Check(text) != "" && leak.Check(fmt.Sprintf(verb, other)) == "" {
			fc.NoLeak(t, leak, what+" "+verb, text)
		}
	}
	if j, err := json.Marshal(r); err == nil {
		if leak.Check(string(j)) != "" {
			oj, _ := json.Marshal(other)
			if leak.Check(string(oj)) == "" {
				fc.NoLeak(t, leak, what+" JSON", string(j))
			}
		}
	}
	return key
}

// nStates counts the update-state rows of s.
func nStates(s *compat.Stored) int {
	if s.UpdateState == nil {
		return 0
	}
	return 1 + len(s.UpdateState.Channels)
}

func refused(t *testing.T, err error, what string, inputs ...[]byte) {
	t.Helper()
	fc.Typed(t, err, what, storeSentinels...)
	for _, in := range inputs {
		if isNumber(in) {
			// Numbers (DC ids, ports, lengths) are reported by value: an
			// input that is only digits may equal one.
			continue
		}
		fc.NoLeak(t, fc.NewLeak(string(in)), what+" error", err.Error())
	}
}

// FuzzRedisValues fuzzes the teleredis reader on a session value and an
// entity value. Invariants: a refused value gets a typed error that quotes
// no input; an accepted one is a valid session whose key no rendering
// shows, and writing it (redis.Encode) and reading that back gives the
// same session, entities and bytes again (a fixed point).
func FuzzRedisValues(f *testing.F) {
	key := base64.StdEncoding.EncodeToString(testKey())
	f.Add([]byte(`{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": "`+key+`"}`),
		[]byte(`{"id": -1001234567890, "hash": 987654321, "username": "testchannel", "phone": null, "name": "Test Channel"}`), 2)
	f.Add([]byte("{\n  \"dc_id\": 4,\n  \"server_address\": \"2001:b28:f23d:f001::a\",\n  \"port\": 443,\n  \"auth_key\": \""+key+
		"\",\n  \"ts_ts\": 1767323045.5,\n  \"ts_str\": \"2026-01-02 03:04:05\"\n}"), []byte(`{"id": 5, "hash": 1, "phone": "123"}`), 4)
	f.Add([]byte("\x80\x04\x95}\x94."), []byte("{}"), 0)
	f.Add([]byte(`{"dc_id": 2, "auth_key": ""}`), []byte(`{"id": 99999999999999999999}`), 0)
	f.Fuzz(func(t *testing.T, session, entity []byte, dc int) {
		defer fc.Watchdog("FuzzRedisValues")()
		r, err := redis.Decode(redis.TeleRedis, redis.Values{DC: dc, Session: session, Entities: [][]byte{entity}})
		if err != nil {
			refused(t, err, "Decode", session, entity)
			return
		}
		key := checkRecord(t, r, "Decode")
		defer clear(key)
		v, err := redis.Encode(redis.TeleRedis, r)
		if err != nil {
			t.Fatalf("Encode of a decoded record: %s", fc.ErrClass(err, storeSentinels...))
		}
		r2, err := redis.Decode(redis.TeleRedis, v)
		if err != nil {
			t.Fatalf("Decode of Encode: %s", fc.ErrClass(err, storeSentinels...))
		}
		if !r2.Session.Equal(r.Session) || len(r2.Entities) > len(r.Entities) {
			t.Fatalf("round trip changed the session or entities")
		}
		v2, _ := redis.Encode(redis.TeleRedis, r2)
		if string(v2.Session) != string(v.Session) || fmt.Sprint(v2.Entities) != fmt.Sprint(v.Entities) {
			t.Fatalf("Encode is not a fixed point")
		}
	})
}

// FuzzRedisHash fuzzes the TG-UserBot reader on the hash fields.
func FuzzRedisHash(f *testing.F) {
	f.Add([]byte("2"), []byte("149.154.167.51"), []byte("443"), testKey(), []byte(""))
	f.Add([]byte("4"), []byte(""), []byte(""), testKey()[:200], []byte("123"))
	f.Add([]byte("-1"), []byte("a b"), []byte("99999"), []byte{}, []byte("x"))
	f.Fuzz(func(t *testing.T, dc, addr, port, key, takeout []byte) {
		defer fc.Watchdog("FuzzRedisHash")()
		fields := map[string][]byte{"dc_id": dc, "server_address": addr, "port": port, "auth_key": key, "takeout_id": takeout}
		r, err := redis.Decode(redis.Hash, redis.Values{Fields: fields})
		if err != nil {
			// DC ids, ports and takeout ids are reported as numbers
			// (they are not secret); text fields must never be echoed.
			refused(t, err, "Decode", addr)
			fc.NoLeak(t, fc.NewLeak("").Secret(key), "Decode error", err.Error())
			return
		}
		k := checkRecord(t, r, "Decode")
		defer clear(k)
		v, err := redis.Encode(redis.Hash, r)
		if err != nil {
			t.Fatalf("Encode: %s", fc.ErrClass(err, storeSentinels...))
		}
		r2, err := redis.Decode(redis.Hash, v)
		if err != nil || !r2.Session.Equal(r.Session) || r2.TakeoutID != r.TakeoutID {
			t.Fatalf("round trip failed")
		}
	})
}

func dumpDocs(f *testing.F, name string) map[string][][]byte {
	b, err := os.ReadFile(filepath.Join("..", "..", "stores", "testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	out := map[string][][]byte{}
	coll := ""
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "-- "):
			_, coll, _ = strings.Cut(strings.TrimPrefix(line, "-- "), ".")
		case strings.HasPrefix(line, "  {"):
			var doc bson.Raw
			if err := bson.UnmarshalExtJSON([]byte(strings.TrimSpace(line)), true, &doc); err != nil {
				f.Fatal(err)
			}
			out[coll] = append(out[coll], doc)
		}
	}
	return out
}

// FuzzMongoDocuments fuzzes the telemongo and Pyrogram readers on a session
// document, one entity/peer, one username and one update state document.
// Invariants as for FuzzRedisValues; the round trip goes through
// mongo.Encode.
func FuzzMongoDocuments(f *testing.F) {
	tm := dumpDocs(f, "mongo-telemongo-0.2.2.txt")
	pf := dumpDocs(f, "mongo-pyrofork.txt")
	f.Add(uint8(1), []byte(tm["telethon_sessions"][0]), []byte(tm["telethon_entities"][2]), []byte{}, []byte(tm["telethon_update_states"][0]))
	f.Add(uint8(2), []byte(pf["session"][0]), []byte(pf["peers"][2]), []byte(pf["usernames"][1]), []byte(pf["update_state"][0]))
	f.Add(uint8(2), []byte(pf["session"][0]), []byte(pf["peers"][0]), []byte(pf["usernames"][0]), []byte(pf["update_state"][1]))
	f.Fuzz(func(t *testing.T, layout uint8, session, entity, username, state []byte) {
		defer fc.Watchdog("FuzzMongoDocuments")()
		l := mongo.Telemongo
		cols := []string{"telethon_sessions", "telethon_entities", "telethon_update_states"}
		if layout%2 == 0 {
			l, cols = mongo.Pyrogram, []string{"session", "peers", "usernames", "update_state"}
		}
		r, err := mongo.Decode(l, mongo.Documents{Collections: cols, Session: session, Entities: [][]byte{entity},
			Usernames: [][]byte{username}, States: [][]byte{state}})
		if err != nil {
			refused(t, err, "Decode", session, entity, username, state)
			return
		}
		key := checkRecord(t, r, "Decode")
		defer clear(key)
		d, err := mongo.Encode(l, r, 1700000000)
		if err != nil {
			// Pyrogram's writer refuses a session without user id or bot
			// flag (pyrofork would discard it); nothing else.
			if l == mongo.Pyrogram && (!r.Session.UserID.Known() || !r.Session.IsBot.Known()) {
				return
			}
			t.Fatalf("Encode of a decoded record: %s", fc.ErrClass(err, storeSentinels...))
		}
		r2, err := mongo.Decode(l, d)
		if err != nil {
			t.Fatalf("Decode of Encode: %s", fc.ErrClass(err, storeSentinels...))
		}
		if l == mongo.Pyrogram && !r.Session.TestMode.Known() {
			// The writer defaults a missing test_mode to false (pyrofork
			// discards a session with none).
			r.Session.TestMode = codec.Some(false)
		}
		if !r2.Session.Equal(r.Session) || nStates(r2) != nStates(r) || r2.TakeoutID != r.TakeoutID {
			t.Fatalf("round trip changed the record")
		}
		d2, err := mongo.Encode(l, r2, 1700000000)
		if err != nil {
			t.Fatal("second Encode failed")
		}
		if l == mongo.Pyrogram && string(d2.Session) != string(d.Session) {
			t.Fatalf("Encode is not a fixed point")
		}
	})
}

// FuzzSQLAlchemyRows fuzzes the alchemysession reader on one sessions row,
// one entities row and one update_state row of arbitrary values and SQLite
// storage classes, in an SQLite database. Invariants as above.
func FuzzSQLAlchemyRows(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "fuzz.db")
	f.Add(uint8(0), int64(2), []byte("149.154.167.51"), int64(443), uint8(0), testKey(), int64(123456789), int64(-5), "alice", "15551234567", "Alice", int64(0), int64(100))
	f.Add(uint8(1), int64(2), []byte("::1"), int64(-1), uint8(1), testKey()[:10], int64(0), int64(1), "", "+1", "", int64(-1), int64(0))
	f.Add(uint8(2), int64(70000), []byte{0xff, 0}, int64(1<<40), uint8(2), []byte(hex.EncodeToString(testKey())), int64(-4242), int64(0), "x", "abc", "n", int64(7), int64(1))
	f.Fuzz(func(t *testing.T, dcClass uint8, dc int64, addr []byte, port int64, keyClass uint8, key []byte,
		entID, entHash int64, username, phone, name string, stateID, pts int64) {
		defer fc.Watchdog("FuzzSQLAlchemyRows")()
		for _, s := range []string{"", "-journal", "-wal", "-shm"} {
			os.Remove(path + s)
		}
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{
			"CREATE TABLE version (version INTEGER NOT NULL, PRIMARY KEY (version))",
			"INSERT INTO version VALUES (2)",
			"CREATE TABLE sessions (session_id VARCHAR(255) NOT NULL, dc_id INTEGER NOT NULL, server_address VARCHAR(255), port INTEGER, auth_key BLOB, PRIMARY KEY (session_id, dc_id))",
			"CREATE TABLE entities (session_id VARCHAR(255) NOT NULL, id BIGINT NOT NULL, hash BIGINT NOT NULL, username VARCHAR(32), phone BIGINT, name VARCHAR(255), PRIMARY KEY (session_id, id))",
			"CREATE TABLE update_state (session_id VARCHAR(255) NOT NULL, entity_id BIGINT NOT NULL, pts BIGINT, qts BIGINT, date BIGINT, seq BIGINT, unread_count INTEGER, PRIMARY KEY (session_id, entity_id))",
		} {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		var dcv any = dc
		switch dcClass % 3 {
		case 1:
			dcv = fmt.Sprint(dc)
		case 2:
			dcv = []byte(fmt.Sprint(dc))
		}
		var keyv any = key
		switch keyClass % 3 {
		case 1:
			keyv = string(key)
		case 2:
			keyv = nil
		}
		var addrv any = string(addr)
		if len(addr) > 0 && addr[0] == 0xff {
			addrv = addr
		}
		if _, err := db.Exec("INSERT INTO sessions VALUES ('s', ?, ?, ?, ?)", dcv, addrv, port, keyv); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO entities VALUES ('s', ?, ?, ?, ?, ?)", entID, entHash, username, phone, name); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("INSERT INTO update_state VALUES ('s', ?, ?, 0, 0, 0, 0)", stateID, pts); err != nil {
			t.Fatal(err)
		}
		db.Close()
		u, _ := stores.ParseURL("sqlite:///" + path)
		s, err := sqlalchemy.Open(context.Background(), u, sqlalchemy.Options{})
		if err != nil {
			t.Fatalf("Open: %s", fc.ErrClass(err, storeSentinels...))
		}
		defer s.Close()
		r, err := s.Read(context.Background(), "s")
		if err != nil {
			refused(t, err, "Read", addr, []byte(username), []byte(phone), []byte(name))
			fc.NoLeak(t, fc.NewLeak("").Secret(key), "Read error", err.Error())
			return
		}
		k := checkRecord(t, r, "Read")
		defer clear(k)
		if err := s.Write(context.Background(), "copy", r, false); err != nil {
			t.Fatalf("Write of a read record: %s", fc.ErrClass(err, storeSentinels...))
		}
		r2, err := s.Read(context.Background(), "copy")
		if err != nil || !r2.Session.Equal(r.Session) || nStates(r2) != nStates(r) || len(r2.Entities) != len(r.Entities) {
			t.Fatalf("write-read round trip changed the record")
		}
	})
}

func isNumber(b []byte) bool {
	t := strings.TrimLeft(strings.TrimSpace(string(b)), "+-")
	if t == "" {
		return false
	}
	for _, c := range t {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
