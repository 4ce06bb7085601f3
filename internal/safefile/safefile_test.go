package safefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/safefile"
)

func TestWriteFileModeAndNoClobber(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "out.session")
	require.NoError(t, safefile.WriteFile(p, []byte("one"), false))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	err = safefile.WriteFile(p, []byte("two"), false)
	require.True(t, errors.Is(err, safefile.ErrExists))
	b, _ := os.ReadFile(p)
	require.Equal(t, "one", string(b))

	require.NoError(t, safefile.WriteFile(p, []byte("three"), true))
	b, _ = os.ReadFile(p)
	require.Equal(t, "three", string(b))

	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1, "no temporary file left behind")
}

func TestCommitRefusesRacingFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	pend, err := safefile.Create(p, false)
	require.NoError(t, err)
	_, err = pend.Write([]byte("new"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("racer"), 0o644))
	require.ErrorIs(t, pend.Commit(), safefile.ErrExists)
	b, _ := os.ReadFile(p)
	require.Equal(t, "racer", string(b))
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1)
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	pend, err := safefile.Create(filepath.Join(dir, "y"), false)
	require.NoError(t, err)
	require.NoError(t, pend.Abort())
	ents, _ := os.ReadDir(dir)
	require.Empty(t, ents)
}

func TestReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	require.Error(t, safefile.WriteFile(filepath.Join(dir, "z"), []byte("a"), false))
}
