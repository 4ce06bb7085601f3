package redis_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/redis"
)

type env struct {
	u      stores.URL
	raw    *goredis.Client
	prefix string // the test's own prefix; the layout prefix is below it
}

// newEnv connects to the test Redis and registers the removal of every key
// under a prefix of the test's own.
func newEnv(t *testing.T) *env { return newEnvB(t) }

func newEnvB(t testing.TB) *env {
	t.Helper()
	u := storetest.ServerURL(t, storetest.EnvRedis)
	o, err := goredis.ParseURL(u.Reveal().String())
	if err != nil {
		t.Fatal(err)
	}
	o.Protocol = 2
	o.DisableIdentity = true
	e := &env{u: u, raw: goredis.NewClient(o), prefix: "tgstest-" + storetest.Suffix()}
	t.Cleanup(func() {
		ctx := context.Background()
		var cursor uint64
		for {
			keys, next, err := e.raw.Scan(ctx, cursor, e.prefix+"*", 1000).Result()
			if err != nil {
				t.Errorf("cleanup scan: %v", err)
				break
			}
			if len(keys) > 0 {
				e.raw.Del(ctx, keys...)
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		_ = e.raw.Close()
	})
	return e
}

func (e *env) open(t *testing.T, l redis.Layout, dc int) *redis.Store { return e.openDC(t, l, dc) }

func (e *env) openB(b *testing.B, l redis.Layout) *redis.Store { return e.openDC(b, l, 0) }

func (e *env) openDC(t testing.TB, l redis.Layout, dc int) *redis.Store {
	t.Helper()
	pre := e.prefix + ":" + redis.DefaultTeleRedisPrefix
	if l == redis.Hash {
		pre = e.prefix + ":" + redis.DefaultHashPrefix
	}
	s, err := redis.Open(context.Background(), e.u, redis.Options{Layout: l, Prefix: pre, DC: dc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// load writes a dump's keys under the test prefix.
func (e *env) load(t *testing.T, dump string) {
	t.Helper()
	ctx := context.Background()
	for _, k := range storetest.RedisDump(t, dump) {
		key := e.prefix + ":" + k.Key
		switch k.Type {
		case "string":
			if err := e.raw.Set(ctx, key, k.Value, 0).Err(); err != nil {
				t.Fatal(err)
			}
		case "hash":
			var args []any
			for _, f := range k.Order {
				args = append(args, f, k.Fields[f])
			}
			if err := e.raw.HSet(ctx, key, args...).Err(); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("dump key type %q", k.Type)
		}
	}
}

func keyBytes() [][]byte { return [][]byte{storetest.Key()} }

func sameSession(t *testing.T, got, want *codec.Session) {
	t.Helper()
	if got.DC != want.DC || got.ServerAddress != want.ServerAddress || got.Port != want.Port {
		t.Fatalf("dc/address/port %d %s %d, want %d %s %d", got.DC, got.ServerAddress, got.Port, want.DC, want.ServerAddress, want.Port)
	}
	if got.AuthKeyID() != want.AuthKeyID() {
		t.Fatalf("auth_key_id %s, want %s", got.AuthKeyID(), want.AuthKeyID())
	}
	if got.APIID != want.APIID || got.UserID != want.UserID || got.IsBot != want.IsBot || got.TestMode != want.TestMode {
		t.Fatalf("api/user/bot/test %v %v %v %v, want %v %v %v %v", got.APIID, got.UserID, got.IsBot, got.TestMode,
			want.APIID, want.UserID, want.IsBot, want.TestMode)
	}
}

func sameEntities(t *testing.T, got, want []compat.Entity) {
	t.Helper()
	slices.SortFunc(got, func(a, b compat.Entity) int { return int(a.ID>>1 - b.ID>>1) })
	if len(got) != len(want) {
		t.Fatalf("%d entities, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.AccessHash != w.AccessHash || g.Username != w.Username || g.Phone != w.Phone ||
			g.Name != w.Name || g.Type != w.Type || g.Date != w.Date || !slices.Equal(g.Usernames, w.Usernames) {
			t.Fatalf("entity %d: %+v, want %+v", i, g, w)
		}
	}
}

// The dump of what teleredis 0.1.3 wrote reads back as the session and the
// one entity it stored (teleredis stores only the first entity of a batch).
func TestReadTeleRedisDump(t *testing.T) {
	e := newEnv(t)
	e.load(t, "redis-teleredis-0.1.3.txt")
	s := e.open(t, redis.TeleRedis, 0)
	r, err := s.Read(context.Background(), "bot-1")
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, r.Session, storetest.Session(t))
	sameEntities(t, r.Entities, storetest.Entities()[:1])
	if r.Layout != "teleredis" || r.UpdateState != nil || r.TakeoutID.Known() {
		t.Fatalf("layout %q, state %v, takeout %v", r.Layout, r.UpdateState != nil, r.TakeoutID)
	}
}

func TestReadHashDump(t *testing.T) {
	e := newEnv(t)
	e.load(t, "redis-tguserbot.txt")
	s := e.open(t, redis.Hash, 0)
	r, err := s.Read(context.Background(), "bot-1")
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, r.Session, storetest.Session(t))
	if r.Layout != "tguserbot" || len(r.Entities) != 0 || r.TakeoutID.Known() {
		t.Fatalf("layout %q, %d entities, takeout %v", r.Layout, len(r.Entities), r.TakeoutID)
	}
}

// Writing the dump's session produces the dump's keys and values byte for
// byte.
func TestWriteMatchesDump(t *testing.T) {
	for _, tc := range []struct {
		layout redis.Layout
		dump   string
		ents   []compat.Entity
	}{
		{redis.TeleRedis, "redis-teleredis-0.1.3.txt", storetest.Entities()[:1]},
		{redis.Hash, "redis-tguserbot.txt", nil},
	} {
		t.Run(tc.layout.Kind(), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t, tc.layout, 0)
			rec := &compat.Stored{Session: storetest.Session(t), Entities: tc.ents}
			if err := s.Write(context.Background(), "bot-1", rec, false); err != nil {
				t.Fatal(err)
			}
			e.matchDump(t, tc.dump)
		})
	}
}

// matchDump compares every key under the test prefix with the dump.
func (e *env) matchDump(t *testing.T, dump string) {
	t.Helper()
	ctx := context.Background()
	want := storetest.RedisDump(t, dump)
	keys, err := e.raw.Keys(ctx, e.prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(want) {
		t.Fatalf("%d keys, want %d", len(keys), len(want))
	}
	for _, k := range want {
		key := e.prefix + ":" + k.Key
		typ := e.raw.Type(ctx, key).Val()
		if typ != k.Type {
			t.Fatalf("%s: type %q, want %q", k.Key, typ, k.Type)
		}
		if ttl := e.raw.TTL(ctx, key).Val(); ttl != -1 {
			t.Fatalf("%s: TTL %v, want none", k.Key, ttl)
		}
		if k.Type == "string" {
			got, _ := e.raw.Get(ctx, key).Bytes()
			if !bytes.Equal(got, k.Value) {
				t.Fatalf("%s: value differs from the dump (%d bytes, want %d)", k.Key, len(got), len(k.Value))
			}
			continue
		}
		got := e.raw.HGetAll(ctx, key).Val()
		if len(got) != len(k.Fields) {
			t.Fatalf("%s: %d fields, want %d", k.Key, len(got), len(k.Fields))
		}
		for f, v := range k.Fields {
			if g, ok := got[f]; !ok || g != string(v) {
				t.Fatalf("%s: field %s differs from the dump", k.Key, f)
			}
		}
	}
}

// Round trips: record → store → record → store are fixed points, and a
// Telethon string session survives string → store → string.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		t.Run(l.Kind(), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t, l, 0)
			in := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities()}
			if l == redis.Hash {
				in.Entities = nil
				in.TakeoutID = codec.Some[int64](1234567890123)
			}
			text, err := in.Session.Encode(codec.Telethon)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, "a", in, false); err != nil {
				t.Fatal(err)
			}
			r1, err := s.Read(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			sameSession(t, r1.Session, in.Session)
			sameEntities(t, r1.Entities, in.Entities)
			if r1.TakeoutID != in.TakeoutID {
				t.Fatalf("takeout %v, want %v", r1.TakeoutID, in.TakeoutID)
			}
			if err := s.Write(ctx, "b", r1, false); err != nil {
				t.Fatal(err)
			}
			r2, err := s.Read(ctx, "b")
			if err != nil {
				t.Fatal(err)
			}
			sameSession(t, r2.Session, r1.Session)
			sameEntities(t, r2.Entities, r1.Entities)
			text2, err := r2.Session.Encode(codec.Telethon)
			if err != nil {
				t.Fatal(err)
			}
			if text != text2 {
				t.Fatal("the Telethon string session changed through the store")
			}
		})
	}
}

