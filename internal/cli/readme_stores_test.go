package cli

import (
	"database/sql"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeStoreLines returns the "$ tgsession …" lines of the README's
// session store section.
func readmeStoreLines(t *testing.T) []string {
	t.Helper()
	readme := string(mustRead(t, filepath.Join("..", "..", "README.md")))
	i := strings.Index(readme, "### Session stores")
	require.GreaterOrEqual(t, i, 0, "README: no session store section")
	sec := readme[i+3:]
	if j := strings.Index(sec, "\n### "); j >= 0 {
		sec = sec[:j]
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\$ (tgsession .*)$`).FindAllStringSubmatch(sec, -1) {
		out = append(out, m[1])
	}
	return out
}

// readmeStoreJobs returns, per store kind, the README's example of each
// job: a .session file into the store, and one sealed out of it.
func readmeStoreJobs(lines []string) (write, seal map[string]string) {
	write, seal = map[string]string{}, map[string]string{}
	for _, l := range lines {
		f := strings.Fields(l)
		for i := 0; i+1 < len(f); i++ {
			switch {
			case f[1] == "convert" && f[i] == "--to" && !strings.Contains(l, "--from ") && strings.HasSuffix(f[len(f)-1], ".session"):
				write[f[i+1]] = l
			case f[1] == "seal" && f[i] == "--from":
				seal[f[i+1]] = l
			}
		}
	}
	return write, seal
}

// runReadmeLine runs a README command line in process, as the shell would:
// files are in dir, "> FILE" writes standard output to dir/FILE, and age1…
// is the test recipient.
func runReadmeLine(t *testing.T, env map[string]string, dir, line string) (string, string, int) {
	t.Helper()
	f := strings.Fields(line)[1:]
	redirect := ""
	if i := slicesIndex(f, ">"); i >= 0 {
		redirect, f = f[i+1], f[:i]
	}
	for i, a := range f {
		switch {
		case a == "age1…":
			f[i] = testRecipient
		case strings.HasSuffix(a, ".session"):
			f[i] = filepath.Join(dir, a)
		}
	}
	out, errOut, code := runCLI(t, env, "", f...)
	if redirect != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, redirect), []byte(out), 0o600))
	}
	return out, errOut, code
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestReadmeStoreExamples: the README shows both jobs users have for every
// store kind, and they work as written: a .session file goes into the
// store, the session sealed out of it opens to the same key; the exec and
// store-to-store examples work too. telethon-sqlalchemy runs on SQLite
// always and on a PostgreSQL database of its own when configured, the
// Redis kinds on Redis when configured; the MongoDB kinds run in the
// nested module stores/mongo/ferrettest (TestCLI/readme).
func TestReadmeStoreExamples(t *testing.T) {
	lines := readmeStoreLines(t)
	write, seal := readmeStoreJobs(lines)
	for _, k := range storeKindNames() {
		require.NotEmpty(t, write[k], "README: no example of moving a .session file into %s", k)
		require.NotEmpty(t, seal[k], "README: no example of sealing a session out of %s", k)
	}

	dir := t.TempDir()
	copyVector(t, dir, "telethon_v7.session", "account.session")
	copyVector(t, dir, "pyrogram_v3.session", "pyrogram.session")
	keyFile := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(testIdentity+"\n"), 0o600))

	type server struct{ label, databaseURL, redisURL string }
	servers := []server{{label: "sqlite", databaseURL: "sqlite:///" + filepath.Join(dir, "bot.db")}}
	if raw := os.Getenv(envPostgres); raw != "" {
		servers = append(servers, server{label: "postgres", databaseURL: readmePostgresDB(t, raw)})
	} else {
		t.Logf("%s is not set: the README's telethon-sqlalchemy examples run on SQLite only", envPostgres)
	}
	if raw := os.Getenv(envRedis); raw != "" {
		// The README's name (mybot) in a Redis database of its own.
		u, err := url.Parse(raw)
		require.NoError(t, err)
		u.Path = "/13"
		servers[0].redisURL = u.String()
		t.Setenv(envRedis, u.String()) // cleanRedis uses it
		cleanRedis(t, "mybot")
		t.Cleanup(func() { cleanRedis(t, "mybot") })
	} else {
		t.Logf("%s is not set: the README's Redis examples are skipped", envRedis)
	}

	ran, want := 0, 0
	for _, sv := range servers {
		env := map[string]string{"DATABASE_URL": sv.databaseURL}
		if sv.redisURL != "" {
			env["REDIS_URL"] = sv.redisURL
		}
		for _, k := range storeKindNames() {
			if strings.Contains(write[k], "MONGODB_URI") || (strings.Contains(write[k], "REDIS_URL") && sv.redisURL == "") ||
				(strings.Contains(write[k], "DATABASE_URL") && sv.databaseURL == "") {
				continue
			}
			_, errOut, code := runReadmeLine(t, env, dir, write[k])
			require.Equal(t, 0, code, "%s: README: %s: %s", sv.label, write[k], errOut)
			_, errOut, code = runReadmeLine(t, env, dir, seal[k])
			require.Equal(t, 0, code, "%s: README: %s: %s", sv.label, seal[k], errOut)
			out, errOut, code := runCLI(t, nil, "", "open", "-i", keyFile, "--in", filepath.Join(dir, "session.sealed"), "--to", "telethon")
			require.Equal(t, 0, code, "%s: %s: open the sealed value: %s", sv.label, k, errOut)
			in := fields(t, strings.Fields(write[k])[len(strings.Fields(write[k]))-1], dir, "")
			require.Equal(t, in["auth_key_id"], fields(t, "", dir, out)["auth_key_id"], "%s: %s: the sealed session is not the one that went in", sv.label, k)
			ran++
		}
		want++ // telethon-sqlalchemy
		if sv.redisURL == "" {
			continue
		}
		want += 4 // telethon-redis, telethon-redis-hash, exec, store to store
		// exec straight from the store, and a move between stores.
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "tgsession exec ") && strings.Contains(l, "REDIS_URL"):
				argv := strings.Fields(l)[1:]
				if _, err := exec.LookPath(argv[len(argv)-2]); err != nil {
					argv[len(argv)-2] = "sh" // the program itself is not run
				}
				e := map[string]string{"PATH": os.Getenv("PATH"), "REDIS_URL": sv.redisURL, "XDG_CONFIG_HOME": dir}
				_, child := execChild(t, e, argv[1:]...)
				v, ok := childVar(child, "TG_SESSION")
				require.True(t, ok, "README: %s", l)
				want, errOut, code := runCLI(t, nil, "", "convert", "--to", "telethon", filepath.Join(dir, "account.session"))
				require.Equal(t, 0, code, errOut)
				require.True(t, v == strings.TrimSpace(want), "README: %s: the program does not get the session", l)
				_, ok = childVar(child, "REDIS_URL")
				require.False(t, ok, "README: %s: the program gets REDIS_URL", l)
				ran++
			case strings.HasPrefix(l, "tgsession convert --from telethon-redis") && strings.Contains(l, "--to-store-env DATABASE_URL"):
				// Into a store that does not hold mybot yet.
				e := map[string]string{"REDIS_URL": sv.redisURL, "DATABASE_URL": "sqlite:///" + filepath.Join(dir, "moved.db")}
				_, errOut, code := runReadmeLine(t, e, dir, l)
				require.Equal(t, 0, code, "README: %s: %s", l, errOut)
				out, errOut, code := runCLI(t, e, "", "convert", "--from", "telethon-sqlalchemy", "--store-env", "DATABASE_URL", "--name", "mybot", "--to", "telethon")
				require.Equal(t, 0, code, errOut)
				require.Equal(t, fields(t, filepath.Join(dir, "account.session"), dir, "")["auth_key_id"], fields(t, "", dir, out)["auth_key_id"])
				ran++
			}
		}
	}
	require.Equal(t, want, ran, "a README store example is missing or was not run")
}

// fields returns inspect --json of a file (path) or of a string (text).
func fields(t *testing.T, path, dir, text string) map[string]any {
	t.Helper()
	if path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		return inspectJSONOf(t, path)
	}
	out, errOut, code := runCLI(t, nil, text, "inspect", "--json")
	require.Equal(t, 0, code, errOut)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	return m
}

// readmePostgresDB creates a PostgreSQL database for the README's examples
// (which use the default table names) and returns its URL; it is dropped
// at the end of the test.
func readmePostgresDB(t *testing.T, raw string) string {
	t.Helper()
	db, err := sql.Open("pgx", raw)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	name := "tgs_stores_cli_readme_" + testSuffix()
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("cleanup: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(raw)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}
