package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// copyVector copies a compat/testdata .session file into dir as name.
func copyVector(t *testing.T, dir, vector, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", vector))
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// listStore returns the names list --json prints for a store.
func listStore(t *testing.T, env map[string]string, kind string, flags ...string) []string {
	t.Helper()
	out, errOut, code := runCLI(t, env, "", append([]string{"list", "--json", "--from", kind}, flags...)...)
	require.Equal(t, 0, code, errOut)
	var j struct {
		Names []string `json:"names"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &j))
	return j.Names
}

// TestConvertStoreToStore moves a session from Redis into PostgreSQL and
// from PostgreSQL into an SQLite file in one command each: the --to-store-*
// flags locate the store written, --to-name and --to-table-prefix default
// to the source's, and the key, DC and entity cache arrive intact.
func TestConvertStoreToStore(t *testing.T) {
	redisURL, pgURL := os.Getenv(envRedis), os.Getenv(envPostgres)
	if redisURL == "" || pgURL == "" {
		t.Skipf("%s and %s are both needed: the Redis -> PostgreSQL move is skipped", envRedis, envPostgres)
	}
	dir := t.TempDir()
	account := copyVector(t, dir, "telethon_v7.session", "account.session")
	want := inspectJSONOf(t, account)
	require.NotZero(t, want["entities"], "the vector must have an entity cache for this test to mean anything")
	name := "tgs-stores-cli-move-" + testSuffix()
	prefix := "tgs" + testSuffix() + "_"
	t.Cleanup(func() { cleanRedis(t, name); dropTables(t, envPostgres, pgURL, prefix) })
	sqliteURL := "sqlite:///" + filepath.Join(dir, "bot.db")
	env := map[string]string{"REDIS_URL": redisURL, "DATABASE_URL": pgURL}

	_, errOut, code := runCLI(t, env, "", "convert", "--to", "telethon-redis", "--store-env", "REDIS_URL", "--name", name, account)
	require.Equal(t, 0, code, errOut)

	check := func(label string, args ...string) {
		t.Helper()
		out, errOut, code := runCLI(t, env, "", append([]string{"inspect", "--json"}, args...)...)
		require.Equal(t, 0, code, "%s: %s", label, errOut)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		for _, k := range []string{"dc_id", "server_address", "port", "auth_key_id", "entities"} {
			require.Equal(t, want[k], got[k], "%s: %s", label, k)
		}
	}

	// Redis -> PostgreSQL: the name carries over (no --to-name).
	_, errOut, code = runCLI(t, env, "", "convert", "--from", "telethon-redis", "--store-env", "REDIS_URL", "--name", name,
		"--to", "telethon-sqlalchemy", "--to-store-env", "DATABASE_URL", "--to-table-prefix", prefix)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, `written to telethon-sqlalchemy session "`+name+`"`)
	check("postgres", "--from", "telethon-sqlalchemy", "--store-env", "DATABASE_URL", "--table-prefix", prefix, "--name", name)
	require.Equal(t, []string{name}, listStore(t, env, "telethon-sqlalchemy", "--store-env", "DATABASE_URL", "--table-prefix", prefix))
	// The source is untouched (reading never writes).
	check("redis after", "--from", "telethon-redis", "--store-env", "REDIS_URL", "--name", name)
	// Never over an existing session without --force.
	_, errOut, code = runCLI(t, env, "", "convert", "--from", "telethon-redis", "--store-env", "REDIS_URL", "--name", name,
		"--to", "telethon-sqlalchemy", "--to-store-env", "DATABASE_URL", "--to-table-prefix", prefix)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--force")

	// PostgreSQL -> SQLite file (a URL without a password may be an
	// argument), under another name; the table prefix defaults to the
	// source's.
	_, errOut, code = runCLI(t, env, "", "convert", "--from", "telethon-sqlalchemy", "--store-env", "DATABASE_URL", "--table-prefix", prefix, "--name", name,
		"--to", "telethon-sqlalchemy", "--to-store", sqliteURL, "--to-name", "mybot")
	require.Equal(t, 0, code, errOut)
	check("sqlite", "--from", "telethon-sqlalchemy", "--store", sqliteURL, "--table-prefix", prefix, "--name", "mybot")
	// And with --to-table-prefix "" into the unprefixed tables.
	_, errOut, code = runCLI(t, env, "", "convert", "--from", "telethon-sqlalchemy", "--store-env", "DATABASE_URL", "--table-prefix", prefix, "--name", name,
		"--to", "telethon-sqlalchemy", "--to-store", sqliteURL, "--to-name", "mybot", "--to-table-prefix", "")
	require.Equal(t, 0, code, errOut)
	check("sqlite, no prefix", "--from", "telethon-sqlalchemy", "--store", sqliteURL, "--name", "mybot")
}

// TestConvertStoreToStoreRefusals: the destination flags act or are
// refused, never silently ignored, and a password is never an argument.
func TestConvertStoreToStoreRefusals(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	dir := t.TempDir()
	db := "sqlite:///" + filepath.Join(dir, "a.db")
	env := map[string]string{"U": db}
	_, errOut, code := runCLI(t, env, fakeSession, "convert", "--to", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot")
	require.Equal(t, 0, code, errOut)
	for _, tc := range []struct {
		args []string
		want string
	}{
		// The same session in the same store.
		{[]string{"--from", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot", "--to", "telethon-sqlalchemy"}, "same session"},
		// Destination flags without a store target.
		{[]string{"--from", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot", "--to", "telethon", "--to-name", "x"}, "--to-name locates the store written"},
		{[]string{"--to", "gramjs", "--to-store-env", "U"}, "--to-store-env locates the store written"},
		// --name and --to-name both naming the session written.
		{[]string{"--to", "telethon-sqlalchemy", "--store-env", "U", "--name", "a", "--to-name", "b"}, "both name the session written"},
		// A password in --to-store.
		{[]string{"--from", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot", "--to", "telethon-redis", "--to-store", "redis://:" + pw + "@127.0.0.1:1/0"}, "--store-env"},
		// Two destination locations.
		{[]string{"--from", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot", "--to", "telethon-redis", "--to-store-env", "U", "--to-store", "redis://127.0.0.1:1/0"}, "one of"},
	} {
		out, errOut, code := runCLI(t, env, fakeSession, append([]string{"convert"}, tc.args...)...)
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want, "%v", tc.args)
		require.NotContains(t, out+errOut, pw)
	}
	// Nothing was written by the refusals.
	require.Equal(t, []string{"mybot"}, listStore(t, env, "telethon-sqlalchemy", "--store-env", "U"))
}

// TestConvertSeveralInputsIntoStore: several inputs (or a directory) into
// one store are written each under its file name's stem, as a batch that
// goes on after a bad input; --name with several inputs, an input without
// a file name and two inputs with one stem are refused before anything is
// written.
func TestConvertSeveralInputsIntoStore(t *testing.T) {
	cases := []storeCase{{"telethon-sqlalchemy", "sqlite:///" + filepath.Join(t.TempDir(), "s.db"), nil}}
	if raw := os.Getenv(envRedis); raw != "" {
		cases = append(cases, storeCase{"telethon-redis", raw, nil})
	} else {
		t.Logf("%s is not set: the Redis batch is skipped", envRedis)
	}
	for _, sc := range cases {
		t.Run(sc.kind, func(t *testing.T) {
			dir := t.TempDir()
			sfx := testSuffix()
			a, b := "tgs-stores-cli-a"+sfx, "tgs-stores-cli-b"+sfx
			if strings.HasPrefix(sc.url, "redis") {
				t.Cleanup(func() { cleanRedis(t, a, b) })
			}
			pa := copyVector(t, dir, "telethon_v7.session", a+".session")
			pb := copyVector(t, dir, "telethon_v7.session", b+".session")
			env := map[string]string{"STORE_URL": sc.url}
			store := []string{"--to", sc.kind, "--store-env", "STORE_URL"}
			run := func(stdin string, args ...string) (string, string, int) {
				return runCLI(t, env, stdin, append(append([]string{"convert"}, store...), args...)...)
			}

			// Refusals first: nothing may be written by them.
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"--name", "x", pa, pb}, "--name names one session"},
				{[]string{pa, "-"}, "standard input has no file name"},
				{[]string{pa, filepath.Join(dir, "sub", a+".txt")}, "would both be written as"},
				{[]string{"--user-id", "777000", pa, pb}, "--user-id would give all 2 inputs"},
				{[]string{"--out", dir + "/", pa, pb}, "not to --out"},
				{[]string{"--skip-existing", pa, pb}, "--skip-existing applies to output files"},
			} {
				require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o700))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", a+".txt"), []byte(fakeSession), 0o600))
				_, errOut, code := run(fakeSession, tc.args...)
				require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
				require.Contains(t, errOut, tc.want, "%v", tc.args)
			}
			_, errOut, code := runCLI(t, env, "", "inspect", "--from", sc.kind, "--store-env", "STORE_URL", "--name", a)
			require.Equal(t, 1, code, "a refused batch wrote %s: %s", a, errOut)
			require.Contains(t, errOut, "not found")

			// A bad input fails on its own; the others are written.
			bad := filepath.Join(dir, "broken.session")
			require.NoError(t, os.WriteFile(bad, []byte("not a session"), 0o600))
			out, errOut, code := run("", "--json", pa, bad, pb)

			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, "2 converted, 1 failed")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 3)
			var r struct {
				Input, Output string
				OK            bool
			}
			require.NoError(t, json.Unmarshal([]byte(lines[0]), &r))
			require.True(t, r.OK)
			require.Equal(t, sc.kind+` session "`+a+`"`, r.Output)
			names := listStore(t, env, sc.kind, "--store-env", "STORE_URL")
			require.Contains(t, names, a)
			require.Contains(t, names, b)
			require.NotContains(t, names, "broken")
			ja := inspectStore(t, env, storeCase{sc.kind, sc.url, nil}, a)
			require.Equal(t, inspectJSONOf(t, pa)["auth_key_id"], ja["auth_key_id"])

			// Again: each exists, each is refused on its own without --force.
			_, errOut, code = run("", pa, pb)
			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, "0 converted, 2 failed")
			// A directory input: its *.session files, with --force.
			require.NoError(t, os.Remove(bad))
			_, errOut, code = run("", "--force", dir)
			require.Equal(t, 0, code, errOut)
			require.Contains(t, errOut, "2 converted, 0 failed, 1 skipped")
		})
	}
}
