package gotdstorage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/gotd/td/session"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/vault"
	"github.com/tgsession/tgsession/vault/gotdstorage"
)

// fleetStores opens a fleet store per backend under a unique namespace:
// a directory always, Redis and PostgreSQL when their test URLs are set
// (skipped with a message otherwise). Every session left is removed at the
// end, and the PostgreSQL schema dropped.
func fleetStores(t *testing.T) map[string]func(t *testing.T) fleet.Store {
	out := map[string]func(t *testing.T) fleet.Store{}
	dir := filepath.Join(t.TempDir(), "fleet")
	out["dir"] = func(t *testing.T) fleet.Store { return openFleet(t, dir, "") }
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	ns := "tgs_gotdstorage_fleetrest_" + hex.EncodeToString(b)
	for name, env := range map[string]string{"redis": "TGSESSION_TEST_REDIS_URL", "postgres": "TGSESSION_TEST_POSTGRES_URL"} {
		u := os.Getenv(env)
		if u == "" {
			t.Logf("%s fleet tests skipped: set %s to run them against a real server", name, env)
			continue
		}
		nsb := ns
		if name == "redis" {
			nsb = ns + ":"
		}
		out[name] = func(t *testing.T) fleet.Store { return openFleet(t, u, nsb) }
	}
	return out
}

func openFleet(t *testing.T, loc, ns string) fleet.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := fleetopen.Open(ctx, loc, fleetopen.Options{Namespace: ns})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if p, err := st.List(ctx, fleet.ListOptions{Limit: fleet.MaxPageSize}); err == nil {
			for _, e := range p.Entries {
				if l, err := st.Acquire(ctx, e.Name, "cleanup", time.Second); err == nil {
					_ = st.Release(ctx, l)
				}
				_ = st.Delete(ctx, e.Name)
			}
		}
		switch {
		case strings.HasPrefix(loc, "postgres"):
			if c, err := pgx.Connect(ctx, loc); err == nil {
				_, _ = c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{ns}.Sanitize()+` CASCADE`)
				c.Close(ctx)
			}
		case strings.HasPrefix(loc, "redis"):
			if o, err := goredis.ParseURL(loc); err == nil {
				rc := goredis.NewClient(o)
				if keys, _ := rc.Keys(ctx, ns+"*").Result(); len(keys) > 0 {
					rc.Del(ctx, keys...)
				}
				rc.Close()
			}
		}
		st.Close()
	})
	return st
}

// putFleet seals a session to id and adds it to st as name.
func putFleet(t *testing.T, st fleet.Store, name string, id *age.X25519Identity, c byte, dc int) {
	t.Helper()
	vs := newSession(t, testSession(t, c, dc), nil)
	sealed, err := vs.Seal(vault.FormText, id.Recipient())
	require.NoError(t, err)
	m := fleet.Meta{Name: name, AuthKeyID: vs.KeyID().String(), Recipients: []string{id.Recipient().String()}}
	require.NoError(t, st.Put(context.Background(), m, sealed, false))
}

func fromFleet(t *testing.T, st fleet.Store, name string, id *age.X25519Identity, o gotdstorage.FleetOptions) (*gotdstorage.Storage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return gotdstorage.FromFleet(ctx, st, name, []age.Recipient{id.Recipient()}, []age.Identity{id}, o)
}

