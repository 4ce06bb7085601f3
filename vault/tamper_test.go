package vault_test

import (
	"errors"
	"fmt"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// requireCleanFailure checks that opening b fails with one of the
// package's typed errors, without a session and without secrets in the
// message.
func requireCleanFailure(t *testing.T, b []byte, what string, opts []opt, secrets ...[]byte) {
	t.Helper()
	s, err := openWith(b, opts...)
	if err == nil {
		s.Destroy()
		t.Fatalf("%s: opened", what)
	}
	require.Nil(t, s)
	typed := false
	for _, e := range []error{vault.ErrMalformed, vault.ErrTampered, vault.ErrWrongKey, vault.ErrUnsupported,
		vault.ErrNotSealed, codec.ErrTooLarge} {
		typed = typed || errors.Is(err, e)
	}
	if !typed {
		t.Fatalf("%s: untyped error %v", what, err)
	}
	requireNoSecret(t, err.Error(), secrets...)
	requireNoSecret(t, fmt.Sprintf("%+v %#v", err, err), secrets...)
}

// TestTamperEveryOffset truncates each sealed form at every offset and
// flips every bit of every byte: each must fail cleanly.
func TestTamperEveryOffset(t *testing.T) {
	x := newX25519(t)
	opts := []opt{optWithIdentities(x)}
	secrets := append(idSecrets(x), testKey('m'))
	for _, form := range allForms {
		t.Run(form.String(), func(t *testing.T) {
			sealed, err := sealWith(fullSession(t), form, []age.Recipient{x.Recipient()})
			require.NoError(t, err)
			t.Logf("%s: %d bytes", form, len(sealed))
			for n := 0; n < len(sealed); n++ {
				if form == vault.FormArmor && n == len(sealed)-1 {
					continue // dropping the final newline leaves valid armor
				}
				requireCleanFailure(t, sealed[:n], fmt.Sprintf("truncated to %d", n), opts, secrets...)
			}
			// Two different bits per offset, rotating so that every bit
			// position is flipped across neighbouring bytes.
			b := append([]byte(nil), sealed...)
			for i := range b {
				for _, bit := range []byte{1 << (i % 8), 1 << ((i + 4) % 8)} {
					b[i] ^= bit
					if form == vault.FormArmor && isArmorWhitespaceFlip(sealed[i], b[i]) {
						b[i] ^= bit
						continue
					}
					requireCleanFailure(t, b, fmt.Sprintf("bit %#x flipped at %d", bit, i), opts, secrets...)
					b[i] ^= bit
				}
			}
			// Appended bytes.
			for _, extra := range []string{"A", "\n\n", "garbage"} {
				if form == vault.FormArmor && extra == "\n\n" {
					continue // trailing whitespace is allowed around armor
				}
				requireCleanFailure(t, append(append([]byte(nil), sealed...), extra...), "appended "+extra, opts, secrets...)
			}
		})
	}
}

// isArmorWhitespaceFlip reports whether a flip only changes whitespace
// around armor, which the armor format allows (\n ↔ \r is not such a flip).
func isArmorWhitespaceFlip(from, to byte) bool {
	ws := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	return ws(from) && ws(to) && from != '\n'
}

func TestWrongIdentity(t *testing.T) {
	x, other := newX25519(t), newX25519(t)
	h := newHybrid(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	for _, ids := range [][]age.Identity{{other}, {h}, {other, h}} {
		_, err = vault.Open(sealed, ids...)
		require.ErrorIs(t, err, vault.ErrWrongKey)
		requireNoSecret(t, err.Error(), append(append(idSecrets(x), idSecrets(other)...), testKey('a'))...)
	}
	// Several identities, only the last matches.
	s, err := vault.Open(sealed, other, h, x)
	require.NoError(t, err)
	s.Destroy()
	// Several recipients: any one opens.
	multi, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, []age.Recipient{other.Recipient(), x.Recipient()})
	require.NoError(t, err)
	s, err = vault.Open(multi, x)
	require.NoError(t, err)
	s.Destroy()
}

func TestOversizedInput(t *testing.T) {
	x := newX25519(t)
	big := make([]byte, 8<<20)
	copy(big, "age-encryption.org/v1\n")
	_, err := vault.Open(big, x)
	require.ErrorIs(t, err, codec.ErrTooLarge)
	text := append([]byte(vault.TextPrefix), make([]byte, vault.MaxTextSize)...)
	_, err = vault.Open(text, x)
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = openReaderWith(&endless{}, optWithIdentities(x))
	require.ErrorIs(t, err, codec.ErrTooLarge)
}

// endless is an io.Reader that never ends, like /dev/zero.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	return len(p), nil
}
