//go:build unix

package pgfleet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/internal/pgtest"
)

// TestRenewRightAfterServerRestartSucceeds: after the server restarts
// (a crash, then a fast shutdown that tells every client 57P01), the
// pool's connections are all dead; the first Renew, Release and Acquire
// must still succeed on a new connection, not fail on a dead one (a
// holder that cannot renew in time must stop its bot). The pool holds
// several connections, all used before the restart, so one retry on
// another dead connection would not do.
func TestRenewRightAfterServerRestartSucceeds(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	srv := pgtest.Start(t)
	st := openURL(t, srv.URL(), "tgsession_test_restart", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	names := []string{"a", "b", "c", "d"}
	for _, n := range names {
		if err := st.Put(ctx, fleet.Meta{Name: n, AuthKeyID: "0123456789abcdef"}, []byte("tgsession-age-v1:"+n), false); err != nil {
			t.Fatal(err)
		}
	}
	leases := map[string]*fleet.Lease{}
	for _, n := range names {
		l, err := st.Acquire(ctx, n, "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		leases[n] = l
	}
	// Fill the pool: four statements at once hold four connections.
	busy := func() {
		errs := make(chan error, len(names))
		for _, n := range names {
			go func() {
				_, err := st.Get(ctx, n)
				errs <- err
			}()
		}
		for range names {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	for round := 1; round <= 2; round++ {
		busy()
		srv.Restart()
		for _, n := range names {
			op, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := st.Renew(op, leases[n])
			cancel()
			if err != nil {
				t.Fatalf("restart %d: renew of %s: %v", round, n, err)
			}
		}
	}
	// The fencing state survived both restarts: a new acquisition of a
	// released session gets a larger token.
	old := leases["a"].Token
	if err := st.Release(ctx, leases["a"]); err != nil {
		t.Fatal(err)
	}
	l, err := st.Acquire(ctx, "a", "h2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if l.Token <= old {
		t.Fatalf("token %d after %d", l.Token, old)
	}
	// While the server is down, a renewal fails as unreachable, which the
	// supervisor retries, never as a lost lease.
	srv.Kill()
	op, cancel2 := context.WithTimeout(ctx, 2*time.Second)
	defer cancel2()
	err = st.Renew(op, l)
	if !errors.Is(err, fleet.ErrUnreachable) || errors.Is(err, fleet.ErrLost) {
		t.Fatalf("renew with the server down: %v", err)
	}
}
