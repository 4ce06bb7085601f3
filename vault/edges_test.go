package vault_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

// TestPutThatLosesARaceForTheNameFailsWithErrExists: another process
// creates the entry between the check and the commit; Put fails with
// ErrExists and leaves that entry and the index as they were.
func TestPutThatLosesARaceForTheNameFailsWithErrExists(t *testing.T) {
	d, x := newVault(t)
	s, err := vault.NewSession(testSession(t, 'r', 2))
	require.NoError(t, err)
	defer s.Destroy()
	theirs := []byte("their entry")
	vault.SetTestHook(func(p string) {
		if p == "entry:synced" {
			require.NoError(t, os.WriteFile(filepath.Join(d.Path(), "race.age"), theirs, 0o600))
		}
	})
	_, err = d.Put("race", s, x.Recipient())
	vault.SetTestHook(nil)
	require.ErrorIs(t, err, vault.ErrExists)
	got, err := os.ReadFile(filepath.Join(d.Path(), "race.age"))
	require.NoError(t, err)
	require.Equal(t, theirs, got)
	_, err = os.Stat(filepath.Join(d.Path(), "exports.json.pending"))
	require.True(t, os.IsNotExist(err), "the pending record is dropped")
}

// TestInitDirUnderARegularFileFails and OpenDir of a vault whose
// directory was removed: errors, not panics.
func TestInitDirUnderARegularFileFails(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o600))
	_, err := vault.InitDir(filepath.Join(f, "vault"))
	require.Error(t, err)

	d, x := newVault(t)
	require.NoError(t, os.RemoveAll(d.Path()))
	s, err := vault.NewSession(testSession(t, 'g', 2))
	require.NoError(t, err)
	defer s.Destroy()
	_, err = d.Put("gone", s, x.Recipient())
	require.Error(t, err, "the vault directory is gone")
}

