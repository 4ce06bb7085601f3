package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/vault"
)

// execChild runs `tgsession exec` with args in a CLI whose process
// environment is env (also set in the real environment, which the key
// search reads), and returns what execve would get.
func execChild(t *testing.T, env map[string]string, args ...string) (argv, childEnv []string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	c, _, stderr := testCLI("", env)
	c.execve = func(_ string, a, e []string) error {
		argv, childEnv = a, e
		return nil
	}
	require.Equal(t, exitOK, c.run(append([]string{"exec"}, args...)), stderr.String())
	return argv, childEnv
}

// childVar returns the value of name in env.
func childVar(env []string, name string) (string, bool) {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// sealWithCLI seals the session string in, as `tgsession seal` does, to
// testRecipient, with extra flags.
func sealWithCLI(t *testing.T, in string, flags ...string) string {
	t.Helper()
	c, stdout, stderr := testCLI(in, nil)
	require.Equal(t, exitOK, c.run(append([]string{"seal", "-r", testRecipient}, flags...)), stderr.String())
	return strings.TrimSpace(stdout.String())
}

// TestExecChildGetsNoKeyVariableAndNoSealedVariable: with every identity
// source set to a working key (TGSESSION_AGE_KEY, _FILE and _CMD) and one
// session from each kind of source (env:VAR, file:PATH and a bare vault
// entry name), the child gets exactly its own variables: none of
// TGSESSION_AGE_KEY*, no sealed variable and no sealed value.
func TestExecChildGetsNoKeyVariableAndNoSealedVariable(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(testIdentity+"\n"), 0o600))
	sealed := sealWithCLI(t, fakeSession)
	sealedFile := filepath.Join(dir, "sealed.age.asc")
	require.NoError(t, os.WriteFile(sealedFile, []byte(sealWithCLI(t, fakeSession, "--armor")), 0o600))
	vaultDir := filepath.Join(dir, "vault")
	c, _, stderr := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"vault", "add", "bot", "-r", testRecipient, "--vault", vaultDir}), stderr.String())

	env := map[string]string{
		"PATH":                   os.Getenv("PATH"),
		"KEEP":                   "1",
		"XDG_CONFIG_HOME":        filepath.Join(dir, "config"),
		"SEALED":                 sealed,
		"TGSESSION_AGE_KEY":      testIdentity,
		"TGSESSION_AGE_KEY_FILE": keyFile,
		"TGSESSION_AGE_KEY_CMD":  "cat '" + keyFile + "'",
	}
	argv, child := execChild(t, env, "--env", "A=env:SEALED", "--env", "B=file:"+sealedFile, "--env", "C=bot",
		"--vault", vaultDir, "--as", "telethon", "--", "sh", "-c", "true")
	require.Equal(t, []string{"sh", "-c", "true"}, argv)
	var names []string
	for _, kv := range child {
		k, v, _ := strings.Cut(kv, "=")
		names = append(names, k)
		require.False(t, strings.HasPrefix(k, vault.EnvKey), "the child gets $%s", k)
		require.NotContains(t, v, "tgsession-age-", "the child gets a sealed value in $%s", k)
		require.NotContains(t, v, "BEGIN AGE ENCRYPTED FILE", "the child gets a sealed value in $%s", k)
		testsecret.RequireNotContains(t, v, testIdentity, "an identity in the child's $"+k)
	}
	require.ElementsMatch(t, []string{"PATH", "KEEP", "XDG_CONFIG_HOME", "A", "B", "C"}, names)
	for _, name := range []string{"A", "B", "C"} {
		v, _ := childVar(child, name)
		testsecret.RequireSameText(t, fakeSession, v, "the child's $"+name)
	}
	_, ok := os.LookupEnv("SEALED")
	require.False(t, ok, "the sealed variable stays in this process")
}

// TestExecAcceptsABareVaultEntryName: NAME=ENTRY, without "vault:", is a
// vault entry, as the help says.
func TestExecAcceptsABareVaultEntryName(t *testing.T) {
	dir := t.TempDir()
	vaultDir := filepath.Join(dir, "vault")
	c, _, stderr := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"vault", "add", "my-bot.prod", "-r", testRecipient, "--vault", vaultDir}), stderr.String())
	env := map[string]string{"PATH": os.Getenv("PATH"), "XDG_CONFIG_HOME": filepath.Join(dir, "config"), "TGSESSION_AGE_KEY": testIdentity}
	for _, spec := range []string{"TG=my-bot.prod", "TG=vault:my-bot.prod"} {
		_, child := execChild(t, env, "--env", spec, "--vault", vaultDir, "--", "true")
		v, ok := childVar(child, "TG")
		require.True(t, ok, spec)
		testsecret.RequireSameText(t, fakeSession, v, "the child's $TG for "+spec)
	}
}

