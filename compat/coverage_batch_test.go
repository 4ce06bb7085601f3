package compat_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/compat"
)

func TestConvertBatchOutputDirIsAFile(t *testing.T) {
	dir := t.TempDir()
	in := copyFile(t, "testdata/telethon_v7.session", dir)
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, []byte("x"), 0o600))

	var calls []int
	items := compat.ConvertBatch(context.Background(), []string{in, filepath.Join(dir, "missing.session")}, target(t, "kurigram-sqlite"),
		compat.Options{Output: notDir, Progress: func(done, total int) { calls = append(calls, done*10+total) }}, 1)
	require.Len(t, items, 2)
	require.Equal(t, 2, compat.Failed(items))
	for _, it := range items {
		require.ErrorIs(t, it.Err, syscall.ENOTDIR, "item %s", it.Input)
		require.Empty(t, it.Output)
		require.Nil(t, it.Result)
	}
	require.Equal(t, []int{12, 22}, calls, "progress is reported for failed items too")
	b, err := os.ReadFile(notDir)
	require.NoError(t, err)
	require.Equal(t, "x", string(b))
}

func TestConvertBatchEmpty(t *testing.T) {
	items := compat.ConvertBatch(context.Background(), nil, target(t, "telethon"), compat.Options{}, 4)
	require.Empty(t, items)
	require.Zero(t, compat.Failed(items))

	// A directory without *.session files expands to nothing; temporary
	// files and other names are ignored.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.session"), 0o700))
	items = compat.ConvertBatch(context.Background(), []string{dir}, target(t, "telethon"), compat.Options{}, 0)
	require.Empty(t, items)
}