func TestWriteRefusesExisting(t *testing.T) {
	ctx := context.Background()
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		t.Run(l.Kind(), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t, l, 0)
			first := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities()}
			if err := s.Write(ctx, "x", first, false); err != nil {
				t.Fatal(err)
			}
			second := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities()[:1]}
			second.Session.DC, second.Session.ServerAddress = 4, "149.154.167.92"
			err := s.Write(ctx, "x", second, false)
			storetest.StoreError(t, err, l.Kind(), stores.ErrExists, keyBytes())
			r, err := s.Read(ctx, "x")
			if err != nil {
				t.Fatal(err)
			}
			if r.Session.DC != 2 {
				t.Fatalf("refused write changed the session: DC %d", r.Session.DC)
			}
			if err := s.Write(ctx, "x", second, true); err != nil {
				t.Fatal(err)
			}
			r, err = s.Read(ctx, "x")
			if err != nil {
				t.Fatalf("after replace: %v", err)
			}
			if r.Session.DC != 4 || len(r.OtherDCs) != 0 {
				t.Fatalf("after replace: DC %d, other DCs %v", r.Session.DC, r.OtherDCs)
			}
			if l == redis.TeleRedis && len(r.Entities) != 1 {
				t.Fatalf("after replace: %d entities, want 1 (the old cache is removed)", len(r.Entities))
			}
		})
	}
}

