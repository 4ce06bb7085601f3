package vault_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/awnumar/memguard"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
)

func init() {
	// purge-ephemeral: memguard.Purge (what the CLI's signal handler and
	// exit do) destroys an ephemeral session's buffer; the session then
	// fails with ErrDestroyed instead of reading unmapped memory. In a
	// child: Purge would destroy the other tests' buffers.
	children["purge-ephemeral"] = func() error {
		ids, err := ephemeralIDs(os.Getenv("VAULT_TEST_ID"), os.TempDir())
		if err != nil {
			return err
		}
		s, err := vault.Open([]byte(os.Getenv("VAULT_TEST_SEALED")), ids)
		if err != nil {
			return err
		}
		if !s.Alive() {
			return errors.New("not alive after open")
		}
		memguard.Purge()
		if s.Alive() {
			return errors.New("alive after memguard.Purge")
		}
		if err := s.WithKey(func(*[256]byte) error { return nil }); !errors.Is(err, vault.ErrDestroyed) {
			return fmt.Errorf("WithKey after Purge: %v", err)
		}
		if _, err := s.ToCodec(); !errors.Is(err, vault.ErrDestroyed) {
			return fmt.Errorf("ToCodec after Purge: %v", err)
		}
		s.Destroy()
		s.Destroy()
		return nil
	}
}

// ephemeralIDs finds id (an identity string) through a KeySearch with
// Ephemeral set, from a 0600 file in dir.
func ephemeralIDs(id, dir string) (*vault.Identities, error) {
	f, err := os.CreateTemp(dir, "id-*.txt")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(id + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return (&vault.KeySearch{Files: []string{f.Name()}, Ephemeral: true}).Find()
}

// TestEphemeralSessionsHoldTheKeyUntilDestroy: a session opened with
// KeySearch.Ephemeral identities gives the key back (WithKey, ToCodec,
// Seal), prints no part of it, and after Destroy holds nothing.
func TestEphemeralSessionsHoldTheKeyUntilDestroy(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(fullSession(t), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	ids, err := ephemeralIDs(x.String(), t.TempDir())
	require.NoError(t, err)

	s, err := vault.Open(sealed, ids)
	require.NoError(t, err)
	require.True(t, s.Alive())
	requireKey(t, s, testKey('m'))
	requireKey(t, s, testKey('m')) // the buffer is read again, not consumed
	cs, err := s.ToCodec()
	require.NoError(t, err)
	require.True(t, bytes.Equal(testKey('m'), cs.Key.Reveal()), "ToCodec key differs")
	cs.Wipe()
	resealed, err := s.Seal(vault.FormText, x.Recipient())
	require.NoError(t, err)
	back, err := vault.Open(resealed, x)
	require.NoError(t, err)
	requireKey(t, back, testKey('m'))
	back.Destroy()

	out := fmt.Sprintf("%v %+v %#v %s %q %x %v %+v %#v", s, s, s, s, s, s, *s, *s, *s)
	requireNoSecret(t, out, testKey('m'))
	require.Contains(t, out, s.KeyID().String())

	s.Destroy()
	require.False(t, s.Alive())
	require.ErrorIs(t, s.WithKey(func(*[256]byte) error { return nil }), vault.ErrDestroyed)
	_, err = s.ToCodec()
	require.ErrorIs(t, err, vault.ErrDestroyed)
	s.Destroy() // twice is fine
}

// TestEphemeralSessionsBeyondTheBudgetUseEnclaves: more ephemeral sessions
// than the budget are live at once; every one works (the ones over the
// budget hold an Enclave), concurrent WithKey calls on all of them finish
// (no slot is waited for forever), and after Destroy the budget is free
// again.
func TestEphemeralSessionsBeyondTheBudgetUseEnclaves(t *testing.T) {
	x := newX25519(t)
	ids, err := ephemeralIDs(x.String(), t.TempDir())
	require.NoError(t, err)
	var sealed [][]byte
	for i := range 6 {
		b, err := sealWith(testSession(t, byte('a'+i), 2), vault.FormText, []age.Recipient{x.Recipient()})
		require.NoError(t, err)
		sealed = append(sealed, b)
	}
	for round := range 2 {
		// Opening, using and destroying all run under one deadline: a
		// budget that let ephemeral keys take every slot would block an
		// Open or a WithKey forever.
		errc := make(chan error, 1)
		go func() {
			var live []*vault.Session
			defer func() {
				for _, s := range live {
					s.Destroy()
				}
			}()
			for i := range sealed {
				s, err := vault.Open(sealed[i], ids)
				if err != nil {
					errc <- fmt.Errorf("round %d session %d: %w", round, i, err)
					return
				}
				live = append(live, s)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var bad []int
			for i, s := range live {
				for range 4 {
					wg.Go(func() {
						_ = s.WithKey(func(k *[256]byte) error {
							if k[0] != byte('a'+i) {
								mu.Lock()
								bad = append(bad, i)
								mu.Unlock()
							}
							time.Sleep(time.Millisecond)
							return nil
						})
					})
				}
			}
			wg.Wait()
			if len(bad) > 0 {
				errc <- fmt.Errorf("round %d: wrong key in sessions %v", round, bad)
				return
			}
			errc <- nil
		}()
		select {
		case err := <-errc:
			require.NoError(t, err)
		case <-time.After(time.Minute):
			t.Fatal("opening and using ephemeral and enclave sessions never finished: a slot is waited for forever")
		}
	}
}

func TestEphemeralPurgeIsErrDestroyedNotACrash(t *testing.T) {
	x := newX25519(t)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	out, err := child(t, "", "purge-ephemeral", []string{"VAULT_TEST_ID=" + x.String(), "VAULT_TEST_SEALED=" + string(sealed), "TMPDIR=" + t.TempDir()}, nil, 30*time.Second)
	require.NoError(t, err, "child output: %s", out)
	require.Contains(t, out, "CHILD OK")
	requireNoSecret(t, out, append(idSecrets(x), testKey('a'))...)
}
