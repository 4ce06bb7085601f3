package sqlalchemy_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/sqlalchemy"
)

// db is one test's own database on one server.
type db struct {
	name string // dialect: postgres, mysql, sqlite
	u    stores.URL
	raw  *sql.DB
	dump string // the ground-truth dump for the dialect
}

// dialects returns a fresh database on every server available (SQLite
// always; PostgreSQL and MariaDB when their variables are set), each
// removed at the end of the test.
func dialects(t *testing.T) []*db {
	t.Helper()
	var out []*db
	out = append(out, newSQLite(t))
	for _, f := range []func(testing.TB) *db{newPostgresTB, newMySQLTB} {
		if d := f(t); d != nil {
			out = append(out, d)
		}
	}
	return out
}

func newSQLite(t *testing.T) *db { return newSQLiteTB(t) }

func newSQLiteTB(t testing.TB) *db {
	path := filepath.Join(t.TempDir(), "bot.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	u, err := stores.ParseURL("sqlite:///" + path)
	if err != nil {
		t.Fatal(err)
	}
	return &db{name: "sqlite", u: u, raw: raw, dump: "alchemy-sqlite-core.txt"}
}

func newPostgresTB(t testing.TB) *db {
	raw := getenvURL(storetest.EnvPostgres)
	if raw == "" {
		t.Logf("PostgreSQL skipped: %s is not set", storetest.EnvPostgres)
		return nil
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		t.Fatal(err)
	}
	name := "tgstest_" + storetest.Suffix()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(raw)
	pu.Path = "/" + name
	conn, err := sql.Open("pgx", pu.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		_ = admin.Close()
	})
	u, err := stores.ParseURL(pu.String())
	if err != nil {
		t.Fatal(err)
	}
	return &db{name: "postgres", u: u, raw: conn, dump: "alchemy-postgres-core.txt"}
}

func newMySQL(t *testing.T) *db { return newMySQLTB(t) }

func newMySQLTB(t testing.TB) *db {
	raw := getenvURL(storetest.EnvMySQL)
	if raw == "" {
		t.Logf("MySQL skipped: %s is not set", storetest.EnvMySQL)
		return nil
	}
	mu, _ := url.Parse(raw)
	cfg := mysql.NewConfig()
	cfg.User = mu.User.Username()
	cfg.Passwd, _ = mu.User.Password()
	cfg.Net, cfg.Addr = "tcp", mu.Host
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	name := "tgstest_" + storetest.Suffix()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	conn, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		_ = admin.Close()
	})
	mu.Path = "/" + name
	u, err := stores.ParseURL(mu.String())
	if err != nil {
		t.Fatal(err)
	}
	return &db{name: "mysql", u: u, raw: conn, dump: "alchemy-mariadb-core.txt"}
}

func getenvURL(env string) string {
	return strings.TrimSpace(lookupEnv(env))
}

// load creates the dump's tables (with prefix) and inserts its rows.
func (d *db) load(t *testing.T, prefix string) storetest.SQLDump {
	t.Helper()
	dump := storetest.ParseSQLDump(t, d.dump)
	for _, stmt := range dump.DDL {
		if d.name == "mysql" {
			// MySQL refuses create_all's BLOB primary key part (error
			// 1170): the dump's tables were created by hand like this.
			stmt = strings.Replace(stmt, "md5_digest BLOB", "md5_digest VARBINARY(16)", 1)
		}
		stmt = strings.Replace(stmt, "CREATE TABLE ", "CREATE TABLE "+prefix, 1)
		if _, err := d.raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
	}
	for _, table := range []string{"version", "sessions", "entities", "update_state"} {
		for _, row := range dump.Rows[table] {
			var cols []string
			var args []any
			for k, v := range row {
				cols = append(cols, k)
				if k == "auth_key" {
					b, _ := hex.DecodeString(v.(string))
					v = b
				}
				args = append(args, v)
			}
			ph := make([]string, len(cols))
			for i := range ph {
				ph[i] = "?"
				if d.name == "postgres" {
					ph[i] = fmt.Sprintf("$%d", i+1)
				}
			}
			q := "INSERT INTO " + prefix + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
			if _, err := d.raw.Exec(q, args...); err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
		}
	}
	return dump
}

