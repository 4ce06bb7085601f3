package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/vault"
)

func TestInitDirCreatesMissingParentsWithVaultModes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "vault")
	d, err := initDirWith(p, optWithLockTimeout(5*time.Second))
	require.NoError(t, err)
	require.Equal(t, p, d.Path())
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.True(t, st.IsDir())
	require.Equal(t, vault.DirMode, st.Mode().Perm())

	// Opening an existing vault again works, and InitDir refuses a file.
	_, err = initDirWith(p)
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o600))
	_, err = initDirWith(f)
	require.ErrorIs(t, err, vault.ErrInsecure)
}

func TestDirRefusesUnsafeDirectoriesNamesAndEntries(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}

	// Invalid names are refused by every entry point before any I/O.
	for _, bad := range []string{"", ".hidden", "_x", "-x", "a/b", strings.Repeat("a", 65)} {
		_, err := addWith(d, bad, testSession(t, 'a', 2), recs)
		require.ErrorIs(t, err, vault.ErrMalformed, "%q", bad)
		require.ErrorIs(t, d.Remove(bad), vault.ErrMalformed, "%q", bad)
		_, err = d.Get(bad, x)
		require.ErrorIs(t, err, vault.ErrMalformed, "%q", bad)
		_, err = d.RecordExport(bad, codec.KeyID{}, "prod")
		require.ErrorIs(t, err, vault.ErrMalformed, "%q", bad)
	}

	// A missing entry.
	require.ErrorIs(t, d.Remove("nope"), vault.ErrNotFound)
	_, err := d.Get("nope", x)
	require.ErrorIs(t, err, vault.ErrNotFound)

	// Invalid export labels.
	for _, bad := range []string{"", "has space", "tab\t", strings.Repeat("l", 65), "semi;colon"} {
		require.False(t, vault.ValidExportLabel(bad), "%q", bad)
		_, err := d.RecordExport("bot", codec.KeyID{}, bad)
		require.ErrorIs(t, err, vault.ErrMalformed, "%q", bad)
	}
	for _, good := range []string{"prod", "user@host:/srv+1", strings.Repeat("l", 64)} {
		require.True(t, vault.ValidExportLabel(good), "%q", good)
	}

	// Sealing errors are returned before anything is written.
	_, err = addWith(d, "bot", testSession(t, 'a', 2), nil)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = addWith(d, "bot", testSession(t, 'a', 2), recs, optRequirePQ())
	require.ErrorIs(t, err, vault.ErrUnsupported)
	entries, err := d.List()
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestDirPutRefusesAnExistingEntryUnlessReplacing(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	s, err := vault.NewSession(testSession(t, 'p', 2))
	require.NoError(t, err)
	defer s.Destroy()

	_, err = putWith(d, "one", s, recs, optWithLabels(map[string]string{"who": "first"}))
	require.NoError(t, err)
	_, err = putWith(d, "one", s, recs)
	require.ErrorIs(t, err, vault.ErrExists)
	_, err = putWith(d, "bad/name", s, recs)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = putWith(d, "two", s, recs, optRequirePQ())
	require.ErrorIs(t, err, vault.ErrUnsupported)

	// Overwrite replaces the entry; the labels are the new ones.
	_, err = putWith(d, "one", s, recs, optOverwrite(), optWithLabels(map[string]string{"who": "second"}))
	require.NoError(t, err)
	got, err := d.Get("one", x)
	require.NoError(t, err)
	defer got.Destroy()
	require.Equal(t, map[string]string{"who": "second"}, got.Labels)
	require.Equal(t, s.KeyID(), got.KeyID())

	// A destroyed session cannot be put.
	s.Destroy()
	_, err = putWith(d, "three", s, recs)
	require.ErrorIs(t, err, vault.ErrDestroyed)
}