// Several sessions:<dc> keys for one name (teleredis after a DC
// migration) are an ambiguity naming the DCs, unless a DC is chosen.
func TestAmbiguousDCs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.load(t, "redis-teleredis-0.1.3.txt")
	s := e.open(t, redis.TeleRedis, 0)
	rec := &compat.Stored{Session: storetest.Session(t)}
	rec.Session.DC, rec.Session.ServerAddress = 4, "149.154.167.91"
	base := e.prefix + ":" + redis.DefaultTeleRedisPrefix + ":bot-1"
	e.raw.Set(ctx, base+":sessions:4", `{"dc_id": 4, "server_address": "149.154.167.91", "port": 443, "auth_key": "`+
		base64.StdEncoding.EncodeToString(storetest.Key())+`"}`, 0)
	_, err := s.Read(ctx, "bot-1")
	se := storetest.StoreError(t, err, "telethon-redis", stores.ErrAmbiguous, keyBytes())
	amb, ok := errors.AsType[*stores.AmbiguousError](se)
	if !ok || !slices.Equal(amb.DCs, []int{2, 4}) {
		t.Fatalf("ambiguity error DCs %v", amb)
	}
	s4 := e.open(t, redis.TeleRedis, 4)
	r, err := s4.Read(ctx, "bot-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Session.DC != 4 || !slices.Equal(r.OtherDCs, []int{2}) {
		t.Fatalf("DC %d, others %v", r.Session.DC, r.OtherDCs)
	}
	s5 := e.open(t, redis.TeleRedis, 5)
	_, err = s5.Read(ctx, "bot-1")
	storetest.StoreError(t, err, "telethon-redis", stores.ErrNotFound, keyBytes())
}

// teleredis 0.1.0 wrote indented JSON with timestamps by default.
func TestReadIndentedWithTimestamps(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t, redis.TeleRedis, 0)
	v := "{\n  \"dc_id\": 2,\n  \"server_address\": \"149.154.167.51\",\n  \"port\": 443,\n  \"auth_key\": \"" +
		base64.StdEncoding.EncodeToString(storetest.Key()) + "\",\n  \"ts_ts\": 1767323045.123456,\n  \"ts_str\": \"2026-01-02 03:04:05\"\n}"
	e.raw.Set(ctx, e.prefix+":"+redis.DefaultTeleRedisPrefix+":old:sessions:2", v, 0)
	r, err := s.Read(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	sameSession(t, r.Session, storetest.Session(t))
	if r.Layout != "teleredis-0.1.0" {
		t.Fatalf("layout %q", r.Layout)
	}
}