func (d *db) openTB(b testing.TB) *sqlalchemy.Store { return d.openOpts(b, sqlalchemy.Options{}) }

func (d *db) open(t *testing.T, opts sqlalchemy.Options) *sqlalchemy.Store {
	return d.openOpts(t, opts)
}

func (d *db) openOpts(t testing.TB, opts sqlalchemy.Options) *sqlalchemy.Store {
	t.Helper()
	s, err := sqlalchemy.Open(context.Background(), d.u, opts)
	if err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rows returns a table's rows for one session as the dump shows them
// (auth_key and md5_digest as hex strings, integers as int64).
func (d *db) rows(t *testing.T, table, name string) []map[string]any {
	t.Helper()
	ph := "?"
	if d.name == "postgres" {
		ph = "$1"
	}
	rs, err := d.raw.Query("SELECT * FROM "+table+" WHERE session_id = "+ph, name)
	if table == "version" {
		rs, err = d.raw.Query("SELECT * FROM " + table)
	}
	if err != nil {
		t.Fatalf("%s: %v", d.name, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []map[string]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		for i, c := range cols {
			v := vals[i]
			switch x := v.(type) {
			case []byte:
				if c == "auth_key" || c == "md5_digest" {
					v = hex.EncodeToString(x)
				} else {
					v = string(x)
				}
			case int32:
				v = int64(x)
			}
			if s, ok := v.(string); ok && d.name == "mysql" && c != "auth_key" {
				// MySQL's text protocol returns numbers as text.
				var n int64
				if _, err := fmt.Sscan(s, &n); err == nil && fmt.Sprint(n) == s && c != "session_id" && c != "username" && c != "name" && c != "server_address" {
					v = n
				}
			}
			m[c] = v
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(fmt.Sprint(a["id"]), fmt.Sprint(b["id"])) })
	return out
}

func keyBytes() [][]byte { return [][]byte{storetest.Key()} }

func sameRecord(t *testing.T, got *compat.Stored, wantEnts []compat.Entity, wantStates *compat.UpdateState) {
	t.Helper()
	want := storetest.Session(t)
	s := got.Session
	if s.DC != want.DC || s.ServerAddress != want.ServerAddress || s.Port != want.Port || s.AuthKeyID() != want.AuthKeyID() {
		t.Fatalf("session %v, want %v", s, want)
	}
	if s.APIID.Known() || s.UserID.Known() || s.IsBot.Known() || s.TestMode.Known() || got.TakeoutID.Known() {
		t.Fatalf("session holds fields the layout has not: %v", s)
	}
	ents := slices.Clone(got.Entities)
	slices.SortFunc(ents, func(a, b compat.Entity) int { return cmpInt(a.ID, b.ID) })
	if len(ents) != len(wantEnts) {
		t.Fatalf("%d entities, want %d", len(ents), len(wantEnts))
	}
	for i := range ents {
		g, w := ents[i], wantEnts[i]
		if g.ID != w.ID || g.AccessHash != w.AccessHash || g.Username != w.Username || g.Phone != w.Phone || g.Name != w.Name || g.Type != w.Type {
			t.Fatalf("entity %d: %+v, want %+v", i, g, w)
		}
	}
	if !reflect.DeepEqual(got.UpdateState, wantStates) {
		t.Fatalf("update state %+v, want %+v", got.UpdateState, wantStates)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var dumpState = &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7}

// The dumps of what alchemysession wrote (core mode) on PostgreSQL,
// MariaDB and SQLite read back as the session, its three entities and its
// update state.
func TestReadDump(t *testing.T) {
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "")
			s := d.open(t, sqlalchemy.Options{})
			r, err := s.Read(context.Background(), "bot-1")
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, r, storetest.Entities(), dumpState)
			if r.Layout != "alchemysession" {
				t.Fatalf("layout %q", r.Layout)
			}
		})
	}
}

