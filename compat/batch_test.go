package compat_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// batchDir is a directory of good sessions and a few bad ones.
func batchDir(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"telethon_v7.session", "telethon_v7_ipv6.session", "telethon_v4.session", "telethon_v10.session"} {
		copyFile(t, filepath.Join("testdata", name), dir)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.session"), []byte("not a database"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.session"), nil, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600))
	return dir
}

func TestConvertBatchStrings(t *testing.T) {
	dir := batchDir(t)
	var calls, last atomic.Int64
	opts := compat.Options{
		UserID: codec.Some[int64](7), APIID: codec.Some[uint32](8),
		Progress: func(done, total int) { calls.Add(1); last.Store(int64(done*1000 + total)) },
	}
	items := compat.ConvertBatch(context.Background(), []string{dir, filepath.Join(dir, "missing.session")}, target(t, "pyrogram"), opts, 3)
	require.Len(t, items, 7)
	require.Equal(t, int64(7), calls.Load())
	require.Equal(t, int64(7007), last.Load())
	require.Equal(t, 4, compat.Failed(items))

	want := map[string]error{
		"bad.session":              compat.ErrNotSQLite,
		"empty.session":            compat.ErrNotSQLite,
		"telethon_v10.session":     compat.ErrOptionConflict, // it knows its user id (5000000001)
		"missing.session":          fs.ErrNotExist,
		"telethon_v4.session":      nil,
		"telethon_v7.session":      nil,
		"telethon_v7_ipv6.session": nil,
	}
	var order []string
	for _, it := range items {
		name := filepath.Base(it.Input)
		order = append(order, name)
		if want[name] != nil {
			require.ErrorIs(t, it.Err, want[name], name)
			continue
		}
		require.NoError(t, it.Err, name)
		s, err := codec.DecodeAs(codec.Pyrogram, it.Result.Text())
		require.NoError(t, err)
		require.Equal(t, codec.Some[int64](7), s.UserID)
		require.NotNil(t, it.Report)
	}
	require.Equal(t, []string{"bad.session", "empty.session", "telethon_v10.session", "telethon_v4.session",
		"telethon_v7.session", "telethon_v7_ipv6.session", "missing.session"}, order, "input order, directories sorted")
}

func TestConvertBatchFiles(t *testing.T) {
	dir := batchDir(t)
	out := filepath.Join(t.TempDir(), "out")
	items := compat.ConvertBatch(context.Background(), []string{dir, filepath.Join("testdata", "telethon_v7.session")},
		target(t, "telethon-v2-sqlite"), compat.Options{UserID: codec.Some[int64](9)}, 0)
	require.Len(t, items, 7)
	for _, it := range items {
		require.Error(t, it.Err, "no output directory")
	}

	items = compat.ConvertBatch(context.Background(), []string{dir, filepath.Join("testdata", "telethon_v7.session")},
		target(t, "telethon-v2-sqlite"), compat.Options{UserID: codec.Some[int64](9), Output: out}, 0)
	require.Len(t, items, 7)
	ok := 0
	for _, it := range items {
		switch filepath.Base(it.Input) {
		case "bad.session", "empty.session":
			require.ErrorIs(t, it.Err, compat.ErrNotSQLite)
		case "telethon_v10.session":
			require.ErrorIs(t, it.Err, compat.ErrOptionConflict)
		case "telethon_v7.session":
			if filepath.Dir(it.Input) == "testdata" {
				require.ErrorIs(t, it.Err, compat.ErrDuplicateOutput)
				continue
			}
			fallthrough
		default:
			require.NoError(t, it.Err, it.Input)
			require.Equal(t, filepath.Join(out, filepath.Base(it.Input)), it.Output)
			f, err := compat.ReadFile(it.Output)
			require.NoError(t, err)
			require.Equal(t, compat.LibTelethonV2, f.Library)
			f.Wipe()
			ok++
		}
	}
	require.Equal(t, 3, ok)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 3, "only finished outputs, no temporary files")
	st, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o700), st.Mode().Perm())
}

func TestConvertBatchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	items := compat.ConvertBatch(ctx, []string{batchDir(t)}, target(t, "telethon"), compat.Options{}, 2)
	require.Len(t, items, 6)
	for _, it := range items {
		require.ErrorIs(t, it.Err, context.Canceled)
	}
}
