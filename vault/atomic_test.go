package vault_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"github.com/tgsession/tgsession/vault"
)

// vaultState is everything a vault holds, for before/after comparisons:
// each file's bytes (temporary files excluded) and what List reports.
type vaultState struct {
	files   map[string]string
	entries []vault.Entry
}

func snapshot(t *testing.T, d *vault.Dir) vaultState {
	t.Helper()
	st := vaultState{files: map[string]string{}}
	des, err := os.ReadDir(d.Path())
	require.NoError(t, err)
	for _, de := range des {
		if de.Name() == ".lock" || strings.HasPrefix(de.Name(), safefile.TempPrefix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(d.Path(), de.Name()))
		require.NoError(t, err)
		st.files[de.Name()] = string(b)
	}
	st.entries, err = d.List()
	require.NoError(t, err)
	for i := range st.entries {
		st.entries[i].ModTime = st.entries[i].ModTime.Truncate(0)
	}
	return st
}

// requireSameState compares two snapshots without printing file bytes
// (entries are sealed, but compare names and sizes only anyway).
func requireSameState(t *testing.T, want, got vaultState, msg string) {
	t.Helper()
	require.Equal(t, len(want.files), len(got.files), "%s: number of files", msg)
	for name, b := range want.files {
		g, ok := got.files[name]
		require.True(t, ok, "%s: %s is gone", msg, name)
		require.True(t, g == b, "%s: %s changed (%d -> %d bytes)", msg, name, len(b), len(g))
	}
	require.Equal(t, len(want.entries), len(got.entries), msg)
	for i := range want.entries {
		require.Equal(t, want.entries[i].Name, got.entries[i].Name, msg)
		require.Equal(t, want.entries[i].KeyID, got.entries[i].KeyID, msg)
		require.Equal(t, want.entries[i].Exports, got.entries[i].Exports, msg)
	}
}

// requireIndexed checks that List reports entry name with the key of
// session s, never "unknown".
func requireIndexed(t *testing.T, d *vault.Dir, name string, id codec.KeyID) {
	t.Helper()
	entries, err := d.List()
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name == name {
			require.Equal(t, id, e.KeyID, "entry %s is not indexed with its key", name)
			return
		}
	}
	t.Fatalf("entry %s not listed", name)
}

// TestWriteFaults injects an I/O error (as a full disk gives) at each write
// of Add (new and overwrite) and Remove: a failure before the entry changes
// leaves the vault exactly as it was, so a retry succeeds; a failure of the
// final index write after the entry changed leaves both visible, the index
// change completed by the next write.
func TestWriteFaults(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	diskFull := fmt.Errorf("injected: %w", syscall.ENOSPC)
	for _, op := range []string{"add", "overwrite", "remove"} {
		for _, point := range []string{"index:pending", "entry:write", "entry:remove", "index:write"} {
			if (op == "remove") != (point == "entry:remove") && point != "index:pending" && point != "index:write" {
				continue
			}
			t.Run(op+"/"+point, func(t *testing.T) {
				d, _ := newVault(t)
				_, err := addWith(d, "other", testSession(t, 'o', 2), recs)
				require.NoError(t, err)
				_, err = d.RecordExport("other", testSession(t, 'o', 2).AuthKeyID(), "prod")
				require.NoError(t, err)
				if op != "add" {
					_, err = addWith(d, "bot", testSession(t, 'a', 2), recs)
					require.NoError(t, err)
				}
				before := snapshot(t, d)
				var warns []string
				optWarn := optWithWarnings(func(m string) { warns = append(warns, m) })

				vault.SetTestFault(func(p string) error {
					if p == point {
						return diskFull
					}
					return nil
				})
				switch op {
				case "add":
					_, err = addWith(d, "bot", testSession(t, 'b', 4), recs, optWarn)
				case "overwrite":
					_, err = addWith(d, "bot", testSession(t, 'b', 4), recs, optOverwrite(), optWarn)
				case "remove":
					err = removeWith(d, "bot", optWarn)
				}
				vault.SetTestFault(nil)

				if point == "index:write" {
					// After the commit point: the operation succeeded and
					// the index is right at once, for readers too.
					require.NoError(t, err)
					require.Len(t, warns, 1)
					require.Contains(t, warns[0], "deferred")
					if op == "remove" {
						entries, err := d.List()
						require.NoError(t, err)
						require.Len(t, entries, 1)
					} else {
						requireIndexed(t, d, "bot", testSession(t, 'b', 4).AuthKeyID())
					}
					// The next write completes the index.
					_, err = d.RecordExport("other", testSession(t, 'o', 2).AuthKeyID(), "prod")
					require.NoError(t, err)
					_, err = os.Lstat(filepath.Join(d.Path(), "exports.json.pending"))
					require.ErrorIs(t, err, os.ErrNotExist)
					if op != "remove" {
						requireIndexed(t, d, "bot", testSession(t, 'b', 4).AuthKeyID())
						w, err := addWith(d, "bot2", testSession(t, 'b', 4), recs)
						require.NoError(t, err)
						require.Len(t, w, 1, "the duplicate-key warning sees the entry")
					}
					return
				}
				require.ErrorIs(t, err, syscall.ENOSPC)
				requireSameState(t, before, snapshot(t, d), "after a failed "+op)

				// A retry without the fault succeeds, with the index right.
				switch op {
				case "add":
					_, err = addWith(d, "bot", testSession(t, 'b', 4), recs)
				case "overwrite":
					_, err = addWith(d, "bot", testSession(t, 'b', 4), recs, optOverwrite())
				case "remove":
					err = d.Remove("bot")
				}
				require.NoError(t, err, "retry after the failure")
				if op != "remove" {
					requireIndexed(t, d, "bot", testSession(t, 'b', 4).AuthKeyID())
				}
			})
		}
	}
}