// Writing the dump's session into an empty database creates
// alchemysession's tables and rows: the rows equal the dump's, column for
// column.
func TestWriteMatchesDump(t *testing.T) {
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t, sqlalchemy.Options{})
			rec := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(), UpdateState: dumpState}
			if err := s.Write(context.Background(), "bot-1", rec, false); err != nil {
				t.Fatal(err)
			}
			want := storetest.ParseSQLDump(t, d.dump)
			for _, table := range []string{"version", "sessions", "entities", "sent_files", "update_state"} {
				got := d.rows(t, table, "bot-1")
				wantRows := want.Rows[table]
				slices.SortFunc(wantRows, func(a, b map[string]any) int { return strings.Compare(fmt.Sprint(a["id"]), fmt.Sprint(b["id"])) })
				if fmt.Sprint(got) != fmt.Sprint(wantRows) {
					t.Fatalf("%s rows differ from the dump:\n got %v\nwant %v", table, redactRows(got), redactRows(wantRows))
				}
			}
		})
	}
}

// redactRows hides auth_key in failure messages.
func redactRows(rows []map[string]any) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		m := map[string]any{}
		for k, v := range r {
			if k == "auth_key" {
				v = fmt.Sprintf("(%d hex chars)", len(fmt.Sprint(v)))
			}
			m[k] = v
		}
		out[i] = m
	}
	return out
}

// Round trips are fixed points, with a table prefix, and a Telethon string
// session survives string → store → string.
func TestRoundTripWithPrefix(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "tg_")
			s := d.open(t, sqlalchemy.Options{TablePrefix: "tg_"})
			r1, err := s.Read(ctx, "bot-1")
			if err != nil {
				t.Fatal(err)
			}
			text, _ := r1.Session.Encode(codec.Telethon)
			if err := s.Write(ctx, "copy", r1, false); err != nil {
				t.Fatal(err)
			}
			r2, err := s.Read(ctx, "copy")
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, r2, storetest.Entities(), dumpState)
			if text2, _ := r2.Session.Encode(codec.Telethon); text2 != text {
				t.Fatal("the Telethon string changed through the store")
			}
			if fmt.Sprint(d.rows(t, "tg_entities", "copy")) == "" {
				t.Fatal("no rows")
			}
			names, err := s.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names, []string{"bot-1", "copy"}) {
				t.Fatalf("List = %q", names)
			}
			// Without the prefix the tables are not found, and the error
			// says which prefix would work for mautrix's.
			plain := d.open(t, sqlalchemy.Options{})
			_, err = plain.Read(ctx, "bot-1")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrLayout, keyBytes())
		})
	}
}

// mautrix-telegram's variant: fixed telethon_ names, PK on session_id
// only, no version table, phone TEXT, NULL auth_key allowed.
func TestMautrix(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			blob := map[string]string{"postgres": "bytea", "mysql": "BLOB", "sqlite": "BLOB"}[d.name]
			text := map[string]string{"postgres": "TEXT", "mysql": "VARCHAR(255)", "sqlite": "TEXT"}[d.name]
			for _, stmt := range []string{
				"CREATE TABLE telethon_sessions (session_id " + text + " PRIMARY KEY, dc_id INTEGER, server_address TEXT, port INTEGER, auth_key " + blob + ")",
				"CREATE TABLE telethon_entities (session_id " + text + ", id BIGINT, hash BIGINT NOT NULL, username TEXT, phone TEXT, name TEXT, PRIMARY KEY (session_id, id))",
				"CREATE TABLE telethon_sent_files (session_id " + text + ", md5_digest " + map[string]string{"postgres": "bytea", "mysql": "VARBINARY(16)", "sqlite": "BLOB"}[d.name] + ", file_size INTEGER, type INTEGER, id BIGINT, hash BIGINT, PRIMARY KEY (session_id, md5_digest, file_size, type))",
				"CREATE TABLE telethon_update_state (session_id " + text + ", entity_id BIGINT, pts BIGINT, qts BIGINT, date BIGINT, seq BIGINT, unread_count INTEGER, PRIMARY KEY (session_id, entity_id))",
			} {
				if _, err := d.raw.Exec(stmt); err != nil {
					t.Fatal(err)
				}
			}
			plain := d.open(t, sqlalchemy.Options{})
			_, err := plain.Read(ctx, "42")
			e := storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrLayout, keyBytes())
			if !strings.Contains(e.Error(), `"telethon_"`) {
				t.Fatalf("the error does not name the prefix that exists: %v", e)
			}
			s := d.open(t, sqlalchemy.Options{TablePrefix: "telethon_"})
			rec := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(), UpdateState: dumpState}
			if err := s.Write(ctx, "42", rec, false); err != nil {
				t.Fatal(err)
			}
			r, err := s.Read(ctx, "42")
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, r, storetest.Entities(), dumpState)
			if r.Layout != "mautrix" {
				t.Fatalf("layout %q", r.Layout)
			}
			if got := d.rows(t, "telethon_entities", "42"); fmt.Sprint(got[0]["phone"]) != "15551234567" && fmt.Sprint(got[2]["phone"]) != "15551234567" {
				t.Fatalf("phone not stored as text: %v", got)
			}
			// A NULL key (mautrix writes one while logged out) is no session.
			if _, err := d.raw.Exec("UPDATE telethon_sessions SET auth_key = NULL"); err != nil {
				t.Fatal(err)
			}
			_, err = s.Read(ctx, "42")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrNotFound, keyBytes())
		})
	}
}