func TestDirWarnsAboutDuplicateKeysAndKeepsItsIndex(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	_, err := addWith(d, "a", testSession(t, 'w', 2), recs)
	require.NoError(t, err)
	warns, err := addWith(d, "b", testSession(t, 'w', 2), recs)
	require.NoError(t, err)
	require.Len(t, warns, 1)
	require.Equal(t, warns[0].Message, warns[0].String())
	require.Contains(t, warns[0].String(), "also stored in entry a")
	require.Equal(t, "b", warns[0].Entry)

	// Exports of the same key to two labels warn on the second one.
	id := warns[0].KeyID
	w, err := d.RecordExport("a", id, "laptop")
	require.NoError(t, err)
	require.Len(t, w, 1, "the key is in two entries")
	w, err = d.RecordExport("a", id, "laptop")
	require.NoError(t, err)
	require.Len(t, w, 1, "re-exporting to the same label adds no export warning")
	w, err = d.RecordExport("a", id, "server")
	require.NoError(t, err)
	require.Len(t, w, 2)
	require.Contains(t, w[1].String(), `"laptop"`)

	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Equal(t, id, entries[0].KeyID)
	require.Len(t, entries[0].Exports, 2)

	// Removing an entry keeps the export history.
	require.NoError(t, d.Remove("b"))
	entries, err = d.List()
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Len(t, entries[0].Exports, 2)

	// A corrupted or future index is refused, typed.
	idx := filepath.Join(d.Path(), "exports.json")
	require.NoError(t, os.WriteFile(idx, []byte("{not json"), 0o600))
	_, err = d.List()
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = d.RecordExport("a", id, "prod")
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.NoError(t, os.WriteFile(idx, []byte(`{"version":2,"keys":{}}`), 0o600))
	_, err = d.List()
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = d.RecordExport("a", id, "prod")
	require.ErrorIs(t, err, vault.ErrUnsupported)

	// Null records and bad key ids are ignored.
	require.NoError(t, os.WriteFile(idx, []byte(`{"version":1,"keys":{"zz":{"entries":["a"]},"0000000000000000":null}}`), 0o600))
	entries, err = d.List()
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, codec.KeyID{}, entries[0].KeyID)
	require.NoError(t, os.WriteFile(idx, []byte(`{"version":1}`), 0o600))
	_, err = d.RecordExport("a", id, "prod")
	require.NoError(t, err)
	entries, err = d.List()
	require.NoError(t, err)
	require.Equal(t, id, entries[0].KeyID)

	// An index that is a directory is refused.
	require.NoError(t, os.Remove(idx))
	require.NoError(t, os.Mkdir(idx, 0o700))
	_, err = d.List()
	require.ErrorIs(t, err, vault.ErrInsecure)
}

func TestDirRekeyRefusesBadRecipientsAndMissingIdentities(t *testing.T) {
	clearKeyEnv(t)
	d, x := newVault(t)
	_, err := addWith(d, "a", testSession(t, 'r', 2), []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	before, err := os.ReadFile(filepath.Join(d.Path(), "a.age"))
	require.NoError(t, err)

	_, err = d.Rekey(nil, x)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = rekeyWith(d, []age.Recipient{newX25519(t).Recipient()}, optWithIdentities(x), optRequirePQ())
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = rekeyWith(d, []age.Recipient{newX25519(t).Recipient()}, optWithoutDefaultKeys())
	require.ErrorIs(t, err, vault.ErrNoIdentity)
	n, err := rekeyWith(d, []age.Recipient{newX25519(t).Recipient()}, optWithIdentities(newX25519(t)))
	require.ErrorIs(t, err, vault.ErrWrongKey)
	require.Equal(t, 0, n)

	// A malformed entry stops the rekey before anything changes.
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), "junk.age"), []byte("not sealed"), 0o600))
	_, err = d.Rekey([]age.Recipient{newX25519(t).Recipient()}, x)
	require.Error(t, err)
	require.Contains(t, err.Error(), "entry junk")
	after, err := os.ReadFile(filepath.Join(d.Path(), "a.age"))
	require.NoError(t, err)
	testsecret.RequireSameBytes(t, before, after, "failed rekey changed an entry")
}