// TestExecFillsATelethonAddressForAPyrogramSession: a Pyrogram session
// holds no server address; exported as Telethon for the child it gets the
// DC's address from the conversion pipeline's DC table, as convert does.
func TestExecFillsATelethonAddressForAPyrogramSession(t *testing.T) {
	key, err := codec.NewAuthKey([]byte(strings.Repeat("p", codec.AuthKeySize)))
	require.NoError(t, err)
	pyro := &codec.Session{Info: codec.Info{Source: codec.Pyrogram, DC: 2, TestMode: codec.Some(false),
		APIID: codec.Some(uint32(12345)), UserID: codec.Some(int64(777000)), IsBot: codec.Some(false)}, Key: key}
	text, err := pyro.Encode(codec.Pyrogram)
	require.NoError(t, err)
	sealed := sealWithCLI(t, text)

	dir := t.TempDir()
	env := map[string]string{"PATH": os.Getenv("PATH"), "XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"TGSESSION_AGE_KEY": testIdentity, "SEALED": sealed}
	_, child := execChild(t, env, "--env", "TG=env:SEALED", "--as", "telethon", "--", "true")
	v, ok := childVar(child, "TG")
	require.True(t, ok)
	got, err := codec.DecodeAs(codec.Telethon, v)
	require.NoError(t, err)
	defer got.Wipe()
	require.Equal(t, 2, got.DC)
	require.Equal(t, "149.154.167.51", got.ServerAddress)
	require.Equal(t, uint16(443), got.Port)
	require.Equal(t, pyro.AuthKeyID(), got.AuthKeyID())
}

// TestExecKeySearchRunsOnceForEverySource: the key command runs once
// however many sources are opened.
func TestExecKeySearchRunsOnceForEverySource(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	require.NoError(t, os.WriteFile(keyFile, []byte(testIdentity+"\n"), 0o600))
	count := filepath.Join(dir, "runs")
	sealed := sealWithCLI(t, fakeSession)
	env := map[string]string{"PATH": os.Getenv("PATH"), "XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"TGSESSION_AGE_KEY_CMD": "echo run >> '" + count + "'; cat '" + keyFile + "'", "S1": sealed, "S2": sealed}
	_, child := execChild(t, env, "--env", "A=env:S1", "--env", "B=env:S2", "--", "true")
	_, ok := childVar(child, "B")
	require.True(t, ok)
	runs, err := os.ReadFile(count)
	require.NoError(t, err)
	require.Equal(t, "run\n", string(runs))
}

// TestExecRefusesSourcesItCannotOpen: each failing source fails the
// command with status 1 and a message naming the source, never a secret;
// a plain (unsealed) value is refused and its variable is still removed.
// (These held for the library's ExecEnv, which this engine replaces.)
func TestExecRefusesSourcesItCannotOpen(t *testing.T) {
	dir := t.TempDir()
	vaultDir := filepath.Join(dir, "vault")
	c, _, stderr := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"vault", "add", "bot", "-r", testRecipient, "--vault", vaultDir}), stderr.String())
	otherSealed := func() string {
		c, stdout, stderr := testCLI(fakeSession, nil)
		// age1… of an identity nobody here holds.
		require.Equal(t, exitOK, c.run([]string{"seal", "-r", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}), stderr.String())
		return strings.TrimSpace(stdout.String())
	}()
	base := map[string]string{"PATH": os.Getenv("PATH"), "XDG_CONFIG_HOME": filepath.Join(dir, "config"), "TGSESSION_AGE_KEY": testIdentity}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unset variable", nil, []string{"--env", "A=env:EXEC_TEST_UNSET"}, "EXEC_TEST_UNSET"},
		{"missing file", nil, []string{"--env", "A=file:" + filepath.Join(dir, "none.age")}, "none.age"},
		{"missing entry", nil, []string{"--env", "A=none", "--vault", vaultDir}, "none"},
		{"plain value", map[string]string{"EXEC_TEST_PLAIN": fakeSession}, []string{"--env", "A=env:EXEC_TEST_PLAIN"}, "EXEC_TEST_PLAIN"},
		{"wrong key", map[string]string{"EXEC_TEST_OTHER": otherSealed}, []string{"--env", "A=env:EXEC_TEST_OTHER"}, "no identity opens"},
		{"no identity", map[string]string{"TGSESSION_AGE_KEY": ""}, []string{"--env", "A=bot", "--vault", vaultDir}, "no age identity found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tc.env {
				env[k] = v
				t.Setenv(k, v)
			}
			for k, v := range env {
				t.Setenv(k, v)
			}
			c, stdout, stderr := testCLI("", env)
			c.execve = func(string, []string, []string) error {
				t.Fatal("the command ran although a source failed")
				return nil
			}
			require.Equal(t, exitFail, c.run(append(append([]string{"exec"}, tc.args...), "--", "true")))
			require.Contains(t, stderr.String(), tc.want)
			for _, out := range []string{stdout.String(), stderr.String()} {
				testsecret.RequireNotContains(t, out, fakeSession, "the session")
				testsecret.RequireNotContains(t, out, testIdentity, "the identity")
			}
			if _, plain := tc.env["EXEC_TEST_PLAIN"]; plain {
				_, ok := os.LookupEnv("EXEC_TEST_PLAIN")
				require.False(t, ok, "a refused plain value is still removed from the environment")
			}
		})
	}
}