func TestWriteRefusesExisting(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "")
			s := d.open(t, sqlalchemy.Options{})
			other := &compat.Stored{Session: storetest.Session(t)}
			other.Session.DC = 4
			err := s.Write(ctx, "bot-1", other, false)
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrExists, keyBytes())
			r, err := s.Read(ctx, "bot-1")
			if err != nil {
				t.Fatal(err)
			}
			sameRecord(t, r, storetest.Entities(), dumpState)
			if err := s.Write(ctx, "bot-1", other, true); err != nil {
				t.Fatal(err)
			}
			r, err = s.Read(ctx, "bot-1")
			if err != nil {
				t.Fatal(err)
			}
			if r.Session.DC != 4 || len(r.Entities) != 0 || r.UpdateState != nil || len(r.OtherDCs) != 0 {
				t.Fatalf("after replace: DC %d, %d entities, state %v, others %v", r.Session.DC, len(r.Entities), r.UpdateState != nil, r.OtherDCs)
			}
			// A placeholder row without a key (alchemysession's first
			// set_dc) is not a session: writing over it needs no replace.
			if _, err := d.raw.Exec("INSERT INTO sessions (session_id, dc_id, server_address, port, auth_key) VALUES ('fresh', 2, '1.2.3.4', 443, " + emptyBlob(d) + ")"); err != nil {
				t.Fatal(err)
			}
			_, err = s.Read(ctx, "fresh")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrNotFound, keyBytes())
			if err := s.Write(ctx, "fresh", other, false); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func emptyBlob(d *db) string {
	if d.name == "postgres" {
		return "''::bytea"
	}
	return "X''"
}

// Several keyed rows for one name are an ambiguity naming the DCs.
func TestAmbiguousRows(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "")
			q := "INSERT INTO sessions (session_id, dc_id, server_address, port, auth_key) SELECT session_id, 4, server_address, port, auth_key FROM sessions WHERE dc_id = 2"
			if _, err := d.raw.Exec(q); err != nil {
				t.Fatal(err)
			}
			s := d.open(t, sqlalchemy.Options{})
			_, err := s.Read(ctx, "bot-1")
			e := storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrAmbiguous, keyBytes())
			if a, _ := errors.AsType[*stores.AmbiguousError](e); !slices.Equal(a.DCs, []int{2, 4}) {
				t.Fatalf("DCs %v", a.DCs)
			}
			r, err := d.open(t, sqlalchemy.Options{DC: 4}).Read(ctx, "bot-1")
			if err != nil || r.Session.DC != 4 || !slices.Equal(r.OtherDCs, []int{2}) {
				t.Fatalf("DC 4: %v", err)
			}
		})
	}
}

