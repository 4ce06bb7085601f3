package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// execStoreCases are the store kinds exec is tested with: alchemysession
// on SQLite always, on PostgreSQL and Redis when configured.
func execStoreCases(t *testing.T) []storeCase {
	var out []storeCase
	for _, sc := range storeCases(t) {
		if sc.kind == "telethon-sqlalchemy" && strings.HasPrefix(sc.url, "mysql://") {
			continue // MySQL is covered by the convert round trips
		}
		out = append(out, sc)
	}
	return out
}

// TestExecFromStoreSession: exec --env NAME=KIND:SESSION reads the session
// from the store and hands the child exactly the converted session: not
// the variable holding the store's URL, no age identity needed, and the
// rest of the environment as it was.
func TestExecFromStoreSession(t *testing.T) {
	for _, sc := range execStoreCases(t) {
		t.Run(sc.kind+"/"+strings.SplitN(sc.url, ":", 2)[0], func(t *testing.T) {
			name := "tgs-stores-cli-exec-" + testSuffix()
			if strings.HasPrefix(sc.url, "redis") {
				t.Cleanup(func() { cleanRedis(t, name) })
			}
			env := map[string]string{"STORE_URL": sc.url}
			_, errOut, code := runCLI(t, env, fakeSession, append([]string{"convert", "--to", sc.kind, "--store-env", "STORE_URL", "--name", name}, sc.flags...)...)
			require.Equal(t, 0, code, errOut)

			env = map[string]string{
				"PATH":            os.Getenv("PATH"),
				"KEEP":            "1",
				"STORE_URL":       sc.url,
				"XDG_CONFIG_HOME": t.TempDir(), // no identity anywhere: none is needed
			}
			args := append([]string{"--env", "TG=" + sc.kind + ":" + name, "--store-env", "STORE_URL"}, sc.flags...)
			argv, child := execChild(t, env, append(args, "--", "sh", "-c", "true")...)
			require.Equal(t, []string{"sh", "-c", "true"}, argv)
			v, ok := childVar(child, "TG")
			require.True(t, ok)
			require.True(t, v == fakeSession, "the child gets the session in the store's library's format (telethon) by default")
			_, ok = childVar(child, "STORE_URL")
			require.False(t, ok, "the child must not get the variable holding the store's URL")
			keep, _ := childVar(child, "KEEP")
			require.Equal(t, "1", keep)
			var names []string
			for _, kv := range child {
				k, _, _ := strings.Cut(kv, "=")
				names = append(names, k)
			}
			require.ElementsMatch(t, []string{"PATH", "KEEP", "XDG_CONFIG_HOME", "TG"}, names)

			// --as converts as convert does, with the value flags.
			_, child = execChild(t, env, append(args, "--as", "pyrogram", "--api-id", "12345", "--user-id", "777000", "--bot=false", "--", "sh", "-c", "true")...)
			v, _ = childVar(child, "TG")
			s, err := codec.DecodeAs(codec.Pyrogram, v)
			require.NoError(t, err)
			want, err := codec.DecodeAs(codec.Telethon, fakeSession)
			require.NoError(t, err)
			require.Equal(t, want.AuthKeyID(), s.AuthKeyID())
			require.Equal(t, codec.Some[int64](777000), s.UserID)
			require.Equal(t, codec.Some[uint32](12345), s.APIID)

			// --dry-run names the source and never the value.
			c, stdout, stderr := testCLI("", env)
			require.Equal(t, exitOK, c.run(append([]string{"exec", "--dry-run"}, append(args, "--", "sh", "-c", "true")...)), stderr.String())
			require.Contains(t, stdout.String(), "session TG: telethon string of 353 bytes, from "+sc.kind+":"+name)
			require.NotContains(t, stdout.String()+stderr.String(), fakeSession[1:40])
			require.NotContains(t, stdout.String(), "STORE_URL", "the dry run's environment leaves out the URL's variable")
		})
	}
}

