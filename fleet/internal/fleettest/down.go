package fleettest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/internal/tcpproxy"
)

// Down is what the store-down tests need from a backend.
type Down struct {
	Backend
	// Addr is the real server's host:port.
	Addr string
	// OpenAt opens a store on the same namespace as Open, connecting to
	// addr instead of the server.
	OpenAt func(t *testing.T, addr string) fleet.Store
}

func proxy(t *testing.T, addr string) *tcpproxy.Proxy {
	p, err := tcpproxy.Start("127.0.0.1:0", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func short(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	t.Cleanup(cancel)
	return c
}

// RunDown runs the store-down behaviour through a proxy the test controls
// (the real server is never stopped).
func RunDown(t *testing.T, d Down) {
	t.Run("StoreDownAtAcquireIsUnreachable", func(t *testing.T) {
		direct := d.Open(t)
		put(t, direct, "a")
		p := proxy(t, d.Addr)
		s := d.OpenAt(t, p.Addr())
		p.Down()
		if _, err := s.Acquire(short(t), "a", "h", time.Minute); !errors.Is(err, fleet.ErrUnreachable) {
			t.Fatalf("acquire: %v", err)
		}
		if _, err := s.AcquireAny(short(t), "", "h", time.Minute); !errors.Is(err, fleet.ErrUnreachable) {
			t.Fatalf("acquire any: %v", err)
		}
		p.Up()
		l, err := s.Acquire(short(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatalf("acquire after the store came back: %v", err)
		}
		if err := s.Release(short(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("StoreDownAtRenewIsUnreachableAndTheLeaseSurvivesUntilItsTTL", func(t *testing.T) {
		direct := d.Open(t)
		put(t, direct, "a")
		p := proxy(t, d.Addr)
		s := d.OpenAt(t, p.Addr())
		l, err := s.Acquire(short(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		p.Down()
		if err := s.Renew(short(t), l); !errors.Is(err, fleet.ErrUnreachable) {
			t.Fatalf("renew: %v", err)
		}
		if _, err := direct.Acquire(short(t), "a", "other", time.Minute); !errors.Is(err, fleet.ErrHeld) {
			t.Fatalf("the lease vanished while the store was unreachable: %v", err)
		}
		p.Up()
		eventually(t, "renew after the store came back", func() error { return s.Renew(short(t), l) })
		if err := s.Release(short(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RenewRightAfterEveryConnectionWasCutSucceeds", func(t *testing.T) {
		direct := d.Open(t)
		put(t, direct, "a")
		p := proxy(t, d.Addr)
		s := d.OpenAt(t, p.Addr())
		l, err := s.Acquire(short(t), "a", "h", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if p.Cut() == 0 {
				t.Fatal("no connection to cut")
			}
			// The pooled connection is dead: the store must notice and
			// renew on a new one within the one call.
			if err := s.Renew(short(t), l); err != nil {
				t.Fatalf("renew %d after a cut: %v", i, err)
			}
		}
		if err := s.Release(short(t), l); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("StoreDownAtReleaseLeavesTheLeaseToExpire", func(t *testing.T) {
		direct := d.Open(t)
		put(t, direct, "a")
		p := proxy(t, d.Addr)
		s := d.OpenAt(t, p.Addr())
		l, err := s.Acquire(short(t), "a", "h", 300*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		p.Down()
		if err := s.Release(short(t), l); !errors.Is(err, fleet.ErrUnreachable) {
			t.Fatalf("release: %v", err)
		}
		var l2 *fleet.Lease
		eventually(t, "takeover after the unreleased lease expired", func() error {
			var err error
			l2, err = direct.Acquire(short(t), "a", "other", time.Minute)
			return err
		})
		p.Up()
		if err := s.WriteBack(short(t), l, KeyID(), Sealed()); !errors.Is(err, fleet.ErrFenced) {
			t.Fatalf("write-back of the holder that could not release: %v", err)
		}
		_ = direct.Release(short(t), l2)
	})
	t.Run("SupervisorStopsBeforeTheDeadlineWhenTheStoreGoesDown", func(t *testing.T) {
		direct := d.Open(t)
		put(t, direct, "a")
		p := proxy(t, d.Addr)
		s := d.OpenAt(t, p.Addr())
		// TTL 6 s: renewals every 2 s, retries every 0.5 s, stop 2 s before
		// the deadline, so a reconnection on a loaded machine has 2 s.
		l, err := s.Acquire(short(t), "a", "h", 6*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var (
			mu      sync.Mutex
			stopped time.Time
			reason  error
			renewed int
		)
		stop := make(chan struct{})
		sup, err := fleet.Supervise(s, l, fleet.SuperviseOptions{
			Stop: func(err error) {
				mu.Lock()
				stopped, reason = time.Now(), err
				mu.Unlock()
				close(stop)
			},
			OnRenew: func(err error) {
				if err == nil {
					mu.Lock()
					renewed++
					mu.Unlock()
				}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		eventually(t, "a renewal", func() error {
			mu.Lock()
			defer mu.Unlock()
			if renewed < 1 {
				return errors.New("not yet")
			}
			return nil
		})
		p.Cut() // a cut connection alone is survived
		eventually(t, "a renewal after a cut", func() error {
			mu.Lock()
			defer mu.Unlock()
			if renewed < 2 {
				return errors.New("not yet")
			}
			return nil
		})
		p.Down()
		select {
		case <-stop:
		case <-time.After(10 * time.Second):
			t.Fatal("not stopped 10 s after the store went down")
		}
		mu.Lock()
		defer mu.Unlock()
		if !errors.Is(reason, fleet.ErrDeadline) {
			t.Fatalf("reason: %v", reason)
		}
		if !stopped.Before(l.Deadline()) {
			t.Fatalf("stopped %v after the lease's local deadline", stopped.Sub(l.Deadline()))
		}
		if err := sup.Close(); !errors.Is(err, fleet.ErrDeadline) {
			t.Fatalf("close: %v", err)
		}
	})
	t.Run("SupervisorStopsAtOnceWhenTheLeaseIsLost", func(t *testing.T) {
		s := d.Open(t)
		put(t, s, "a")
		l, err := s.Acquire(short(t), "a", "h", 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Someone releases it behind our back (an operator, a bug).
		forged := fleet.NewLease("a", "h", l.Token, l.TTL, l.Value, time.Time{}, time.Now())
		stop := make(chan error, 1)
		sup, err := fleet.Supervise(s, l, fleet.SuperviseOptions{Stop: func(err error) { stop <- err }})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Release(short(t), forged); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-stop:
			if !errors.Is(err, fleet.ErrLost) {
				t.Fatalf("reason: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("not stopped")
		}
		_ = sup.Close()
	})
}