// Wrong types and impossible values are typed errors that leak no key.
func TestBadValues(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "")
			s := d.open(t, sqlalchemy.Options{})
			ph := func(i int) string {
				if d.name == "postgres" {
					return fmt.Sprintf("$%d", i)
				}
				return "?"
			}
			ins := func(name string, key []byte) {
				t.Helper()
				if _, err := d.raw.Exec("INSERT INTO sessions (session_id, dc_id, server_address, port, auth_key) VALUES ("+ph(1)+", 2, '149.154.167.51', 443, "+ph(2)+")", name, key); err != nil {
					t.Fatal(err)
				}
			}
			long := append(storetest.Key(), storetest.Key()...)
			ins("short", storetest.Key()[:255])
			ins("long", long)
			ins("zero", make([]byte, 256))
			for name, want := range map[string]error{"short": codec.ErrBadKey, "long": codec.ErrBadKey, "zero": codec.ErrZeroKey} {
				_, err := s.Read(ctx, name)
				storetest.StoreError(t, err, sqlalchemy.Kind, want, keyBytes())
				storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadValue, keyBytes())
			}
			_, err := s.Read(ctx, "nobody")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrNotFound, keyBytes())
		})
	}
}

// An auth_key column of a text type is refused as the wrong SQL type;
// SQLite's dynamic typing is checked per value.
func TestWrongColumnType(t *testing.T) {
	ctx := context.Background()
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			if _, err := d.raw.Exec("CREATE TABLE sessions (session_id VARCHAR(255), dc_id INTEGER, server_address VARCHAR(255), port INTEGER, auth_key TEXT)"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.raw.Exec("INSERT INTO sessions VALUES ('t', 2, '1.2.3.4', 443, '" + hex.EncodeToString(storetest.Key()) + "')"); err != nil {
				t.Fatal(err)
			}
			_, err := d.open(t, sqlalchemy.Options{}).Read(ctx, "t")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadValue, keyBytes())
		})
	}
	t.Run("sqlite-dynamic", func(t *testing.T) {
		d := newSQLite(t)
		d.load(t, "")
		if _, err := d.raw.Exec("UPDATE sessions SET auth_key = '" + strings.Repeat("k", 256) + "'"); err != nil {
			t.Fatal(err)
		}
		_, err := d.open(t, sqlalchemy.Options{}).Read(ctx, "bot-1")
		storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadValue, keyBytes())
		if _, err := d.raw.Exec("UPDATE sessions SET dc_id = 'two'"); err != nil {
			t.Fatal(err)
		}
		_, err = d.open(t, sqlalchemy.Options{}).Read(ctx, "bot-1")
		storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadValue, keyBytes())
	})
}

// Reading never writes: an SQLite file is byte-identical after Read and
// List, and a missing file is not created.
func TestReadDoesNotWrite(t *testing.T) {
	ctx := context.Background()
	d := newSQLite(t)
	d.load(t, "")
	_ = d.raw.Close()
	path := d.u.FilePath()
	before := readFile(t, path)
	s := d.open(t, sqlalchemy.Options{})
	if _, err := s.Read(ctx, "bot-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx); err != nil {
		t.Fatal(err)
	}
	if after := readFile(t, path); string(after) != string(before) {
		t.Fatal("Read changed the file")
	}
	missing, _ := stores.ParseURL("sqlite:///" + filepath.Join(t.TempDir(), "none.db"))
	ms, err := sqlalchemy.Open(ctx, missing, sqlalchemy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	_, err = ms.Read(ctx, "bot-1")
	storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrNotFound, nil)
	_, err = ms.List(ctx)
	storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrNotFound, nil)
	if fileExists(missing.FilePath()) {
		t.Fatal("reading created the file")
	}
	if err := ms.Write(ctx, "bot-1", &compat.Stored{Session: storetest.Session(t)}, false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(missing.FilePath()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the written file: %v %v", fi.Mode(), err)
	}
}

