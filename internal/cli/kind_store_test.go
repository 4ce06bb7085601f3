package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/compat"
)

// The store tests run against the servers named by these variables and
// are skipped, saying so, when a variable is unset. The MongoDB kinds
// (telethon-mongo, pyrogram-mongo) need FerretDB, which lives in a nested
// test-only module (stores/mongo/ferrettest): they are not run here.
const (
	envPostgres = "TGSESSION_TEST_POSTGRES_URL"
	envMySQL    = "TGSESSION_TEST_MYSQL_URL"
	envRedis    = "TGSESSION_TEST_REDIS_URL"
)

// runCLI runs the CLI in process with env and stdin.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	c, stdout, stderr := testCLI(stdin, env)
	code := c.run(args)
	return stdout.String(), stderr.String(), code
}

func testSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// storeCase is one store kind on one server, with its URL in $STORE_URL
// and the extra flags the test's own location needs.
type storeCase struct {
	kind  string
	url   string
	flags []string
}

// storeCases returns the store kinds on the servers that are configured,
// each with its own table prefix or database, cleaned up after the test.
func storeCases(t *testing.T) []storeCase {
	var out []storeCase
	dir := t.TempDir()
	out = append(out, storeCase{"telethon-sqlalchemy", "sqlite:///" + filepath.Join(dir, "alchemy.db"), nil})
	for _, env := range []string{envPostgres, envMySQL} {
		raw := os.Getenv(env)
		if raw == "" {
			t.Logf("%s is not set: telethon-sqlalchemy on that server is skipped", env)
			continue
		}
		prefix := "tgs" + testSuffix() + "_"
		out = append(out, storeCase{"telethon-sqlalchemy", raw, []string{"--table-prefix", prefix}})
		t.Cleanup(func() { dropTables(t, env, raw, prefix) })
	}
	if raw := os.Getenv(envRedis); raw != "" {
		out = append(out, storeCase{"telethon-redis", raw, nil}, storeCase{"telethon-redis-hash", raw, nil})
	} else {
		t.Logf("%s is not set: telethon-redis and telethon-redis-hash are skipped", envRedis)
	}
	t.Logf("telethon-mongo and pyrogram-mongo are not tested here: MongoDB runs as FerretDB in the nested module stores/mongo/ferrettest")
	return out
}

