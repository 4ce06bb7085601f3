package stores_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tgsession/tgsession/stores"
)

const secret = "s3cr3t-pa55w0rd-value"

// Every rendering of a URL with a password leaves the password out: each
// fmt verb and flag, by value and by pointer, inside structs through
// exported and unexported fields, JSON, text and slog.
func TestURLNeverPrintsPassword(t *testing.T) {
	raws := []string{
		"postgres://bot:" + secret + "@db.example:5432/bots?sslmode=require",
		"postgresql+psycopg2://bot:" + secret + "@db.example/bots",
		"mysql+pymysql://bot:" + secret + "@db.example/bots",
		"redis://:" + secret + "@cache.example:6379/0",
		"rediss://default:" + secret + "@cache.example:6380/2",
		"mongodb://bot:" + secret + "@h1:27017,h2:27017/bots?replicaSet=rs0",
		"mongodb+srv://bot:" + secret + "@cluster.example/bots",
		"mongodb://h1/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:" + secret,
		"postgres://db.example/bots?password=" + secret,
		"mysql://bot:" + strings.ReplaceAll(secret, "5", "%35") + "@db.example/bots",
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p", "%10.3s", "%-40v", "%08x"}
	for _, raw := range raws {
		u, err := stores.ParseURL(raw)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if !u.HasCredentials() {
			t.Fatalf("URL %d: HasCredentials false", len(raw))
		}
		type exported struct{ U stores.URL }
		type unexported struct{ u stores.URL }
		type nested struct {
			p *stores.URL
			s []stores.URL
			m map[string]stores.URL
		}
		values := []any{u, &u, exported{u}, &exported{u}, unexported{u}, &unexported{u}, []stores.URL{u},
			map[string]stores.URL{"k": u}, nested{&u, []stores.URL{u}, map[string]stores.URL{"k": u}}, [1]stores.URL{u}}
		for _, v := range values {
			for _, verb := range verbs {
				check(t, fmt.Sprintf(verb, v), verb)
			}
		}
		for _, v := range values {
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			check(t, string(j), "json")
		}
		txt, _ := u.MarshalText()
		check(t, string(txt), "text")
		var b strings.Builder
		slog.New(slog.NewTextHandler(&b, nil)).Info("store", "url", u, "ptr", &u)
		slog.New(slog.NewJSONHandler(&b, nil)).Info("store", "url", u)
		check(t, b.String(), "slog")
		if !strings.Contains(u.String(), "xxxxx") {
			t.Fatalf("String does not show the redaction: %s", u)
		}
		if got := u.Reveal(); got == nil || !strings.Contains(got.String(), "pa") {
			t.Fatal("Reveal does not return the full URL")
		}
	}
}

func check(t *testing.T, out, what string) {
	t.Helper()
	for _, s := range []string{secret, strings.ToLower(fmt.Sprintf("%x", secret)), fmt.Sprintf("%X", secret), "pa55w0rd"} {
		if strings.Contains(out, s) {
			t.Fatalf("%s rendering (%d bytes) holds the password", what, len(out))
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw, scheme, db, path, host string
		creds                       bool
	}{
		{"postgres://postgres@127.0.0.1:5432/postgres", stores.SchemePostgres, "postgres", "", "127.0.0.1:5432", false},
		{"postgresql+asyncpg://u:p@h/db", stores.SchemePostgres, "db", "", "h", true},
		{"mysql://root@127.0.0.1:3306/test", stores.SchemeMySQL, "test", "", "127.0.0.1:3306", false},
		{"mariadb://root@h/x", stores.SchemeMySQL, "x", "", "h", false},
		{"sqlite:///relative/bot.db", stores.SchemeSQLite, "", "relative/bot.db", "", false},
		{"sqlite:////abs/bot.db", stores.SchemeSQLite, "", "/abs/bot.db", "", false},
		{"redis://127.0.0.1:6379/3", stores.SchemeRedis, "3", "", "127.0.0.1:6379", false},
		{"redis://user@h/0", stores.SchemeRedis, "0", "", "h", false},
		{"rediss://:pw@h", stores.SchemeRedisTLS, "", "", "h", true},
		{"mongodb://h1,h2/db?replicaSet=x", stores.SchemeMongo, "db", "", "h1,h2", false},
		{"mongodb+srv://u:p@c.example/db", stores.SchemeMongoSRV, "db", "", "c.example", true},
		{"mongodb://h/?tlsCertificateKeyFile=/k.pem", stores.SchemeMongo, "", "", "h", false},
	} {
		u, err := stores.ParseURL(tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		if u.Scheme() != tc.scheme || u.Database() != tc.db || u.FilePath() != tc.path || u.Host() != tc.host || u.HasCredentials() != tc.creds {
			t.Fatalf("%s: scheme %q db %q path %q host %q creds %v", tc.raw, u.Scheme(), u.Database(), u.FilePath(), u.Host(), u.HasCredentials())
		}
	}
	var zero stores.URL
	if !zero.IsZero() || zero.String() != "" || zero.Reveal() != nil || zero.Scheme() != "" {
		t.Fatal("zero URL")
	}
}

// Parse errors wrap ErrBadURL and never quote the URL (which may hold a
// password in a place the parser failed on).
func TestParseURLErrors(t *testing.T) {
	for _, raw := range []string{
		"postgres://u:" + secret + "@host:bad/db",
		"ftp://u:" + secret + "@h/x",
		"redis+x://u:" + secret + "@h/0",
		"u:" + secret + "@host/db",
		"postgres://u:" + secret + "@ho st/db",
		"postgres://u:" + secret + "@h/%zz",
		"sqlite://h/x.db",
		"sqlite://",
		"postgres://u:" + secret + "@h/\x00",
		"://" + secret,
		strings.Repeat("a", 10000),
		"p\x01ostgres://" + secret,
	} {
		_, err := stores.ParseURL(raw)
		if !errors.Is(err, stores.ErrBadURL) {
			t.Fatalf("URL of %d bytes: %v", len(raw), err)
		}
		check(t, err.Error(), "error")
		if strings.Contains(err.Error(), "host:bad") || strings.Contains(err.Error(), "ho st") {
			t.Fatalf("error quotes the URL: %v", err)
		}
	}
}

func TestDriverErrorScrubs(t *testing.T) {
	u, _ := stores.ParseURL("mongodb://bot:" + secret + "@h/db?authMechanismProperties=AWS_SESSION_TOKEN:tok-" + secret)
	err := stores.DriverError(context.Background(), "pyrogram-mongo", "read", "bot", u, nil,
		fmt.Errorf("driver said: dial mongodb://bot:%s@h/db failed\nsecond line\x00", secret))
	check(t, err.Error(), "driver error")
	if !errors.Is(err, stores.ErrServer) {
		t.Fatalf("unclassified driver error: %v", err)
	}
	if strings.ContainsAny(err.Error(), "\n\x00") {
		t.Fatal("control characters kept")
	}
	long := stores.DriverError(context.Background(), "k", "read", "", u, stores.ErrAuth, errors.New(strings.Repeat("x", 5000)))
	if len(long.Error()) > 600 || !errors.Is(long, stores.ErrAuth) {
		t.Fatalf("message of %d bytes", len(long.Error()))
	}
	e := stores.Errorf("telethon-redis", "read", strings.Repeat("n", 300)+"\x07", stores.ErrNotFound, "no key for DC %d", 4)
	if !errors.Is(e, stores.ErrNotFound) || strings.Contains(e.Error(), "\x07") || len(e.Error()) > 200 {
		t.Fatalf("Errorf: %q", e.Error())
	}
	amb := &stores.Error{Kind: "k", Op: "read", Name: "x", Err: &stores.AmbiguousError{DCs: []int{2, 4}}}
	if !errors.Is(amb, stores.ErrAmbiguous) || !strings.Contains(amb.Error(), "DCs 2, 4") {
		t.Fatal(amb)
	}
}

// sqlStateError stands for a driver's server error with a SQLSTATE (pgx's
// *pgconn.PgError has the same method).
type sqlStateError string

func (e sqlStateError) Error() string    { return "FATAL: server says (SQLSTATE " + string(e) + ")" }
func (e sqlStateError) SQLState() string { return string(e) }

// A server's "this connection is going away" codes (a restart) are
// ErrUnreachable, so callers retry on a new connection; other codes stay
// ErrServer.
func TestDriverErrorSQLState(t *testing.T) {
	u, _ := stores.ParseURL("postgres://h/db")
	for code, want := range map[string]error{
		"57P01": stores.ErrUnreachable, "57P02": stores.ErrUnreachable, "57P03": stores.ErrUnreachable,
		"08006": stores.ErrUnreachable, "08003": stores.ErrUnreachable,
		"42P01": stores.ErrServer, "57014": stores.ErrServer, "23505": stores.ErrServer,
	} {
		err := stores.DriverError(context.Background(), "k", "read", "", u, nil, fmt.Errorf("wrapped: %w", sqlStateError(code)))
		if !errors.Is(err, want) {
			t.Errorf("SQLSTATE %s: %v, want %v", code, err, want)
		}
	}
}