func TestUnreachableAuthTLS(t *testing.T) {
	ctx := context.Background()
	const pw = "pw-do-not-print-7"
	open := func(raw string) error {
		t.Helper()
		u, err := stores.ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = sqlalchemy.Open(ctx, u, sqlalchemy.Options{Timeout: 2 * time.Second})
		if d := time.Since(start); d > 8*time.Second {
			t.Fatalf("took %v", d)
		}
		return err
	}
	storetest.StoreError(t, open("postgres://u:"+pw+"@"+storetest.ClosedPort(t)+"/db"), sqlalchemy.Kind, stores.ErrUnreachable, nil, pw)
	storetest.StoreError(t, open("mysql://u:"+pw+"@"+storetest.ClosedPort(t)+"/db"), sqlalchemy.Kind, stores.ErrUnreachable, nil, pw)
	storetest.StoreError(t, open("postgres://u:"+pw+"@"+storetest.SilentServer(t)+"/db?connect_timeout=1"), sqlalchemy.Kind, stores.ErrUnreachable, nil, pw)
	storetest.StoreError(t, open("mysql://u:"+pw+"@"+storetest.SilentServer(t)+"/db"), sqlalchemy.Kind, stores.ErrUnreachable, nil, pw)
	// A PostgreSQL server that asks for a password and refuses it.
	storetest.StoreError(t, open("postgres://u:"+pw+"@"+fakePostgres(t)+"/db?sslmode=disable"), sqlalchemy.Kind, stores.ErrAuth, nil, pw)
	// sslmode=require against a server that refuses TLS.
	storetest.StoreError(t, open("postgres://u:"+pw+"@"+fakePostgres(t)+"/db?sslmode=require"), sqlalchemy.Kind, stores.ErrTLS, nil, pw)

	if raw := getenvURL(storetest.EnvPostgres); raw != "" {
		pu, _ := url.Parse(raw)
		q := pu.Query()
		q.Set("sslmode", "verify-full")
		pu.RawQuery = q.Encode()
		pu.User = url.UserPassword(pu.User.Username(), pw)
		err := open(pu.String())
		// Debian's PostgreSQL serves a self-signed snakeoil certificate;
		// a server without TLS refuses the request: both are TLS errors.
		storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrTLS, nil, pw)
	}
	if raw := getenvURL(storetest.EnvMySQL); raw != "" {
		mu, _ := url.Parse(raw)
		// A user with a password, then the wrong one.
		admin := newMySQL(t)
		user := "tgs" + storetest.Suffix()[:8]
		if _, err := admin.raw.Exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'right-password-1'"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.raw.Exec("DROP USER '" + user + "'@'%'") })
		mu.User = url.UserPassword(user, pw)
		storetest.StoreError(t, open(mu.String()), sqlalchemy.Kind, stores.ErrAuth, nil, pw)
		q := mu.Query()
		q.Set("tls", "true")
		mu.RawQuery = q.Encode()
		storetest.StoreError(t, open(mu.String()), sqlalchemy.Kind, stores.ErrTLS, nil, pw)
	}
}

func TestBadURLs(t *testing.T) {
	ctx := context.Background()
	for _, raw := range []string{"mysql://u:pw-xyz-secret@127.0.0.1/db?evil=1", "mysql://u:pw-xyz-secret@127.0.0.1/", "sqlite:///x.db?mode=rwc", "redis://u:pw-xyz-secret@h/0"} {
		u, err := stores.ParseURL(raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sqlalchemy.Open(ctx, u, sqlalchemy.Options{})
		storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadURL, nil, "pw-xyz-secret")
	}
	u, _ := stores.ParseURL("sqlite:///x.db")
	_, err := sqlalchemy.Open(ctx, u, sqlalchemy.Options{TablePrefix: "a; DROP TABLE x"})
	storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrBadURL, nil)
}