func TestBadValues(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t, redis.TeleRedis, 0)
	h := e.open(t, redis.Hash, 0)
	base := e.prefix + ":" + redis.DefaultTeleRedisPrefix
	short := base64.StdEncoding.EncodeToString(storetest.Key()[:255])
	zero := base64.StdEncoding.EncodeToString(make([]byte, 256))
	for _, tc := range []struct {
		name, value string
		want        error
	}{
		{"pickle", "\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x05dc_id\x94K\x02u.", stores.ErrPickled},
		{"pickle0", "(dp0\nVdc_id\np1\nI2\ns.", stores.ErrPickled},
		{"short", `{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": "` + short + `"}`, codec.ErrBadKey},
		{"zero", `{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": "` + zero + `"}`, codec.ErrZeroKey},
		{"empty", `{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key": ""}`, stores.ErrNotFound},
		{"dcstring", `{"dc_id": "2", "auth_key": "` + short + `"}`, stores.ErrBadValue},
		{"dcmismatch", `{"dc_id": 3, "auth_key": "` + short + `"}`, stores.ErrBadValue},
		{"dcrange", `{"dc_id": 99999999999999999999, "auth_key": "` + short + `"}`, stores.ErrBadValue},
		{"keynumber", `{"dc_id": 2, "auth_key": 12}`, stores.ErrBadValue},
		{"base64", `{"dc_id": 2, "auth_key": "` + strings.Repeat("!", 344) + `"}`, stores.ErrBadValue},
		{"notjson", `dc_id=2`, stores.ErrBadValue},
		{"truncated", `{"dc_id": 2, "auth_key": "` + short[:100], stores.ErrBadValue},
		{"address", `{"dc_id": 2, "server_address": "a b", "auth_key": "` + short + `"}`, stores.ErrBadValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.raw.Set(ctx, base+":"+tc.name+":sessions:2", tc.value, 0)
			_, err := s.Read(ctx, tc.name)
			storetest.StoreError(t, err, "telethon-redis", tc.want, keyBytes())
		})
	}
	t.Run("wrongtype", func(t *testing.T) {
		e.raw.HSet(ctx, base+":wt:sessions:2", "a", "b")
		_, err := s.Read(ctx, "wt")
		storetest.StoreError(t, err, "telethon-redis", stores.ErrBadValue, keyBytes())
	})
	hbase := e.prefix + ":" + redis.DefaultHashPrefix
	for _, tc := range []struct {
		name   string
		fields []any
		want   error
	}{
		{"short", []any{"dc_id", "2", "auth_key", storetest.Key()[:100]}, codec.ErrBadKey},
		{"nokey", []any{"dc_id", "4", "auth_key", ""}, stores.ErrNotFound},
		{"nodc", []any{"auth_key", storetest.Key()}, stores.ErrBadValue},
		{"dctext", []any{"dc_id", "two", "auth_key", storetest.Key()}, stores.ErrBadValue},
		{"port", []any{"dc_id", "2", "port", "70000", "auth_key", storetest.Key()}, stores.ErrBadValue},
		{"takeout", []any{"dc_id", "2", "takeout_id", "x", "auth_key", storetest.Key()}, stores.ErrBadValue},
	} {
		t.Run("hash-"+tc.name, func(t *testing.T) {
			e.raw.HSet(ctx, hbase+":"+tc.name+":auth", tc.fields...)
			_, err := h.Read(ctx, tc.name)
			storetest.StoreError(t, err, "telethon-redis-hash", tc.want, keyBytes())
		})
	}
	t.Run("hash-string", func(t *testing.T) {
		e.raw.Set(ctx, hbase+":str:auth", "x", 0)
		_, err := h.Read(ctx, "str")
		storetest.StoreError(t, err, "telethon-redis-hash", stores.ErrBadValue, keyBytes())
	})
	t.Run("missing", func(t *testing.T) {
		_, err := s.Read(ctx, "nobody")
		storetest.StoreError(t, err, "telethon-redis", stores.ErrNotFound, keyBytes())
		_, err = h.Read(ctx, "nobody")
		storetest.StoreError(t, err, "telethon-redis-hash", stores.ErrNotFound, keyBytes())
	})
	t.Run("badname", func(t *testing.T) {
		_, err := s.Read(ctx, "")
		storetest.StoreError(t, err, "telethon-redis", stores.ErrBadName, nil)
		_, err = s.Read(ctx, "a\x00b")
		storetest.StoreError(t, err, "telethon-redis", stores.ErrBadName, nil)
	})
}