// TestFromFleet: on every backend, a fleet-backed Storage holds the lease
// while open (a second one on the name fails at once naming the holder,
// or waits for the release), gotd's Loader round-trips the session, a
// DC migration is written back with the fencing token and seen by the
// next holder.
func TestFromFleet(t *testing.T) {
	for backend, open := range fleetStores(t) {
		t.Run(backend, func(t *testing.T) {
			st := open(t)
			id := mustX25519(t)
			putFleet(t, st, "bot", id, 'a', 2)

			a, err := fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{Holder: "machine-a", TTL: 6 * time.Second})
			require.NoError(t, err)
			requireData(t, a, 2, "149.154.167.51:443", 'a')
			require.NoError(t, a.Err())

			// A second adapter on the name fails at once, naming the holder.
			_, err = fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{Holder: "machine-b"})
			require.ErrorIs(t, err, fleet.ErrHeld)
			held, ok := errors.AsType[*fleet.HeldError](err)
			require.True(t, ok, "%v", err)
			require.Equal(t, "machine-a", held.Holder)

			// A DC migration: gotd saves a new key for DC 4.
			loader := &session.Loader{Storage: a}
			data, err := loader.Load(context.Background())
			require.NoError(t, err)
			data.DC, data.Addr = 4, "149.154.167.91:443"
			data.AuthKey = bytes.Repeat([]byte{'b'}, 256)
			sum := sha1.Sum(data.AuthKey)
			data.AuthKeyID = sum[12:20]
			require.NoError(t, loader.Save(context.Background(), data))
			requireData(t, a, 4, "149.154.167.91:443", 'b')
			e, err := st.Get(context.Background(), "bot")
			require.NoError(t, err)
			require.Equal(t, hex.EncodeToString(sum[12:20]), e.AuthKeyID, "the metadata names the new key")
			require.Equal(t, a.Lease().Token, e.Fence)

			// A waiting adapter gets the session once the first closes.
			waiting := make(chan struct{}, 1)
			got := make(chan error, 1)
			var b *gotdstorage.Storage
			go func() {
				var err error
				b, err = fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{Holder: "machine-b", Wait: 30 * time.Second,
					PollEvery: 50 * time.Millisecond, OnHeld: func(h *fleet.HeldError) {
						if h.Holder == "machine-a" {
							select {
							case waiting <- struct{}{}:
							default:
							}
						}
					}})
				got <- err
			}()
			select {
			case <-waiting:
			case err := <-got:
				t.Fatalf("the second adapter did not wait: %v", err)
			case <-time.After(20 * time.Second):
				t.Fatal("the second adapter never tried")
			}
			require.NoError(t, a.Close())
			select {
			case <-a.Context().Done():
			default:
				t.Fatal("Close did not cancel the context")
			}
			_, err = a.LoadSession(context.Background())
			require.ErrorIs(t, err, gotdstorage.ErrLeaseLost, "a closed storage hands out nothing")
			select {
			case err := <-got:
				require.NoError(t, err)
			case <-time.After(20 * time.Second):
				t.Fatal("the waiting adapter did not get the session after the release")
			}
			defer b.Close()
			requireData(t, b, 4, "149.154.167.91:443", 'b')
			require.Greater(t, b.Lease().Token, e.Fence, "tokens grow")
		})
	}
}

// TestFromFleetStaleTokenIsRefused: after the lease was taken from under
// an adapter (released behind its back, acquired by another holder), its
// write-back is refused by the store, the store keeps the new holder's
// session, and the adapter reports the loss (context cancelled, OnLost,
// ErrLeaseLost).
func TestFromFleetStaleTokenIsRefused(t *testing.T) {
	for backend, open := range fleetStores(t) {
		t.Run(backend, func(t *testing.T) {
			st := open(t)
			id := mustX25519(t)
			putFleet(t, st, "bot", id, 'a', 2)
			lost := make(chan error, 1)
			// A long TTL: the supervisor does not renew (and notice) during
			// the test, so the write-back meets the store's fencing.
			a, err := fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{Holder: "a", TTL: 5 * time.Minute,
				OnLost: func(err error) { lost <- err }})
			require.NoError(t, err)
			defer a.Close()
			l := a.Lease()
			forged := fleet.NewLease(l.Name, l.Holder, l.Token, l.TTL, l.Value, time.Time{}, time.Now())
			require.NoError(t, st.Release(context.Background(), forged))
			other, err := st.Acquire(context.Background(), "bot", "b", time.Minute)
			require.NoError(t, err)
			defer st.Release(context.Background(), other)
			before, err := st.Get(context.Background(), "bot")
			require.NoError(t, err)

			loader := &session.Loader{Storage: a}
			data, err := loader.Load(context.Background())
			require.NoError(t, err)
			data.AuthKey = bytes.Repeat([]byte{'z'}, 256)
			sum := sha1.Sum(data.AuthKey)
			data.AuthKeyID = sum[12:20]
			err = loader.Save(context.Background(), data)
			require.ErrorIs(t, err, fleet.ErrFenced)
			require.ErrorIs(t, err, gotdstorage.ErrLeaseLost)
			after, err := st.Get(context.Background(), "bot")
			require.NoError(t, err)
			require.Equal(t, before.Digest, after.Digest, "the stale write-back changed the store")
			select {
			case <-a.Context().Done():
			default:
				t.Fatal("the context is not cancelled after a fenced write-back")
			}
			select {
			case err := <-lost:
				require.ErrorIs(t, err, fleet.ErrFenced)
			case <-time.After(10 * time.Second):
				t.Fatal("OnLost was not called")
			}
			_, err = a.LoadSession(context.Background())
			require.ErrorIs(t, err, gotdstorage.ErrLeaseLost)
		})
	}
}

