package vault_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/vault"
)

func newVault(t *testing.T) (*vault.Dir, *age.X25519Identity) {
	t.Helper()
	d, err := initDirWith(filepath.Join(t.TempDir(), "vault"))
	require.NoError(t, err)
	return d, newX25519(t)
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Lstat(p)
	require.NoError(t, err)
	return st.Mode().Perm()
}

func TestDirLifecycle(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	idOpt := optWithIdentities(x)

	warns, err := addWith(d, "bot-prod", testSession(t, 'a', 2), recs, optWithLabels(map[string]string{"env": "prod"}))
	require.NoError(t, err)
	require.Empty(t, warns)
	_, err = addWith(d, "bot-prod", testSession(t, 'b', 4), recs)
	require.ErrorIs(t, err, vault.ErrExists)
	_, err = addWith(d, "bot-dev", testSession(t, 'b', 4), recs)
	require.NoError(t, err)

	for _, bad := range []string{"", ".hidden", "-x", "a/b", "../x", "a b", strings.Repeat("a", 65), safefile.TempPrefix + "x"} {
		_, err = addWith(d, bad, testSession(t, 'a', 2), recs)
		require.ErrorIs(t, err, vault.ErrMalformed, bad)
	}

	s, warns, err := getWith(d, "bot-prod", idOpt)
	require.NoError(t, err)
	require.Empty(t, warns)
	requireKey(t, s, testKey('a'))
	require.Equal(t, map[string]string{"env": "prod"}, s.Labels)
	require.Equal(t, 2, s.DC)
	s.Destroy()
	_, _, err = getWith(d, "nope", idOpt)
	require.ErrorIs(t, err, vault.ErrNotFound)
	_, _, err = getWith(d, "bot-prod", optWithIdentities(newX25519(t)))
	require.ErrorIs(t, err, vault.ErrWrongKey)
	require.Contains(t, err.Error(), "entry bot-prod")

	// Overwrite.
	_, err = addWith(d, "bot-prod", testSession(t, 'c', 5), recs, optOverwrite())
	require.NoError(t, err)
	s, _, err = getWith(d, "bot-prod", idOpt)
	require.NoError(t, err)
	requireKey(t, s, testKey('c'))
	s.Destroy()

	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Equal(t, "bot-dev", entries[0].Name)
	require.Equal(t, "bot-prod", entries[1].Name)
	require.Equal(t, testSession(t, 'c', 5).AuthKeyID(), entries[1].KeyID)

	require.NoError(t, d.Remove("bot-dev"))
	require.ErrorIs(t, d.Remove("bot-dev"), vault.ErrNotFound)
	entries, err = d.List()
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// Entries are plain age files.
	raw, err := os.ReadFile(filepath.Join(d.Path(), "bot-prod.age"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(raw), "age-encryption.org/v1\n"))
}

func TestDirPut(t *testing.T) {
	d, x := newVault(t)
	sealed, err := sealWith(fullSession(t), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	s, err := vault.Open(sealed, x)
	require.NoError(t, err)
	defer s.Destroy()
	_, err = putWith(d, "full", s, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	got, err := d.Get("full", x)
	require.NoError(t, err)
	defer got.Destroy()
	a, err := got.ToCodec()
	require.NoError(t, err)
	defer a.Wipe()
	require.True(t, a.Equal(fullSession(t)), "fields or key changed through Put")
	require.Equal(t, codec.Mtcute, got.Source)
}

func TestDirStaleTempFiles(t *testing.T) {
	d, x := newVault(t)
	_, err := addWith(d, "bot", testSession(t, 'a', 2), []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	stale := filepath.Join(d.Path(), safefile.TempPrefix+"bot.age-123")
	require.NoError(t, os.WriteFile(stale, []byte("age-encryption.org/v1\ntorn"), 0o600))
	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries, 1)
	// The next writer removes it.
	_, err = addWith(d, "other", testSession(t, 'b', 2), []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	_, err = os.Stat(stale)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestDirExportWarnings(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	_, err := addWith(d, "bot", testSession(t, 'a', 2), recs)
	require.NoError(t, err)
	get := func(label string) []vault.Warning {
		s, w, err := getWith(d, "bot", optWithIdentities(x), optWithExportLabel(label))
		require.NoError(t, err)
		s.Destroy()
		return w
	}
	require.Empty(t, get("prod"))
	require.Empty(t, get("prod"), "same label again is fine")
	w := get("laptop")
	require.Len(t, w, 1)
	require.Contains(t, w[0].Message, `"prod"`)
	require.Contains(t, w[0].Message, "AUTH_KEY_DUPLICATED")
	require.Equal(t, testSession(t, 'a', 2).AuthKeyID(), w[0].KeyID)
	requireNoSecret(t, w[0].Message, testKey('a'))

	// The same key added under a second name warns too.
	w, err = addWith(d, "bot-copy", testSession(t, 'a', 2), recs)
	require.NoError(t, err)
	require.Len(t, w, 1)
	require.Contains(t, w[0].Message, "also stored in entry bot")

	entries, err := d.List()
	require.NoError(t, err)
	require.Len(t, entries[0].Exports, 2)

	// The index holds no secret.
	idx, err := os.ReadFile(filepath.Join(d.Path(), "exports.json"))
	require.NoError(t, err)
	requireNoSecret(t, string(idx), testKey('a'))
	require.Contains(t, string(idx), testSession(t, 'a', 2).AuthKeyID().String())

	_, _, err = getWith(d, "bot", optWithIdentities(x), optWithExportLabel("bad label"))
	require.ErrorIs(t, err, vault.ErrMalformed)

	// A corrupt index is reported, not silently replaced.
	require.NoError(t, os.WriteFile(filepath.Join(d.Path(), "exports.json"), []byte("{"), 0o600))
	_, err = addWith(d, "x", testSession(t, 'c', 2), recs)
	require.ErrorIs(t, err, vault.ErrMalformed)
}

func TestDirRekey(t *testing.T) {
	d, x := newVault(t)
	for i, name := range []string{"a", "b", "c"} {
		_, err := addWith(d, name, testSession(t, byte('a'+i), 2), []age.Recipient{x.Recipient()},
			optWithLabels(map[string]string{"n": name}), optWithCreatedAt(fixedTime))
		require.NoError(t, err)
	}
	h := newHybrid(t)
	// Wrong identity: nothing changes.
	before, err := os.ReadFile(filepath.Join(d.Path(), "a.age"))
	require.NoError(t, err)
	_, err = rekeyWith(d, []age.Recipient{h.Recipient()}, optWithIdentities(newX25519(t)))
	require.ErrorIs(t, err, vault.ErrWrongKey)
	after, err := os.ReadFile(filepath.Join(d.Path(), "a.age"))
	require.NoError(t, err)
	testsecret.RequireSameBytes(t, before, after, "a failed rekey changed an entry")

	_, err = rekeyWith(d, []age.Recipient{x.Recipient()}, optWithIdentities(x), optRequirePQ())
	require.ErrorIs(t, err, vault.ErrUnsupported)

	n, err := d.Rekey([]age.Recipient{h.Recipient()}, x)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	for i, name := range []string{"a", "b", "c"} {
		_, err := d.Get(name, x)
		require.ErrorIs(t, err, vault.ErrWrongKey)
		s, err := d.Get(name, h)
		require.NoError(t, err)
		requireKey(t, s, testKey(byte('a'+i)))
		require.Equal(t, name, s.Labels["n"])
		require.True(t, fixedTime.Equal(s.CreatedAt), "envelope kept as is")
		s.Destroy()
	}
}
