package vault_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func TestNewSessionMovesTheKeyAndCopiesTheInfo(t *testing.T) {
	_, err := vault.NewSession(nil)
	require.ErrorIs(t, err, vault.ErrMalformed)

	bad := testSession(t, 'n', 2)
	bad.DC = 0
	_, err = vault.NewSession(bad)
	require.ErrorIs(t, err, vault.ErrMalformed)
	requireNoSecret(t, err.Error(), testKey('n'))

	cs := fullSession(t)
	t.Setenv(vault.EnvAllowNoMlock, "1")
	s, err := vault.NewSession(cs)
	require.NoError(t, err)
	defer s.Destroy()
	requireKey(t, s, testKey('m'))
	require.Equal(t, cs.AuthKeyID(), s.KeyID())
	require.Equal(t, cs.DC, s.DC)
	require.Equal(t, cs.Source, s.Source)
	require.NotNil(t, s.Media)
	require.Equal(t, *cs.Media, *s.Media)
	require.NotSame(t, cs.Media, s.Media, "media is copied, not shared")

	// The codec session is not modified: it still holds its key.
	require.True(t, bytes.Equal(cs.Key.Reveal(), testKey('m')), "NewSession changed the input key")

	back, err := s.ToCodec()
	require.NoError(t, err)
	defer back.Wipe()
	require.True(t, back.Equal(cs), "ToCodec differs from the input session")
}

func TestSessionNeverPrintsItsKey(t *testing.T) {
	cs := fullSession(t)
	s, err := vault.NewSession(cs)
	require.NoError(t, err)
	defer s.Destroy()
	s.Labels = map[string]string{"env": "prod", "a": "x y"}

	want := s.String()
	require.Contains(t, want, "format=mtcute")
	require.Contains(t, want, "user=5000000001")
	require.Contains(t, want, `labels=a="x y",env="prod"`)
	require.Contains(t, want, "key=AuthKey(id="+s.KeyID().String()+")")
	require.Equal(t, want, s.GoString())
	require.Equal(t, want, fmt.Sprintf("%#v", *s))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	require.Equal(t, want, string(txt))
	js, err := json.Marshal(s)
	require.NoError(t, err)
	require.Contains(t, string(js), `"auth_key_id":"`+s.KeyID().String()+`"`)
	for _, out := range []string{want, string(txt), string(js)} {
		requireNoSecret(t, out, testKey('m'))
	}

	// A zero Session prints an unset key.
	var zero vault.Session
	require.Contains(t, zero.GoString(), "AuthKey(unset)")
}

func TestNilAndDestroyedSessionsFailWithErrDestroyed(t *testing.T) {
	var nilS *vault.Session
	require.Equal(t, codec.KeyID{}, nilS.KeyID())
	require.False(t, nilS.Alive())
	nilS.Destroy() // must not panic
	err := nilS.WithKey(func(*[codec.AuthKeySize]byte) error { return nil })
	require.ErrorIs(t, err, vault.ErrDestroyed)

	s, err := vault.NewSession(testSession(t, 'd', 2))
	require.NoError(t, err)
	id := s.KeyID()
	require.True(t, s.Alive())
	sentinel := errors.New("from f")
	require.ErrorIs(t, s.WithKey(func(*[codec.AuthKeySize]byte) error { return sentinel }), sentinel)
	s.Destroy()
	s.Destroy()
	require.False(t, s.Alive())
	require.Equal(t, id, s.KeyID(), "the public fingerprint survives Destroy")
	called := false
	err = s.WithKey(func(*[codec.AuthKeySize]byte) error { called = true; return nil })
	require.ErrorIs(t, err, vault.ErrDestroyed)
	require.False(t, called)
	_, err = s.Export(codec.Telethon)
	require.ErrorIs(t, err, vault.ErrDestroyed)
	_, err = sealSessionWith(s, vault.FormText, []age.Recipient{newX25519(t).Recipient()})
	require.ErrorIs(t, err, vault.ErrDestroyed)

	// No source format and none named.
	cs := testSession(t, 'e', 2)
	cs.Source = codec.FormatUnknown
	u, err := vault.NewSession(cs)
	require.NoError(t, err, "Validate ignores Source")
	defer u.Destroy()
	_, err = u.Export(codec.FormatUnknown)
	require.ErrorIs(t, err, vault.ErrUnsupported)
}

func TestMemlockErrorCarriesTheLimitsWithoutFlags(t *testing.T) {
	e := &vault.MemlockError{Limit: 64 << 10, Locked: 8 << 10, Need: 56 << 10}
	var err error = e
	require.ErrorIs(t, err, vault.ErrMemlockTooLow)
	msg := err.Error()
	require.Contains(t, msg, "RLIMIT_MEMLOCK is 64 KiB with 8 KiB already locked")
	require.Contains(t, msg, "needs 56 KiB more")
	require.Contains(t, msg, "ulimit -l 64")
	require.NotContains(t, msg, "--", "the CLI adds the container flags as a hint (internal/cli keys_test.go)")
	require.Contains(t, msg, vault.EnvAllowNoMlock+"=1")
	var me *vault.MemlockError
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &me))
	require.Equal(t, uint64(56<<10), me.Need)
}