func benchDialects(b *testing.B) []*db {
	var out []*db
	out = append(out, newSQLiteTB(b))
	for _, f := range []func(testing.TB) *db{newPostgresTB, newMySQLTB} {
		if d := f(b); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// BenchmarkRead reads one session (3 entities, 1 update state row) per op.
func BenchmarkRead(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.name, func(b *testing.B) {
			s := d.openTB(b)
			rec := &compat.Stored{Session: storetest.Session(b), Entities: storetest.Entities(), UpdateState: dumpState}
			if err := s.Write(context.Background(), "bench", rec, false); err != nil {
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

// BenchmarkWrite replaces one session (3 entities, 1 update state row) per
// op, in one transaction.
func BenchmarkWrite(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.name, func(b *testing.B) {
			s := d.openTB(b)
			rec := &compat.Stored{Session: storetest.Session(b), Entities: storetest.Entities(), UpdateState: dumpState}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Write(context.Background(), "bench", rec, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkList10k lists a database holding 10,000 sessions.
func BenchmarkList10k(b *testing.B) {
	for _, d := range benchDialects(b) {
		b.Run(d.name, func(b *testing.B) {
			s := d.openTB(b)
			ctx := context.Background()
			if err := s.Write(ctx, "s00000", &compat.Stored{Session: storetest.Session(b)}, false); err != nil {
				b.Fatal(err)
			}
			q := "INSERT INTO sessions (session_id, dc_id, server_address, port, auth_key) SELECT ?, dc_id, server_address, port, auth_key FROM sessions WHERE session_id = 's00000'"
			if d.name == "postgres" {
				q = strings.Replace(q, "?", "$1", 1)
			}
			tx, err := d.raw.Begin()
			if err != nil {
				b.Fatal(err)
			}
			for i := 1; i < 10000; i++ {
				if _, err := tx.Exec(q, fmt.Sprintf("s%05d", i)); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
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
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			d.load(t, "")
			s := d.open(t, sqlalchemy.Options{})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := s.Read(ctx, "bot-1")
			storetest.StoreError(t, err, sqlalchemy.Kind, stores.ErrUnreachable, keyBytes())
			storetest.StoreError(t, err, sqlalchemy.Kind, context.Canceled, keyBytes())
			err = s.Write(ctx, "new", &compat.Stored{Session: storetest.Session(t)}, false)
			storetest.StoreError(t, err, sqlalchemy.Kind, context.Canceled, keyBytes())
			_, err = s.List(ctx)
			storetest.StoreError(t, err, sqlalchemy.Kind, context.Canceled, nil)
		})
	}
}

func TestTarget(t *testing.T) {
	in := &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(), TakeoutID: codec.Some[int64](1)}
	in.Session.UserID = codec.Some[int64](5)
	in.Session.ServerAddress, in.Session.Port = "", 0
	out, rep, err := compat.Shape(in, sqlalchemy.Target(), compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Wipe()
	var got []string
	for _, c := range rep.Changes {
		got = append(got, c.Kind.String()+" "+c.Field)
	}
	want := []string{"defaulted server_address", "defaulted port", "dropped user_id", "dropped takeout_id"}
	if !slices.Equal(got, want) {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if out.TakeoutID.Known() || out.Session.ServerAddress != "149.154.167.51" || out.Session.Port != 443 || rep.To != sqlalchemy.Kind {
		t.Fatalf("shaped: takeout %v, address %q:%d, to %q", out.TakeoutID.Known(), out.Session.ServerAddress, out.Session.Port, rep.To)
	}
}

// Per-channel update state (pts, qts, seq, date, unread_count) and the
// common state's unread_count carry through a write and a read.
func TestChannelStatesCarry(t *testing.T) {
	want := &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7, UnreadCount: 2,
		Channels: []compat.ChannelState{{ID: 1234567890, PTS: 555, QTS: 3, Seq: 4, Date: codec.Some[float64](1767323046), UnreadCount: 9}}}
	for _, d := range dialects(t) {
		t.Run(d.name, func(t *testing.T) {
			s := d.open(t, sqlalchemy.Options{})
			rec := &compat.Stored{Session: storetest.Session(t), UpdateState: want}
			if err := s.Write(context.Background(), "states", rec, false); err != nil {
				t.Fatal(err)
			}
			r, err := s.Read(context.Background(), "states")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.UpdateState, want) {
				t.Fatalf("update state %+v, want %+v", r.UpdateState, want)
			}
		})
	}
}