// TestExecFromStoreSessionErrors: every way a store source can be wrong is
// a usage error (exit 2) or a failed input (exit 1) that names what to do,
// never the URL's password, and nothing runs.
func TestExecFromStoreSessionErrors(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	dir := t.TempDir()
	db := "sqlite:///" + filepath.Join(dir, "bot.db")
	_, errOut, code := runCLI(t, map[string]string{"U": db}, fakeSession, "convert", "--to", "telethon-sqlalchemy", "--store-env", "U", "--name", "mybot")
	require.Equal(t, 0, code, errOut)
	env := map[string]string{"PATH": os.Getenv("PATH"), "U": db, "XDG_CONFIG_HOME": dir}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		// No location.
		{[]string{"--env", "TG=telethon-sqlalchemy:mybot"}, 2, "--store-env"},
		// A password on argv.
		{[]string{"--env", "TG=telethon-redis:mybot", "--store", "redis://:" + pw + "@127.0.0.1:1/0"}, 2, "--store-env"},
		// A name the store does not hold.
		{[]string{"--env", "TG=telethon-sqlalchemy:other", "--store-env", "U"}, 1, "tgsession list"},
		// An empty name, an unknown kind (with a suggestion).
		{[]string{"--env", "TG=telethon-sqlalchemy:", "--store-env", "U"}, 2, "needs the session's name"},
		{[]string{"--env", "TG=telethon-reddis:mybot", "--store-env", "U"}, 2, `did you mean "telethon-redis"?`},
		// A store source and a fleet source share --store-env: refused.
		{[]string{"--env", "TG=telethon-sqlalchemy:mybot", "--env", "B=fleet:bot-1", "--store-env", "U"}, 2, "both stores"},
		// Store-only flags without a store source, fleet-only flags with one.
		{[]string{"--env", "TG=env:SEALED", "--store-file", "x"}, 2, "--store-file applies to store sources"},
		{[]string{"--env", "TG=env:SEALED", "--table-prefix", "x"}, 2, "--table-prefix applies to store sources"},
		{[]string{"--env", "TG=env:SEALED", "--store-env", "U"}, 2, "--store-env applies to fleet and store sources"},
		{[]string{"--env", "TG=telethon-sqlalchemy:mybot", "--store-env", "U", "--lease-ttl", "1m"}, 2, "--lease-ttl applies to fleet sources"},
		// pyrogram needs what a Telethon session lacks: the flag is named.
		{[]string{"--env", "TG=telethon-sqlalchemy:mybot", "--store-env", "U", "--as", "pyrogram"}, 1, "--user-id N"},
	} {
		c, stdout, stderr := testCLI("", env)
		c.execve = func(string, []string, []string) error {
			t.Fatalf("%v: the command ran", tc.args)
			return nil
		}
		got := c.run(append(append([]string{"exec"}, tc.args...), "--", "sh", "-c", "true"))
		require.Equal(t, tc.code, got, "%v: %s", tc.args, stderr.String())
		require.Contains(t, stderr.String(), tc.want, "%v", tc.args)
		require.NotContains(t, stdout.String()+stderr.String(), pw)
		require.NotContains(t, stdout.String()+stderr.String(), fakeSession[1:40])
	}
}

// TestExecFromStoreURLFile: --store-file locates the store for exec too.
func TestExecFromStoreURLFile(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "store-url")
	require.NoError(t, os.WriteFile(urlFile, []byte("sqlite:///"+filepath.Join(dir, "bot.db")+"\n"), 0o600))
	_, errOut, code := runCLI(t, nil, fakeSession, "convert", "--to", "telethon-sqlalchemy", "--store-file", urlFile, "--name", "mybot", "--table-prefix", "p_")
	require.Equal(t, 0, code, errOut)
	env := map[string]string{"PATH": os.Getenv("PATH"), "XDG_CONFIG_HOME": dir}
	_, child := execChild(t, env, "--env", "TG=telethon-sqlalchemy:mybot", "--store-file", urlFile, "--table-prefix", "p_", "--as", "gramjs", "--", "sh", "-c", "true")
	v, ok := childVar(child, "TG")
	require.True(t, ok)
	s, err := codec.DecodeAs(codec.GramJS, v)
	require.NoError(t, err)
	want, err := codec.DecodeAs(codec.Telethon, fakeSession)
	require.NoError(t, err)
	require.Equal(t, want.AuthKeyID(), s.AuthKeyID())
	// Without the prefix the tables are not there.
	c, _, stderr := testCLI("", env)
	require.Equal(t, 1, c.run([]string{"exec", "--env", "TG=telethon-sqlalchemy:mybot", "--store-file", urlFile, "--", "sh", "-c", "true"}), stderr.String())
}