// A 512 MB value (Redis's largest) is refused before it is transferred:
// the read costs a few kilobytes of memory and returns ErrTooLarge.
func TestHugeValue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t, redis.TeleRedis, 0)
	h := e.open(t, redis.Hash, 0)
	key := e.prefix + ":" + redis.DefaultTeleRedisPrefix + ":huge:sessions:2"
	if err := e.raw.SetRange(ctx, key, 512<<20-1, "x").Err(); err != nil {
		t.Skipf("the server refused a 512 MB value: %v", err)
	}
	defer e.raw.Del(ctx, key)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := s.Read(ctx, "huge")
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	storetest.StoreError(t, err, "telethon-redis", stores.ErrTooLarge, keyBytes())
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("reading a 512 MB value allocated %d bytes", grew)
	}
	t.Logf("refused in %v", elapsed)
	e.raw.Del(ctx, key)

	hkey := e.prefix + ":" + redis.DefaultHashPrefix + ":huge:auth"
	e.raw.HSet(ctx, hkey, "dc_id", "2", "auth_key", strings.Repeat("k", stores.MaxValueSize+1))
	_, err = h.Read(ctx, "huge")
	storetest.StoreError(t, err, "telethon-redis-hash", stores.ErrTooLarge, keyBytes())
}

func TestList(t *testing.T) {
	ctx := context.Background()
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		t.Run(l.Kind(), func(t *testing.T) {
			e := newEnv(t)
			s := e.open(t, l, 0)
			names := []string{"a", "b:c", "bot*1", "ünï"}
			for _, n := range names {
				if err := s.Write(ctx, n, &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities()}, false); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, names) {
				t.Fatalf("List = %q, want %q", got, names)
			}
			// The glob characters of a name are not a pattern.
			if _, err := s.Read(ctx, "bot?1"); !errors.Is(err, stores.ErrNotFound) {
				t.Fatalf("bot?1 read: %v", err)
			}
		})
	}
}