// TestCorruptIndexChangesNothing: with an unreadable exports.json, Add and
// Remove fail before touching any entry (they used to write or delete the
// entry first and then fail on the index).
func TestCorruptIndexChangesNothing(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	_, err := addWith(d, "bot", testSession(t, 'a', 2), recs)
	require.NoError(t, err)
	idx := filepath.Join(d.Path(), "exports.json")
	for _, bad := range []string{"{", `{"version":2,"keys":{}}`} {
		require.NoError(t, os.WriteFile(idx, []byte(bad), 0o600))
		_, err = addWith(d, "new", testSession(t, 'c', 2), recs)
		require.Error(t, err)
		require.True(t, errors.Is(err, vault.ErrMalformed) || errors.Is(err, vault.ErrUnsupported))
		_, err = os.Lstat(filepath.Join(d.Path(), "new.age"))
		require.ErrorIs(t, err, os.ErrNotExist, "Add wrote the entry although the index is unreadable")
		_, err = addWith(d, "bot", testSession(t, 'c', 2), recs, optOverwrite())
		require.Error(t, err)
		require.Error(t, d.Remove("bot"))
		_, err = os.Lstat(filepath.Join(d.Path(), "bot.age"))
		require.NoError(t, err, "Remove deleted the entry although the index is unreadable")
		s, err := d.Get("bot", x)
		require.NoError(t, err)
		requireKey(t, s, testKey('a'))
		s.Destroy()
	}

	// A malformed pending record is refused the same way.
	require.NoError(t, os.Remove(idx))
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), "exports.json.pending"), []byte(`{"version":1,"op":"put","entry":"../x","index":{"version":1}}`), 0o600))
	_, err = d.List()
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = addWith(d, "new", testSession(t, 'c', 2), recs)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = os.Lstat(filepath.Join(d.Path(), "new.age"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestPendingRecordResolution: a pending record left by a crash is applied
// if the entry holds exactly the recorded bytes (or, for a remove, is
// gone) and discarded otherwise, by readers at once and by the next writer
// on disk.
func TestPendingRecordResolution(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	for _, crashAt := range []string{"index:pending", "entry:committed", "index:writing"} {
		t.Run(crashAt, func(t *testing.T) {
			d, _ := newVault(t)
			_, err := addWith(d, "bot", testSession(t, 'a', 2), recs)
			require.NoError(t, err)
			// Simulate the crash: keep the files as they are at the hook
			// point by copying the directory there.
			crashed := filepath.Join(t.TempDir(), "crashed")
			vault.SetTestHook(func(p string) {
				if p == crashAt {
					copyDir(t, d.Path(), crashed)
				}
			})
			_, err = addWith(d, "bot", testSession(t, 'b', 4), recs, optOverwrite())
			vault.SetTestHook(nil)
			require.NoError(t, err)
			c, err := openDirWith(crashed)
			require.NoError(t, err)
			want := testSession(t, 'a', 2).AuthKeyID()
			if crashAt != "index:pending" {
				want = testSession(t, 'b', 4).AuthKeyID()
			}
			requireIndexed(t, c, "bot", want)
			_, err = os.Lstat(filepath.Join(crashed, "exports.json.pending"))
			require.NoError(t, err, "the crash left a pending record")
			// The next writer settles it on disk.
			_, err = c.RecordExport("bot", want, "prod")
			require.NoError(t, err)
			_, err = os.Lstat(filepath.Join(crashed, "exports.json.pending"))
			require.ErrorIs(t, err, os.ErrNotExist)
			requireIndexed(t, c, "bot", want)
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(to, 0o700))
	des, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(from, de.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, de.Name()), b, 0o600))
	}
}
