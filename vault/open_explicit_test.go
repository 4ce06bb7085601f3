package vault_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

// TestOpeningWithNoIdentitiesReadsNoEnvironmentAndRunsNoCommand sets every
// identity source to a key that opens the value: TGSESSION_AGE_KEY inline,
// TGSESSION_AGE_KEY_FILE, TGSESSION_AGE_KEY_CMD (a command that leaves a
// marker file and prints the key) and the default keys file. Every opening
// entry point, given no identities, fails with a NoIdentityError, the
// command never runs, and the variables stay as they were. The control at
// the end shows that the same setup does open the value through an
// explicit KeySearch, which runs the command.
func TestOpeningWithNoIdentitiesReadsNoEnvironmentAndRunsNoCommand(t *testing.T) {
	cfg := clearKeyEnv(t)
	x := newX25519(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	writeFile(t, keyFile, x.String()+"\n", 0o600)
	require.NoError(t, os.MkdirAll(filepath.Join(cfg, "tgsession"), 0o700))
	writeFile(t, filepath.Join(cfg, "tgsession", "keys.txt"), x.String()+"\n", 0o600)
	marker := filepath.Join(dir, "key-command-ran")
	t.Setenv(vault.EnvKey, x.String())
	t.Setenv(vault.EnvKeyFile, keyFile)
	t.Setenv(vault.EnvKeyCmd, "touch '"+marker+"'; cat '"+keyFile+"'")

	sealed, err := sealWith(testSession(t, 'n', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	sealedFile := filepath.Join(dir, "sealed.txt")
	writeFile(t, sealedFile, string(sealed), 0o600)
	d, err := vault.InitDir(filepath.Join(dir, "vault"))
	require.NoError(t, err)
	_, err = addWith(d, "bot", testSession(t, 'n', 2), []age.Recipient{x.Recipient()}, optWithIdentities(x))
	require.NoError(t, err)

	requireNoIdentity := func(what string, err error) {
		t.Helper()
		var nie *vault.NoIdentityError
		require.True(t, errors.As(err, &nie), "%s: want a NoIdentityError, got %v", what, err)
		require.ErrorIs(t, err, vault.ErrNoIdentity, what)
		require.NotContains(t, err.Error(), vault.EnvKey, "%s names an environment variable it must not read", what)
		requireNoSecret(t, err.Error(), idSecrets(x)...)
		_, statErr := os.Stat(marker)
		require.True(t, os.IsNotExist(statErr), "%s ran $%s", what, vault.EnvKeyCmd)
	}
	_, err = vault.Open(sealed)
	requireNoIdentity("Open", err)
	_, err = vault.OpenAs(sealed, 0)
	requireNoIdentity("OpenAs", err)
	_, err = vault.OpenFile(sealedFile)
	requireNoIdentity("OpenFile", err)
	_, err = d.Get("bot")
	requireNoIdentity("Dir.Get", err)
	_, err = d.Rekey([]age.Recipient{x.Recipient()})
	requireNoIdentity("Dir.Rekey", err)
	t.Setenv("VAULT_TEST_SEALED", string(sealed))
	_, err = vault.OpenEnv("VAULT_TEST_SEALED")
	requireNoIdentity("OpenEnv", err)

	// The identity variables are untouched: nothing read and scrubbed them.
	for k, want := range map[string]string{vault.EnvKey: x.String(), vault.EnvKeyFile: keyFile} {
		got, ok := os.LookupEnv(k)
		require.True(t, ok && got == want, "$%s changed", k)
	}

	// Control: the explicit search finds the keys (running the command),
	// and they open the value.
	found, err := (&vault.KeySearch{Env: true, DefaultFile: true}).Find()
	require.NoError(t, err)
	require.Equal(t, 4, found.Len())
	_, err = os.Stat(marker)
	require.NoError(t, err, "the explicit search runs $%s", vault.EnvKeyCmd)
	s, err := vault.Open(sealed, found)
	require.NoError(t, err)
	requireKey(t, s, testKey('n'))
	s.Destroy()
}
