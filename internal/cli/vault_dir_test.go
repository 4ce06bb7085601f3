package cli

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaultVaultDirFollowsTheEnvironment (moved from package vault,
// which no longer reads TGSESSION_VAULT_DIR: the CLI does).
func TestDefaultVaultDirFollowsTheEnvironment(t *testing.T) {
	t.Setenv("TGSESSION_VAULT_DIR", "/srv/vault-explicit")
	t.Setenv("XDG_DATA_HOME", "/srv/xdg-data")
	p, err := defaultVaultDir()
	require.NoError(t, err)
	require.Equal(t, "/srv/vault-explicit", p)

	t.Setenv("TGSESSION_VAULT_DIR", "")
	p, err = defaultVaultDir()
	require.NoError(t, err)
	require.Equal(t, filepath.Join("/srv/xdg-data", "tgsession", "vault"), p)

	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/someone")
	p, err = defaultVaultDir()
	require.NoError(t, err)
	require.Equal(t, filepath.Join("/home/someone", ".local", "share", "tgsession", "vault"), p)

	t.Setenv("HOME", "")
	_, err = defaultVaultDir()
	require.Error(t, err, "no home directory and no XDG_DATA_HOME")
}
