package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenChecksTheValueBeforeSearchingForKeys: open of a value that is
// not sealed, or of a missing vault entry, says so (as before the key
// search became the CLI's), and runs no key command.
func TestOpenChecksTheValueBeforeSearchingForKeys(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "key-command-ran")
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "TGSESSION_AGE_KEY": "",
		"TGSESSION_AGE_KEY_CMD": "touch '" + marker + "'; exit 1"}
	for k, v := range env {
		t.Setenv(k, v)
	}
	plain := filepath.Join(dir, "plain.txt")
	require.NoError(t, os.WriteFile(plain, []byte(fakeSession), 0o600))
	vaultDir := filepath.Join(dir, "vault")
	c, _, stderr := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"vault", "add", "bot", "-r", testRecipient, "--vault", vaultDir}), stderr.String())

	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{fakeSession, []string{"open"}, "plain telethon session"},
		{"", []string{"open", plain}, "plain telethon session"},
		{"", []string{"open", "--from", "telethon", plain}, "plain telethon session"},
		{"", []string{"open", filepath.Join(dir, "none.age")}, "none.age"},
		{"", []string{"vault", "get", "none", "--vault", vaultDir}, "no entry none"},
	} {
		c, _, stderr := testCLI(tc.stdin, env)
		require.Equal(t, exitFail, c.run(tc.args), "%v", tc.args)
		require.Contains(t, stderr.String(), tc.want, "%v", tc.args)
		require.NotContains(t, stderr.String(), "no age identity", "%v", tc.args)
		_, err := os.Stat(marker)
		require.True(t, os.IsNotExist(err), "%v ran the key command", tc.args)
	}
	// A sealed value does reach the key search (which fails here).
	c, _, stderr = testCLI("", env)
	require.Equal(t, exitFail, c.run([]string{"vault", "get", "bot", "--vault", vaultDir}))
	require.True(t, strings.Contains(stderr.String(), "TGSESSION_AGE_KEY_CMD"), stderr.String())
	_, err := os.Stat(marker)
	require.NoError(t, err, "the key search runs for a sealed value")
}
