package dump

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/internal/redistest"
	"github.com/tgsession/tgsession/fleet/pgfleet"
	"github.com/tgsession/tgsession/fleet/redisfleet"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/vault"
)

// secretSession is a session with a random key, its session strings in
// two formats, and the key's encodings to search for.
type secretSession struct {
	s       *codec.Session
	needles map[string][]byte // description → bytes that must not appear
}

func newSecret(t *testing.T) *secretSession {
	raw := make([]byte, codec.AuthKeySize)
	_, _ = rand.Read(raw)
	key, err := codec.NewAuthKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
	n := map[string][]byte{
		"raw key":                  raw,
		"key hex":                  []byte(hex.EncodeToString(raw)),
		"key HEX":                  []byte(strings.ToUpper(hex.EncodeToString(raw))),
		"key base64":               []byte(base64.StdEncoding.EncodeToString(raw)),
		"key base64url":            []byte(base64.RawURLEncoding.EncodeToString(raw)),
		"key, first 32 bytes":      raw[:32],
		"key, last 32 bytes":       raw[len(raw)-32:],
		"key hex, first 64 digits": []byte(hex.EncodeToString(raw[:32])),
	}
	for what, f := range map[string]func() (string, error){"telethon session text": s.EncodeTelethon, "gramjs session text": s.EncodeGramJS} {
		text, err := f()
		if err != nil {
			t.Fatal(err)
		}
		n[what] = []byte(text)
	}

	return &secretSession{s: s, needles: n}
}

func (ss *secretSession) sealed(t *testing.T) []byte {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	vs, err := vault.NewSession(ss.s)
	if err != nil {
		t.Fatal(err)
	}
	defer vs.Destroy()
	b, err := vs.Seal(vault.FormText, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// found names the needles present in dump (names only: never the bytes).
func (ss *secretSession) found(dump []byte) []string {
	var out []string
	for what, n := range ss.needles {
		if bytes.Contains(dump, n) {
			out = append(out, what)
		}
	}
	return out
}

func keyID(ss *secretSession) string { return ss.s.AuthKeyID().String() }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// write stores a few sessions through s: a Put, a lease, a write-back of a
// second sealed value. It returns the secrets.
func write(t *testing.T, s fleet.Store) []*secretSession {
	var out []*secretSession
	for _, name := range []string{"bot-1", "bot-2"} {
		ss := newSecret(t)
		if err := s.Put(ctx(t), fleet.Meta{Name: name, AuthKeyID: keyID(ss), Labels: map[string]string{"env": "prod"}}, ss.sealed(t), false); err != nil {
			t.Fatal(err)
		}
		out = append(out, ss)
	}
	l, err := s.Acquire(ctx(t), "bot-1", "host-a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ss := newSecret(t) // a new key after a DC migration
	if err := s.WriteBack(ctx(t), l, keyID(ss), ss.sealed(t)); err != nil {
		t.Fatal(err)
	}
	return append(out, ss)
}

func TestRedisDumpHoldsNoKeyOrSessionText(t *testing.T) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("skipped: no redis-cli")
	}
	srv := redistest.Start(t, "--rdbcompression", "no", "--repl-diskless-sync-delay", "0")
	u, _ := stores.ParseURL(srv.URL())
	s, err := redisfleet.Open(ctx(t), u, redisfleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	secrets := write(t, s)
	// Control: a key stored in plain must be found, or the search is blind.
	control := newSecret(t)
	rdb := filepath.Join(t.TempDir(), "dump.rdb")
	dump := func() []byte {
		host, port, _ := strings.Cut(srv.Addr(), ":")
		out, err := exec.Command("redis-cli", "-h", host, "-p", port, "--rdb", rdb).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli --rdb: %v\n%s", err, out)
		}
		b, err := os.ReadFile(rdb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := dump()
	if !bytes.Contains(b, []byte("tgsession:fleet:s:bot-1")) || !bytes.Contains(b, []byte("tgsession-age-v1:")) {
		t.Fatal("the dump does not hold the fleet keys: the search would prove nothing")
	}
	for i, ss := range secrets {
		if f := ss.found(b); len(f) > 0 {
			t.Errorf("session %d: the RDB dump holds %v", i, f)
		}
	}
	// The server's own files (the append-only file) too.
	_ = filepath.WalkDir(srv.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, ss := range secrets {
			if f := ss.found(data); len(f) > 0 {
				t.Errorf("session %d: the server file %s holds %v", i, filepath.Base(path), f)
			}
		}
		return nil
	})
	rc := redisRaw(t, srv.Addr())
	if err := rc.Set(ctx(t), "control", control.needles["raw key"], 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.Set(ctx(t), "control-text", control.needles["telethon session text"], 0).Err(); err != nil {
		t.Fatal(err)
	}
	if f := control.found(dump()); len(f) < 2 {
		t.Fatalf("the control key stored in plain was not found (%v): the search is blind", f)
	}
}

func TestPostgresDumpHoldsNoKeyOrSessionText(t *testing.T) {
	url := os.Getenv("TGSESSION_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("skipped: set TGSESSION_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the pg_dump test")
	}
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("skipped: no pg_dump")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "tgsession_test_dump_" + hex.EncodeToString(b)
	c, err := pgx.Connect(ctx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
		c.Close(context.Background())
	})
	u, _ := stores.ParseURL(url)
	s, err := pgfleet.Open(ctx(t), u, pgfleet.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	secrets := write(t, s)
	dump := func() []byte {
		out, err := exec.Command("pg_dump", "--dbname="+url, "--schema="+schema).Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		return out
	}
	d := dump()
	if !bytes.Contains(d, []byte("bot-1")) || !bytes.Contains(d, []byte("sessions")) {
		t.Fatal("the dump does not hold the fleet rows: the search would prove nothing")
	}
	for i, ss := range secrets {
		if f := ss.found(d); len(f) > 0 {
			t.Errorf("session %d: pg_dump holds %v", i, f)
		}
	}
	control := newSecret(t)
	tbl := pgx.Identifier{schema, "control"}.Sanitize()
	if _, err := c.Exec(ctx(t), `CREATE TABLE `+tbl+` (k bytea, s text)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx(t), `INSERT INTO `+tbl+` VALUES ($1, $2)`, control.needles["raw key"], string(control.needles["telethon session text"])); err != nil {
		t.Fatal(err)
	}
	if f := control.found(dump()); len(f) < 2 {
		t.Fatalf("the control key stored in plain was not found (%v): the search is blind", f)
	}
}