// A wrong password is ErrAuth, and the message never holds the password.
func TestWrongPassword(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	user := "tgstest" + storetest.Suffix()
	const pass = "correct-horse-battery-staple-1"
	if err := e.raw.Do(ctx, "ACL", "SETUSER", user, "on", ">"+pass, "~"+e.prefix+"*", "+@all").Err(); err != nil {
		t.Skipf("ACL SETUSER: %v", err)
	}
	t.Cleanup(func() { e.raw.Do(context.Background(), "ACL", "DELUSER", user) })
	host := e.u.Host()
	const wrong = "wrong-horse-battery-staple-2"
	u, err := stores.ParseURL("redis://" + user + ":" + wrong + "@" + host + "/0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = redis.Open(ctx, u, redis.Options{Layout: redis.TeleRedis})
	storetest.StoreError(t, err, "telethon-redis", stores.ErrAuth, nil, wrong, pass)
	good, _ := stores.ParseURL("redis://" + user + ":" + pass + "@" + host + "/0")
	s, err := redis.Open(ctx, good, redis.Options{Layout: redis.TeleRedis, Prefix: e.prefix + ":p"})
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	_ = s.Close()
}

func TestUnreachableAndTLS(t *testing.T) {
	ctx := context.Background()
	const pw = "secret-password-123"
	open := func(raw string, timeout time.Duration) error {
		u, err := stores.ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = redis.Open(ctx, u, redis.Options{Layout: redis.TeleRedis, Timeout: timeout})
		if d := time.Since(start); d > timeout+5*time.Second {
			t.Fatalf("refusal took %v", d)
		}
		return err
	}
	err := open("redis://:"+pw+"@"+storetest.ClosedPort(t)+"/0", 2*time.Second)
	storetest.StoreError(t, err, "telethon-redis", stores.ErrUnreachable, nil, pw)

	// A server that accepts and never answers: bounded by the context.
	u, _ := stores.ParseURL("redis://:" + pw + "@" + storetest.SilentServer(t) + "/0")
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = redis.Open(cctx, u, redis.Options{Layout: redis.TeleRedis})
	se := storetest.StoreError(t, err, "telethon-redis", stores.ErrUnreachable, nil, pw)
	if !errors.Is(se, context.DeadlineExceeded) {
		t.Fatalf("a context deadline is not in the chain: %v", se)
	}

	// rediss:// to a server with an untrusted certificate, and to one that
	// does not speak TLS.
	err = open("rediss://:"+pw+"@"+storetest.TLSServer(t)+"/0", 2*time.Second)
	storetest.StoreError(t, err, "telethon-redis", stores.ErrTLS, nil, pw)
	err = open("rediss://:"+pw+"@"+storetest.PlainServer(t, "-ERR unknown command\r\n")+"/0", 2*time.Second)
	storetest.StoreError(t, err, "telethon-redis", stores.ErrTLS, nil, pw)
}

func TestOpenRefusesOtherSchemes(t *testing.T) {
	u, _ := stores.ParseURL("postgres://u:pw-secret-xyz@127.0.0.1/db")
	_, err := redis.Open(context.Background(), u, redis.Options{Layout: redis.TeleRedis})
	storetest.StoreError(t, err, "telethon-redis", stores.ErrBadURL, nil, "pw-secret-xyz")
}

func benchRecord(b *testing.B) *compat.Stored {
	return &compat.Stored{Session: storetest.Session(b), Entities: storetest.Entities()}
}

// BenchmarkRead reads one session (with its 3 cached entities) per op.
func BenchmarkRead(b *testing.B) {
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		b.Run(l.Kind(), func(b *testing.B) {
			e := newEnvB(b)
			s := e.openB(b, l)
			if err := s.Write(context.Background(), "bench", benchRecord(b), false); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				r, err := s.Read(context.Background(), "bench")
				if err != nil {
					b.Fatal(err)
				}
				r.Wipe()
			}
		})
	}
}

// BenchmarkWrite replaces one session (with its 3 cached entities) per op.
func BenchmarkWrite(b *testing.B) {
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		b.Run(l.Kind(), func(b *testing.B) {
			e := newEnvB(b)
			s := e.openB(b, l)
			rec := benchRecord(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Write(context.Background(), "bench", rec, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkList10k lists a store holding 10,000 sessions.
func BenchmarkList10k(b *testing.B) {
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		b.Run(l.Kind(), func(b *testing.B) {
			e := newEnvB(b)
			s := e.openB(b, l)
			ctx := context.Background()
			v, _ := redis.Encode(l, benchRecord(b))
			p := e.raw.Pipeline()
			for i := range 10000 {
				if l == redis.TeleRedis {
					p.Set(ctx, fmt.Sprintf("%s:%s:s%05d:sessions:2", e.prefix, redis.DefaultTeleRedisPrefix, i), v.Session, 0)
				} else {
					p.HSet(ctx, fmt.Sprintf("%s:%s:s%05d:auth", e.prefix, redis.DefaultHashPrefix, i), "dc_id", "2", "auth_key", v.Fields["auth_key"])
				}
			}
			if _, err := p.Exec(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				names, err := s.List(ctx)
				if err != nil || len(names) != 10000 {
					b.Fatalf("%d names, %v", len(names), err)
				}
			}
		})
	}
}

// A cancelled context ends every call with ErrUnreachable and
// context.Canceled in the chain.
func TestCancelledContext(t *testing.T) {
	e := newEnv(t)
	s := e.open(t, redis.TeleRedis, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Read(ctx, "x")
	se := storetest.StoreError(t, err, "telethon-redis", stores.ErrUnreachable, nil)
	if !errors.Is(se, context.Canceled) {
		t.Fatalf("no context.Canceled in the chain: %v", se)
	}
	err = s.Write(ctx, "x", &compat.Stored{Session: storetest.Session(t)}, false)
	storetest.StoreError(t, err, "telethon-redis", context.Canceled, keyBytes())
	_, err = s.List(ctx)
	storetest.StoreError(t, err, "telethon-redis", context.Canceled, nil)
}