func TestFormNamesAndUnknownForms(t *testing.T) {
	for f, name := range map[vault.Form]string{vault.FormText: "text", vault.FormBinary: "binary", vault.FormArmor: "armor"} {
		require.Equal(t, name, f.String())
	}
	require.Equal(t, "Form(9)", vault.Form(9).String())
	_, err := sealWith(testSession(t, 'f', 2), vault.Form(9), []age.Recipient{newX25519(t).Recipient()})
	require.Error(t, err)
}

func TestOpenFileAndReaderNameTheirSource(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'o', 2), vault.FormBinary, []age.Recipient{x.Recipient()})
	require.NoError(t, err)

	s, err := openReaderWith(bytes.NewReader(sealed), optWithIdentities(x))
	require.NoError(t, err)
	requireKey(t, s, testKey('o'))
	s.Destroy()

	_, err = openReaderWith(bytes.NewReader(make([]byte, vault.MaxFileSize+1)), optWithIdentities(x))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = openReaderWith(bytes.NewReader(sealed), optWithIdentities(newX25519(t)))
	require.ErrorIs(t, err, vault.ErrWrongKey)

	missing := filepath.Join(t.TempDir(), "missing.age")
	_, err = vault.OpenFile(missing, x)
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.Contains(t, err.Error(), missing)

	big := filepath.Join(t.TempDir(), "big.age")
	require.NoError(t, os.WriteFile(big, make([]byte, vault.MaxFileSize+1), 0o600))
	_, err = vault.OpenFile(big, x)
	require.ErrorIs(t, err, codec.ErrTooLarge)
	require.Contains(t, err.Error(), big)

	_, err = vault.OpenFile(t.TempDir(), x)
	require.Error(t, err, "a directory is not a sealed file")
}

func TestPassphraseWorkFactorAboveTheCapIsRefusedBeforeAsking(t *testing.T) {
	// A cheap scrypt recipient (work factor 10) keeps the test fast.
	pass := "correct horse battery staple"
	r, err := age.NewScryptRecipient(pass)
	require.NoError(t, err)
	r.SetWorkFactor(10)
	sealed, err := sealWith(testSession(t, 's', 2), vault.FormText, []age.Recipient{r})
	require.NoError(t, err)

	calls := 0
	ask := optWithPassphrase(func() ([]byte, error) { calls++; return []byte(pass), nil })
	for _, cap := range []int{9, 1, 0, -5} {
		_, err = openWith(sealed, ask, optWithoutDefaultKeys(), optWithMaxWorkFactor(cap))
		require.ErrorIs(t, err, codec.ErrTooLarge, "cap %d", cap)
		require.Contains(t, err.Error(), "work factor 10")
		requireNoSecret(t, err.Error(), []byte(pass))
	}
	require.Zero(t, calls, "the passphrase was asked for although the work factor is refused")

	for _, cap := range []int{10, 18, 99} {
		s, err := openWith(sealed, ask, optWithoutDefaultKeys(), optWithMaxWorkFactor(cap))
		require.NoError(t, err, "cap %d", cap)
		requireKey(t, s, testKey('s'))
		s.Destroy()
	}
	require.Equal(t, 3, calls)

	// A passphrase callback error is reported, wrapped.
	sentinel := errors.New("no terminal")
	_, err = openWith(sealed, optWithoutDefaultKeys(), optWithMaxWorkFactor(10),
		optWithPassphrase(func() ([]byte, error) { return nil, sentinel }))
	require.ErrorIs(t, err, sentinel)
	// An empty passphrase is refused.
	_, err = openWith(sealed, optWithoutDefaultKeys(), optWithMaxWorkFactor(10),
		optWithPassphrase(func() ([]byte, error) { return []byte{}, nil }))
	require.ErrorIs(t, err, vault.ErrMalformed)
}

func TestIdentityRecipientsAndPassphraseRecipient(t *testing.T) {
	x := newX25519(t)
	r, err := recipientOf(x)
	require.NoError(t, err)
	require.Equal(t, x.Recipient().String(), r.(*age.X25519Recipient).String())
	h := newHybrid(t)
	r, err = recipientOf(h)
	require.NoError(t, err)
	require.Equal(t, h.Recipient().String(), r.(*age.HybridRecipient).String())

	sc, err := age.NewScryptIdentity("pass")
	require.NoError(t, err)
	_, err = recipientOf(sc)
	require.ErrorIs(t, err, vault.ErrUnsupported)
	require.NotContains(t, err.Error(), "pass\"")

	_, err = (&vault.KeySearch{}).PassphraseRecipient(nil)
	require.ErrorIs(t, err, vault.ErrMalformed)
}

func TestToCodecOfANilSessionFails(t *testing.T) {
	var s *vault.Session
	_, err := s.ToCodec()
	require.ErrorIs(t, err, vault.ErrDestroyed)
}