func dropTables(t *testing.T, env, raw, prefix string) {
	driver, dsn := "pgx", raw
	if env == envMySQL {
		// mysql://user@host:port/db -> user@tcp(host:port)/db
		rest := strings.TrimPrefix(raw, "mysql://")
		at := strings.LastIndex(rest, "@")
		user, hostdb := rest[:at], rest[at+1:]
		host, db, _ := strings.Cut(hostdb, "/")
		driver, dsn = "mysql", user+"@tcp("+host+")/"+db
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	defer db.Close()
	for _, tb := range []string{"update_state", "sent_files", "entities", "sessions", "version"} {
		if _, err := db.Exec("DROP TABLE IF EXISTS " + prefix + tb); err != nil {
			t.Errorf("cleanup: drop %s%s: %v", prefix, tb, err)
		}
	}
}

// cleanRedis removes the keys of the session names used by a test.
func cleanRedis(t *testing.T, names ...string) {
	raw := os.Getenv(envRedis)
	if raw == "" {
		return
	}
	opt, err := goredis.ParseURL(raw)
	require.NoError(t, err)
	rc := goredis.NewClient(opt)
	defer rc.Close()
	ctx := context.Background()
	for _, n := range names {
		for _, pat := range []string{"telethon:client:" + n + ":*", "telethon:session:" + n + ":*"} {
			keys, err := rc.Keys(ctx, pat).Result()
			require.NoError(t, err)
			if len(keys) > 0 {
				require.NoError(t, rc.Del(ctx, keys...).Err())
			}
		}
	}
}

// inspectStore returns inspect --json of a stored session.
func inspectStore(t *testing.T, env map[string]string, sc storeCase, name string) map[string]any {
	t.Helper()
	args := append([]string{"inspect", "--json", "--from", sc.kind, "--store-env", "STORE_URL", "--name", name}, sc.flags...)
	out, errOut, code := runCLI(t, env, "", args...)
	require.Equal(t, 0, code, errOut)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	return m
}

// sessionFields are the inspect keys compared across a round trip.
var sessionFields = []string{"dc_id", "server_address", "port", "auth_key_id", "entities"}

func TestStoreKindsRoundTripEveryStringFormatAndFile(t *testing.T) {
	// Inputs: the Telethon vector in every string format, and .session files.
	flagsFor := map[string][]string{
		"pyrogram":        {"--api-id", "12345", "--user-id", "777000", "--bot=false", "--test-mode=false"},
		"pyrogram-legacy": {"--user-id", "777000", "--bot=false", "--test-mode=false"},
		"mtcute":          {"--user-id", "777000", "--bot=false", "--test-mode=false"},
		"gotd":            {"--test-mode=false"},
	}
	inputs := map[string]string{}
	for _, f := range []string{"telethon", "pyrogram", "pyrogram-legacy", "gramjs", "mtcute", "gotd"} {
		out, errOut, code := runCLI(t, nil, fakeSession+"\n", append([]string{"convert", "--to", f}, flagsFor[f]...)...)
		require.Equal(t, 0, code, errOut)
		inputs[f] = out
	}
	files := []string{"telethon_v7.session", "pyrofork_v4.session"}
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o600))
	}

	stateCarried := 0
	defer func() {
		require.NotZero(t, stateCarried, "no store carried an update state (telethon-sqlalchemy on SQLite always runs)")
	}()
	for _, sc := range storeCases(t) {
		env := map[string]string{"STORE_URL": sc.url}
		store := append([]string{"--store-env", "STORE_URL"}, sc.flags...)
		var names []string
		write := func(name, stdin string, src ...string) (string, int) {
			args := append(append([]string{"convert", "--to", sc.kind, "--name", name}, store...), src...)
			_, errOut, code := runCLI(t, env, stdin, args...)
			return errOut, code
		}
		roundTrip := func(label, in, format string, src ...string) {
			a, b := "a"+testSuffix(), "b"+testSuffix()
			names = append(names, a, b)
			errOut, code := write(a, in, src...)
			require.Equal(t, 0, code, "%s %s: %s", sc.kind, label, errOut)
			// Never replaced without --force.
			errOut, code = write(a, in, src...)
			require.Equal(t, 1, code, "%s %s: a second write replaced the session", sc.kind, label)
			require.Contains(t, errOut, "--force")
			// Back out as the input's format, and in again: a fixed point.
			args := append(append([]string{"convert", "--from", sc.kind, "--name", a, "--to", format}, store...), flagsFor[format]...)
			text, errOut, code := runCLI(t, env, "", args...)
			require.Equal(t, 0, code, "%s %s: %s", sc.kind, label, errOut)
			errOut, code = write(b, text)
			require.Equal(t, 0, code, "%s %s: %s", sc.kind, label, errOut)
			ja, jb := inspectStore(t, env, sc, a), inspectStore(t, env, sc, b)
			for _, k := range sessionFields[:4] {
				require.Equal(t, ja[k], jb[k], "%s %s: %s differs after store -> %s -> store", sc.kind, label, k, format)
			}
			require.Equal(t, "d4f08ec480f06bdb", ja["auth_key_id"], "%s %s", sc.kind, label)
			if format == "telethon" || format == "gramjs" {
				require.Equal(t, in, text, "%s %s: the string does not come back as it went in", sc.kind, label)
			}
		}
		for f, text := range inputs {
			roundTrip(f, text, f)
		}
		// .session files: entities and update state carry into the store
		// and back into a file.
		for _, f := range files {
			a := "f" + testSuffix()
			names = append(names, a)
			errOutWrite, code := write(a, "", filepath.Join(dir, f))
			require.Equal(t, 0, code, "%s %s: %s", sc.kind, f, errOutWrite)
			out := filepath.Join(t.TempDir(), "back.session")
			args := append([]string{"convert", "--from", sc.kind, "--name", a, "--to", "telethon-sqlite", "--out", out}, store...)
			_, errOut, code := runCLI(t, env, "", args...)
			require.Equal(t, 0, code, "%s %s: %s", sc.kind, f, errOut)
			jin := inspectJSONOf(t, filepath.Join(dir, f))
			jback := inspectJSONOf(t, out)
			require.Equal(t, jin["auth_key_id"], jback["auth_key_id"])
			require.Equal(t, jin["dc_id"], jback["dc_id"])
			k, _ := lookupStoreKind(sc.kind)
			if k.holds("entities") {
				require.Equal(t, jin["entities"], jback["entities"], "%s %s: entities lost", sc.kind, f)
			}
			// Update state carries where the store holds it, and is
			// reported as dropped where it does not.
			orig, err := compat.ReadFile(filepath.Join(dir, f), compat.ReadOptions{})
			require.NoError(t, err)
			back, err := compat.ReadFile(out, compat.ReadOptions{})
			require.NoError(t, err)
			if orig.UpdateState != nil {
				if k.holds("update_state") {
					require.Equal(t, orig.UpdateState.PTS, back.UpdateState.PTS, "%s %s", sc.kind, f)
					require.Equal(t, orig.UpdateState.QTS, back.UpdateState.QTS, "%s %s", sc.kind, f)
					require.Equal(t, orig.UpdateState.Seq, back.UpdateState.Seq, "%s %s", sc.kind, f)
					require.Equal(t, len(orig.UpdateState.Channels), len(back.UpdateState.Channels), "%s %s", sc.kind, f)
					stateCarried++
				} else {
					require.Contains(t, errOutWrite, "update_state: dropped", "%s %s", sc.kind, f)
				}
			}
			if orig.Session.APIID.Known() && !k.holds("api_id") {
				require.Contains(t, errOutWrite, "api_id: dropped", "%s %s", sc.kind, f)
			}
			orig.Wipe()
			back.Wipe()
		}
		t.Cleanup(func() { cleanRedis(t, names...) })
	}
}