// TestFromFleetRenewalLossCancelsTheContext: when the store refuses a
// renewal (the lease was released behind the adapter's back), the context
// is cancelled and OnLost called before the lease's deadline.
func TestFromFleetRenewalLossCancelsTheContext(t *testing.T) {
	for backend, open := range fleetStores(t) {
		t.Run(backend, func(t *testing.T) {
			st := open(t)
			id := mustX25519(t)
			putFleet(t, st, "bot", id, 'a', 2)
			lost := make(chan error, 1)
			var at time.Time
			// Renewals every 200 ms under a 1 minute TTL: the refused
			// renewal comes long before the supervisor would give the
			// lease up on its own (Grace, 20 s, before the deadline), so
			// the loss reported is the store's refusal, not the clock.
			a, err := fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{Holder: "a", TTL: time.Minute, RenewEvery: 200 * time.Millisecond,
				OnLost: func(err error) { at = time.Now(); lost <- err }})
			require.NoError(t, err)
			defer a.Close()
			l := a.Lease()
			forged := fleet.NewLease(l.Name, l.Holder, l.Token, l.TTL, l.Value, time.Time{}, time.Now())
			require.NoError(t, st.Release(context.Background(), forged))
			select {
			case err := <-lost:
				require.ErrorIs(t, err, gotdstorage.ErrLeaseLost)
				require.ErrorIs(t, err, fleet.ErrLost)
				require.True(t, at.Before(l.Deadline()), "reported %v after the deadline", at.Sub(l.Deadline()))
			case <-time.After(20 * time.Second):
				t.Fatal("the loss was not reported")
			}
			<-a.Context().Done()
			require.ErrorIs(t, a.Err(), gotdstorage.ErrLeaseLost)
			require.NoError(t, a.Close(), "closing after a loss")
		})
	}
}

// TestFromFleetBadInput: a missing session, a wrong identity and a
// tampered store value are refused, and the lease is not left behind.
func TestFromFleetBadInput(t *testing.T) {
	st := openFleet(t, filepath.Join(t.TempDir(), "fleet"), "")
	id := mustX25519(t)
	_, err := fromFleet(t, st, "nope", id, gotdstorage.FleetOptions{})
	require.ErrorIs(t, err, fleet.ErrNotFound)
	putFleet(t, st, "bot", id, 'a', 2)
	_, err = fromFleet(t, st, "bot", mustX25519(t), gotdstorage.FleetOptions{})
	require.ErrorIs(t, err, vault.ErrWrongKey)
	// Metadata naming another key than the envelope holds: tampered.
	e, err := st.Get(context.Background(), "bot")
	require.NoError(t, err)
	e.Meta.AuthKeyID = "0123456789abcdef"
	require.NoError(t, st.Put(context.Background(), e.Meta, e.Sealed, true))
	_, err = fromFleet(t, st, "bot", id, gotdstorage.FleetOptions{})
	require.ErrorIs(t, err, fleet.ErrTampered)
	// None of the failures left a lease.
	l, err := st.Acquire(context.Background(), "bot", "x", time.Second)
	require.NoError(t, err)
	require.NoError(t, st.Release(context.Background(), l))
	_, err = gotdstorage.FromFleet(context.Background(), st, "bot", nil, []age.Identity{id}, gotdstorage.FleetOptions{})
	require.ErrorIs(t, err, vault.ErrMalformed)
}
