//go:build unix

package vault_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func TestDirPermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	d, x := newVault(t)
	_, err := addWith(d, "bot", testSession(t, 'a', 2), []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	_, _, err = getWith(d, "bot", optWithIdentities(x), optWithExportLabel("prod"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), mode(t, d.Path()))
	for _, f := range []string{"bot.age", ".lock", "exports.json"} {
		require.Equal(t, os.FileMode(0o600), mode(t, filepath.Join(d.Path(), f)), f)
	}

	// Refused: group/other-accessible directory, symlink, non-directory.
	loose := filepath.Join(t.TempDir(), "loose")
	require.NoError(t, os.Mkdir(loose, 0o755))
	_, err = openDirWith(loose)
	require.ErrorIs(t, err, vault.ErrInsecure)
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(d.Path(), link))
	_, err = openDirWith(link)
	require.ErrorIs(t, err, vault.ErrInsecure)
	_, err = openDirWith(filepath.Join(d.Path(), "bot.age"))
	require.ErrorIs(t, err, vault.ErrInsecure)
	_, err = openDirWith(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, vault.ErrNotFound)

	// Refused entries: a symlink, a FIFO, a huge file.
	require.NoError(t, os.Symlink(filepath.Join(d.Path(), "bot.age"), filepath.Join(d.Path(), "sym.age")))
	_, err = d.Get("sym", x)
	require.ErrorIs(t, err, vault.ErrInsecure)
	require.NoError(t, syscall.Mkfifo(filepath.Join(d.Path(), "fifo.age"), 0o600))
	_, err = d.Get("fifo", x)
	require.ErrorIs(t, err, vault.ErrInsecure)
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), "huge.age"), make([]byte, vault.MaxFileSize+1), 0o600))
	_, err = d.Get("huge", x)
	require.ErrorIs(t, err, codec.ErrTooLarge)
	entries, err := d.List()
	require.NoError(t, err)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name)
	}
	require.Equal(t, []string{"bot", "huge"}, names, "symlinks and FIFOs are not entries")

	// A group-readable entry is read with a warning.
	require.NoError(t, os.Chmod(filepath.Join(d.Path(), "bot.age"), 0o640))
	var warns []string
	s, _, err := getWith(d, "bot", optWithIdentities(x), optWithWarnings(func(m string) { warns = append(warns, m) }))
	require.NoError(t, err)
	s.Destroy()
	require.Len(t, warns, 1)
}