func inspectJSONOf(t *testing.T, path string) map[string]any {
	t.Helper()
	out, errOut, code := runCLI(t, nil, "", "inspect", "--json", path)
	require.Equal(t, 0, code, errOut)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	return m
}

func TestStoreURLWithPasswordOnArgvIsRefusedUnechoed(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	for _, args := range [][]string{
		{"list", "--from", "telethon-redis", "--store", "redis://user:" + pw + "@127.0.0.1:1/0"},
		{"inspect", "--from", "telethon-sqlalchemy", "--name", "x", "--store", "postgres://u:" + pw + "@127.0.0.1:1/db"},
		{"convert", "--to", "telethon-redis", "--name", "x", "--store", "redis://:" + pw + "@127.0.0.1:1/0"},
		{"list", "--from", "telethon-mongo", "--store", "mongodb://127.0.0.1:1/db?password=" + pw},
	} {
		out, errOut, code := runCLI(t, nil, fakeSession, args...)
		require.Equal(t, 2, code, "%v: %s", args[0], errOut)
		require.Contains(t, errOut, "--store-env")
		require.NotContains(t, out+errOut, pw)
	}
}

func TestStoreListNamesSessionsWithoutSecrets(t *testing.T) {
	if os.Getenv(envRedis) == "" {
		t.Skipf("%s is not set: the Redis list test is skipped", envRedis)
	}
	env := map[string]string{"REDIS_URL": os.Getenv(envRedis)}
	name := "l" + testSuffix()
	t.Cleanup(func() { cleanRedis(t, name) })
	_, errOut, code := runCLI(t, env, fakeSession, "convert", "--to", "telethon-redis", "--store-env", "REDIS_URL", "--name", name)
	require.Equal(t, 0, code, errOut)
	out, errOut, code := runCLI(t, env, "", "list", "--from", "telethon-redis", "--store-env", "REDIS_URL", "--json")
	require.Equal(t, 0, code, errOut)
	var j struct {
		Kind  string   `json:"kind"`
		Names []string `json:"names"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	require.Equal(t, "telethon-redis", j.Kind)
	require.Contains(t, j.Names, name)
	require.NotContains(t, out, fakeSession[1:40])
	out, _, code = runCLI(t, env, "", "list", "--from", "telethon-redis", "--store-env", "REDIS_URL")
	require.Equal(t, 0, code)
	require.Contains(t, strings.Split(out, "\n"), name)
}

func TestStoreFlagsWithoutStoreKindAreRefused(t *testing.T) {
	_, errOut, code := runCLI(t, nil, fakeSession, "convert", "--to", "telethon", "--name", "x")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "store kind")
	_, errOut, code = runCLI(t, nil, "", "inspect", "--from", "telethon-redis", "--name", "x")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--store-env")
}

func TestStoreSessionSealsAndOpensBack(t *testing.T) {
	if os.Getenv(envRedis) == "" {
		t.Skipf("%s is not set: sealing from Redis is skipped", envRedis)
	}
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600))
	env := map[string]string{"REDIS_URL": os.Getenv(envRedis)}
	name := "s" + testSuffix()
	t.Cleanup(func() { cleanRedis(t, name) })
	_, errOut, code := runCLI(t, env, fakeSession, "convert", "--to", "telethon-redis", "--store-env", "REDIS_URL", "--name", name)
	require.Equal(t, 0, code, errOut)
	sealed, errOut, code := runCLI(t, env, "", "seal", "-q", "-r", id.Recipient().String(), "--from", "telethon-redis", "--store-env", "REDIS_URL", "--name", name)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, sealed, fakeSession[1:40])
	out, errOut, code := runCLI(t, env, sealed, "open", "-i", keyFile, "--to", "telethon")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, fakeSession+"\n", out)
}

func TestStoreURLFromFileWritesAndLists(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "store-url")
	require.NoError(t, os.WriteFile(urlFile, []byte("sqlite:///"+filepath.Join(dir, "bot.db")+"\n"), 0o600))
	_, errOut, code := runCLI(t, nil, fakeSession, "convert", "--to", "telethon-sqlalchemy", "--store-file", urlFile, "--name", "mybot")
	require.Equal(t, 0, code, errOut)
	out, errOut, code := runCLI(t, nil, "", "list", "--from", "telethon-sqlalchemy", "--store-file", urlFile)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "mybot\n", out)
	// A name the store does not hold.
	_, errOut, code = runCLI(t, nil, "", "inspect", "--from", "telethon-sqlalchemy", "--store-file", urlFile, "--name", "other")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "not found")
	require.Contains(t, errOut, "tgsession list")
	// Two locations at once are refused.
	_, errOut, code = runCLI(t, map[string]string{"U": "sqlite:///x.db"}, "", "list", "--from", "telethon-sqlalchemy", "--store-file", urlFile, "--store-env", "U")
	require.Equal(t, 2, code, errOut)
}

// A store write reports like a file conversion (compat.Shape): the missing
// address of a Telethon layout comes from the DC table, fields the layout
// cannot hold are dropped, and a contradicting flag is refused.
func TestStoreWriteReportsLikeAFile(t *testing.T) {
	pyro, errOut, code := runCLI(t, nil, fakeSession+"\n", "convert", "--to", "pyrogram", "--api-id", "12345", "--user-id", "777000", "--bot=false", "--test-mode=false")
	require.Equal(t, 0, code, errOut)
	store := "sqlite:///" + filepath.Join(t.TempDir(), "bot.db")
	_, errOut, code = runCLI(t, nil, pyro, "convert", "--to", "telethon-sqlalchemy", "--store", store, "--name", "p")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "server_address: defaulted (149.154.167.51)")
	require.Contains(t, errOut, "api_id: dropped (12345): telethon-sqlalchemy does not store the api_id")
	require.Contains(t, errOut, "user_id: dropped (777000)")
	out, errOut, code := runCLI(t, nil, "", "inspect", "--json", "--from", "telethon-sqlalchemy", "--store", store, "--name", "p")
	require.Equal(t, 0, code, errOut)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	require.Equal(t, "149.154.167.51", m["server_address"])
	require.Equal(t, "d4f08ec480f06bdb", m["auth_key_id"])

	_, errOut, code = runCLI(t, nil, pyro, "convert", "--to", "telethon-sqlalchemy", "--store", store, "--name", "q", "--user-id", "5")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "contradicts")
}
