package vault_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
	"golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"
)

func TestKeySearchScrubsTheKeyVariableAndMakesTheProcessUndumpable(t *testing.T) {
	clearKeyEnv(t)
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'u', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)

	// ScrubKeyEnv removes the inline identity even when opening fails.
	t.Setenv("COV_SEALED", string(sealed))
	t.Setenv(vault.EnvKey, newX25519(t).String())
	_, err = openEnvWith("COV_SEALED", optScrubKeyEnv(), optWithoutDefaultKeys())
	require.ErrorIs(t, err, vault.ErrWrongKey)
	_, ok := os.LookupEnv(vault.EnvKey)
	require.False(t, ok, "ScrubKeyEnv left the identity variable set")
	_, ok = os.LookupEnv("COV_SEALED")
	require.False(t, ok)

	// ScrubKeyEnv with no identity anywhere: typed error, and nothing left.
	t.Setenv("COV_SEALED", string(sealed))
	_, err = openEnvWith("COV_SEALED", optScrubKeyEnv(), optWithoutDefaultKeys())
	require.ErrorIs(t, err, vault.ErrNoIdentity)
	var nie *vault.NoIdentityError
	require.ErrorAs(t, err, &nie)
	require.Contains(t, nie.Tried, "$"+vault.EnvKey+" (not set)")

	// Success with ScrubKeyEnv and Undumpable; the dumpable flag is
	// restored afterwards so that later tests can read /proc/self.
	before, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	require.NoError(t, err)
	t.Cleanup(func() { _ = unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(before), 0, 0, 0) })
	t.Setenv("COV_SEALED", string(sealed))
	t.Setenv(vault.EnvKey, x.String())
	var warns []string
	s, err := openEnvWith("COV_SEALED", optScrubKeyEnv(), optUndumpable(), optWithoutDefaultKeys(),
		optWithWarnings(func(m string) { warns = append(warns, m) }))
	require.NoError(t, err)
	defer s.Destroy()
	requireKey(t, s, testKey('u'))
	after, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	require.NoError(t, err)
	require.Equal(t, 0, after, "Undumpable did not clear the dumpable flag")
	require.NoError(t, unix.Prctl(unix.PR_SET_DUMPABLE, uintptr(before), 0, 0, 0))
	_, ok = os.LookupEnv(vault.EnvKey)
	require.False(t, ok)
	for _, w := range warns {
		requireNoSecret(t, w, idSecrets(x)...)
	}

	// Explicit identities: ScrubKeyEnv does not touch the variable.
	t.Setenv("COV_SEALED", string(sealed))
	t.Setenv(vault.EnvKey, "unrelated")
	s2, err := openEnvWith("COV_SEALED", optScrubKeyEnv(), optWithIdentities(x))
	require.NoError(t, err)
	s2.Destroy()
	v, ok := os.LookupEnv(vault.EnvKey)
	require.True(t, ok)
	require.Equal(t, "unrelated", v)

	// Invalid variable names.
	for _, bad := range []string{"", "A=B", "A\x00B"} {
		_, err = vault.OpenEnv(bad, x)
		require.ErrorIs(t, err, vault.ErrMalformed, "%q", bad)
	}

	// An empty value is refused (fail closed).
	t.Setenv("COV_SEALED", "")
	_, err = vault.OpenEnv("COV_SEALED", x)
	require.ErrorIs(t, err, vault.ErrNotSealed)
}