// TestPassphraseFailureReachesAgeDecryptUnchanged: an Identities holding
// the passphrase identity, used with age directly, reports the passphrase
// prompt's failure (and no passphrase).
func TestPassphraseFailureReachesAgeDecryptUnchanged(t *testing.T) {
	r, err := age.NewScryptRecipient("correct horse")
	require.NoError(t, err)
	r.SetWorkFactor(10)
	var b bytes.Buffer
	w, err := age.Encrypt(&b, r)
	require.NoError(t, err)
	_, err = w.Write([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	ids, err := (&vault.KeySearch{Passphrase: func() ([]byte, error) { return nil, errors.New("no terminal") }}).Find()
	require.NoError(t, err)
	_, err = age.Decrypt(bytes.NewReader(b.Bytes()), ids)
	require.Error(t, err)
	require.Contains(t, err.Error(), "reading passphrase: no terminal")
	require.NotContains(t, err.Error(), "correct horse")
}

// TestErrorTypesWithoutCauseStillWrapTheirSentinel.
func TestErrorTypesWithoutCauseStillWrapTheirSentinel(t *testing.T) {
	require.ErrorIs(t, &vault.WrongKeyError{Tried: []string{"x"}}, vault.ErrWrongKey)
	require.Contains(t, (&vault.WrongKeyError{}).Error(), "no identity opens")
	var none *vault.Identities
	require.Zero(t, none.Len())
	require.Empty(t, none.Sources())
}

// TestKeySearchWithoutAConfigDirectorySaysSo: no XDG_CONFIG_HOME and no
// HOME: the default file cannot be located, which the NoIdentityError
// lists among the places tried.
func TestKeySearchWithoutAConfigDirectorySaysSo(t *testing.T) {
	clearKeyEnv(t)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("HOME", "")
	_, err := (&vault.KeySearch{Env: true, DefaultFile: true}).Find()
	var nie *vault.NoIdentityError
	require.ErrorAs(t, err, &nie)
	require.Contains(t, strings.Join(nie.Tried, "; "), "no config directory")
	_, err = (&vault.KeySearch{}).DefaultFilePath()
	require.Error(t, err)
}

// TestWarningsGoToStandardErrorWhenNobodyListens: a Dir without Warn
// prints its warning (an entry others may read) to standard error, in the
// tgsession voice.
func TestWarningsGoToStandardErrorWhenNobodyListens(t *testing.T) {
	d, x := newVault(t)
	s, err := vault.NewSession(testSession(t, 'w', 2))
	require.NoError(t, err)
	defer s.Destroy()
	_, err = d.Put("loud", s, x.Recipient())
	require.NoError(t, err)
	require.NoError(t, os.Chmod(filepath.Join(d.Path(), "loud.age"), 0o644))

	rd, wr, err := os.Pipe()
	require.NoError(t, err)
	stderr := os.Stderr
	os.Stderr = wr
	got, err := d.Get("loud", x)
	os.Stderr = stderr
	require.NoError(t, wr.Close())
	require.NoError(t, err)
	got.Destroy()
	out, err := io.ReadAll(rd)
	require.NoError(t, err)
	require.Contains(t, string(out), "tgsession: warning: ")
	require.Contains(t, string(out), "chmod 600")
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("read failed") }

// TestIdentitiesFromStandardInput: "-" reads Stdin (os.Stdin when none is
// given); a read error and a malformed identity are errors naming standard
// input, never its content.
func TestIdentitiesFromStandardInput(t *testing.T) {
	clearKeyEnv(t)
	x := newX25519(t)
	_, err := (&vault.KeySearch{Files: []string{"-"}, Stdin: errReader{}}).Find()
	require.ErrorContains(t, err, "standard input")
	_, err = (&vault.KeySearch{Files: []string{"-"}, Stdin: strings.NewReader("AGE-SECRET-KEY-1NOTAKEY\n")}).Find()
	require.ErrorIs(t, err, vault.ErrMalformed)
	require.NotContains(t, err.Error(), "NOTAKEY")

	rd, wr, err := os.Pipe()
	require.NoError(t, err)
	_, err = wr.WriteString(x.String() + "\n")
	require.NoError(t, err)
	require.NoError(t, wr.Close())
	stdin := os.Stdin
	os.Stdin = rd
	found, err := (&vault.KeySearch{Files: []string{"-"}}).Find()
	os.Stdin = stdin
	require.NoError(t, err)
	require.Equal(t, 1, found.Len())
}

// TestRecipientParsingRefusals: an unreadable recipients source and an
// invalid SSH recipient (with SSH enabled) are typed errors.
func TestRecipientParsingRefusals(t *testing.T) {
	_, err := (&vault.KeySearch{}).ParseRecipients(errReader{})
	require.ErrorContains(t, err, "recipients")
	_, err = (&vault.KeySearch{SSH: true}).ParseRecipients(strings.NewReader("ssh-ed25519 AAAAnot-base64\n"))
	require.ErrorIs(t, err, vault.ErrMalformed)
}

// TestDirOperationsReportFailuresOfTheirFiles: an entry removed by someone
// else during Remove is ErrNotFound; an index that cannot be written fails
// RecordExport; listing a vault whose directory is gone fails.
func TestDirOperationsReportFailuresOfTheirFiles(t *testing.T) {
	d, x := newVault(t)
	s, err := vault.NewSession(testSession(t, 'f', 2))
	require.NoError(t, err)
	defer s.Destroy()
	_, err = d.Put("bot", s, x.Recipient())
	require.NoError(t, err)

	vault.SetTestFault(func(p string) error {
		if p == "entry:remove" {
			return os.ErrNotExist
		}
		return nil
	})
	err = d.Remove("bot")
	vault.SetTestFault(nil)
	require.ErrorIs(t, err, vault.ErrNotFound)

	vault.SetTestFault(func(p string) error {
		if p == "index:write" {
			return errors.New("disk full")
		}
		return nil
	})
	_, err = d.RecordExport("bot", s.KeyID(), "prod")
	vault.SetTestFault(nil)
	require.ErrorContains(t, err, "disk full")

	require.NoError(t, os.RemoveAll(d.Path()))
	_, err = d.List()
	require.Error(t, err)
}