func TestDirWriterGivesUpAfterTheLockTimeout(t *testing.T) {
	d, x := newVault(t)
	recs := []age.Recipient{x.Recipient()}
	_, err := addWith(d, "a", testSession(t, 'l', 2), recs)
	require.NoError(t, err)

	f, err := os.OpenFile(filepath.Join(d.Path(), ".lock"), os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, unix.Flock(int(f.Fd()), unix.LOCK_EX))

	// The writer gives up with "timed out" (without the timeout it would
	// block forever); no wall-clock bound is asserted.
	_, err = addWith(d, "b", testSession(t, 'm', 2), recs, optWithLockTimeout(50*time.Millisecond))
	require.Error(t, err)
	require.Contains(t, err.Error(), "timed out")
	require.Error(t, removeWith(d, "a", optWithLockTimeout(10*time.Millisecond)))
	_, err = rekeyWith(d, recs, optWithIdentities(x), optWithLockTimeout(10*time.Millisecond))
	require.Error(t, err)

	// Options given to OpenDir apply to every call.
	d2, err := openDirWith(d.Path(), optWithLockTimeout(10*time.Millisecond))
	require.NoError(t, err)
	_, err = d2.RecordExport("a", codec.KeyID{}, "prod")
	require.Error(t, err)
	require.Contains(t, err.Error(), "timed out")

	// Nothing was written while the lock was held.
	_, err = os.Stat(filepath.Join(d.Path(), "b.age"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(filepath.Join(d.Path(), "a.age"))
	require.NoError(t, err)

	require.NoError(t, unix.Flock(int(f.Fd()), unix.LOCK_UN))
	_, err = addWith(d, "b", testSession(t, 'm', 2), recs, optWithLockTimeout(time.Second))
	require.NoError(t, err)
}

func TestIdentitiesNeverPrintKeysAndSSHKeysMustBeEnabled(t *testing.T) {
	clearKeyEnv(t)
	x1, x2 := newX25519(t), newX25519(t)
	t.Setenv(vault.EnvKey, x1.String()+"\n# comment\n\n"+x2.String()+"\n")
	found, err := (&vault.KeySearch{Env: true}).Find()
	require.NoError(t, err)
	require.Equal(t, 2, found.Len())
	require.Contains(t, found.Sources(), "$"+vault.EnvKey+" (2 identities)")
	gs := found.GoString()
	require.Equal(t, found.String(), gs)
	require.True(t, strings.HasPrefix(gs, "vault.Identities{2 identities from "))
	js, err := json.Marshal(found)
	require.NoError(t, err)
	for _, out := range []string{gs, fmt.Sprintf("%v %+v %#v %s", *found, *found, *found, *found), string(js)} {
		requireNoSecret(t, out, idSecrets(x1)...)
		requireNoSecret(t, out, idSecrets(x2)...)
	}

	// RequirePQ drops both classic identities and says so.
	_, err = findWith(optWithoutDefaultKeys(), optRequirePQ())
	var nie *vault.NoIdentityError
	require.ErrorAs(t, err, &nie)
	require.Contains(t, nie.Tried, "2 non-post-quantum identities skipped (RequirePQ)")

	// An SSH identity file, accepted only with WithSSH; its recipient.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "")
	require.NoError(t, err)
	pemBytes := pem.EncodeToMemory(block)
	p := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(p, pemBytes, 0o600))
	_, err = findWith(optWithoutDefaultKeys(), optWithIdentityFile(p))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	requireNoSecret(t, err.Error(), pemBytes[40:100])
	t.Setenv(vault.EnvKey, "")
	found, err = findWith(optWithoutDefaultKeys(), optWithIdentityFile(p), optWithSSH())
	require.NoError(t, err)
	require.Equal(t, 1, found.Len())
	ids := vault.IdentitiesSlice(found)
	rec, err := recipientOf(ids[0])
	require.NoError(t, err)
	sshPub, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	want, err := agessh.NewEd25519Recipient(sshPub)
	require.NoError(t, err)
	require.Equal(t, want, rec, "recipient of the SSH identity (public data only)")

	// A sealed value opens with the SSH identity found in the file.
	sealed, err := sealWith(testSession(t, 'h', 2), vault.FormText, []age.Recipient{rec})
	require.NoError(t, err)
	s, err := openWith(sealed, optWithoutDefaultKeys(), optWithIdentityFile(p), optWithSSH())
	require.NoError(t, err)
	requireKey(t, s, testKey('h'))
	s.Destroy()

	// A garbage PEM block is malformed, not echoed.
	junk := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAnotakey\n-----END OPENSSH PRIVATE KEY-----\n")
	_, err = parseIdentitiesWith(strings.NewReader(string(junk)), optWithSSH())
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.NotContains(t, err.Error(), "AAAAnotakey")
}

func TestKeySearchNamesEveryIdentitySourceItTried(t *testing.T) {
	clearKeyEnv(t)

	// The default keys file falls back to $HOME/.config without
	// XDG_CONFIG_HOME, and is reported as missing.
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", home)
	p, err := (&vault.KeySearch{}).DefaultFilePath()
	require.NoError(t, err)
	require.Equal(t, filepath.Join(home, ".config", "tgsession", "keys.txt"), p)
	_, err = findWith()
	var nie *vault.NoIdentityError
	require.ErrorAs(t, err, &nie)
	require.Contains(t, nie.Tried, p+" (no such file)")
	require.Contains(t, err.Error(), "TGSESSION_AGE_KEY_FILE")

	// Found there once written.
	x := newX25519(t)
	writeFile(t, p, x.String()+"\n", 0o600)
	found, err := findWith()
	require.NoError(t, err)
	require.Equal(t, 1, found.Len())
	require.Contains(t, found.Sources(), p+" (1 identity)")

	// No configuration directory at all.
	t.Setenv("HOME", "")
	_, err = (&vault.KeySearch{}).DefaultFilePath()
	require.Error(t, err)
	_, err = findWith()
	require.ErrorAs(t, err, &nie)
	require.Contains(t, strings.Join(nie.Tried, "; "), "no config directory")

	// A key command whose output is too large is refused, typed.
	t.Setenv(vault.EnvKeyCmd, "head -c 200000 /dev/zero")
	_, err = (&vault.KeySearch{Env: true}).Find()
	require.ErrorIs(t, err, codec.ErrTooLarge)
	require.Contains(t, err.Error(), "$"+vault.EnvKeyCmd)
	t.Setenv(vault.EnvKeyCmd, "")

	// A missing identity file named by the environment is an error naming it.
	missing := filepath.Join(t.TempDir(), "nokeys.txt")
	t.Setenv(vault.EnvKeyFile, missing)
	_, err = (&vault.KeySearch{Env: true}).Find()
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Contains(t, err.Error(), missing)
	t.Setenv(vault.EnvKeyFile, "")

	// ParseIdentities caps its input.
	_, err = parseIdentitiesWith(strings.NewReader(strings.Repeat("#", 1<<20)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	ids, err := parseIdentitiesWith(strings.NewReader("\ufeff" + x.String() + "\r\n"))
	require.NoError(t, err)
	require.Len(t, ids, 1)
}

func TestRecordExportOfAMissingEntryStillRecordsTheKey(t *testing.T) {
	d, _ := newVault(t)
	id := testSession(t, 'q', 2).AuthKeyID()
	w, err := d.RecordExport("gone", id, "prod")
	require.NoError(t, err)
	require.Empty(t, w)
	w, err = d.RecordExport("gone", id, "staging")
	require.NoError(t, err)
	require.Len(t, w, 1)
	require.Equal(t, id, w[0].KeyID)
	require.Contains(t, w[0].Message, `"prod"`)
	entries, err := d.List()
	require.NoError(t, err)
	require.Empty(t, entries, "recording an export creates no entry")
}
