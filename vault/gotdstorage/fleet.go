package gotdstorage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/vault"
)

// ErrLeaseLost is returned by LoadSession and StoreSession of a
// fleet-backed Storage once its lease is gone: renewal was refused or
// kept failing until the grace period before the lease's deadline, a
// write-back was fenced (another holder acquired the session), or the
// Storage was closed. The key may be live in another process: the client
// must not use it any more. Errors wrapping it also wrap the reason (for
// example [fleet.ErrLost], [fleet.ErrFenced] or [fleet.ErrDeadline]).
var ErrLeaseLost = errors.New("gotdstorage: the fleet lease on the session is lost")

// FleetOptions configure [FromFleet].
type FleetOptions struct {
	// Holder names this process in the lease (what a competing process is
	// told); "" means "HOST/pid-N/gotd".
	Holder string
	// TTL is the lease's time to live, by the store's clock; 0 means 30 s.
	// The lease is renewed every RenewEvery while the Storage is open.
	TTL time.Duration
	// Wait is how long FromFleet waits for a session that another holder
	// leases; 0 means it fails at once with a [*fleet.HeldError] naming
	// the holder.
	Wait time.Duration
	// PollEvery is the pause between acquisition attempts while waiting;
	// 0 means 500 ms.
	PollEvery time.Duration
	// OnHeld, when set, is called with the current holder each time an
	// acquisition attempt finds the session leased while waiting (for
	// logs).
	OnHeld func(*fleet.HeldError)
	// RenewEvery is the renewal period; 0 means TTL/3.
	RenewEvery time.Duration
	// Grace is how long the client needs to stop after being told to:
	// the lease is given up (Context cancelled, OnLost called) no later
	// than Grace before its deadline. 0 means TTL/3. RenewEvery + Grace
	// must be below the TTL.
	Grace time.Duration
	// OnLost, when set, is called once, in a goroutine of this package,
	// when the lease is lost, after Context is cancelled, with the reason
	// (wrapping [ErrLeaseLost]). It should return once the key is out of
	// use (for example after the gotd client's Run returned); the lease
	// expires Grace after the call at the earliest. It must not call the
	// Storage's methods (Close waits for it).
	OnLost func(reason error)
}

// fleetState is the lease side of a fleet-backed Storage.
type fleetState struct {
	st     fleet.Store
	lease  *fleet.Lease
	sup    *fleet.Supervisor
	ctx    context.Context
	cancel context.CancelFunc
	onLost func(error)

	mu     sync.Mutex
	lost   error // why the lease is gone; nil while held
	closed bool
}

// FromFleet returns a Storage for the session name of the fleet store st
// that holds the session's lease for as long as the Storage is open, so
// that the auth key is live in this process only:
//
//   - It acquires the lease (as holder, for TTL, by the store's clock). If
//     another process holds it, FromFleet fails at once with an error
//     wrapping [fleet.ErrHeld] whose [*fleet.HeldError] names the holder,
//     or, with Wait, retries every PollEvery until Wait has passed.
//   - It opens the sealed value with ids and checks that the opened key is
//     the one the store's metadata names ([fleet.ErrTampered] if not).
//   - It renews the lease in the background (a [fleet.Supervisor]).
//   - StoreSession re-seals what gotd saves (a DC migration, a new key) to
//     recipients and writes it back with the lease's fencing token: a
//     write after another holder acquired the session is refused by the
//     store ([fleet.ErrFenced]; the Storage then counts its lease as lost).
//     When every recipient has a String method (X25519, ssh, hybrid
//     recipients do), the store's recorded recipient list is replaced by
//     theirs; otherwise it is kept.
//   - Close stops renewing and releases the lease.
//
// If the lease cannot be kept — the store refuses a renewal (the lease
// expired or was taken) or renewals keep failing (the store is down) until
// Grace before the lease's local deadline — the Storage cancels the
// context returned by [Storage.Context] and calls OnLost, then refuses
// LoadSession and StoreSession with [ErrLeaseLost]. The client must then
// stop before the lease can expire and be taken by another process: run
// it under that context,
//
//	client.Run(st.Context(), …)
//
// and choose Grace longer than the client needs to return from Run after
// its context is cancelled (gotd closes its connections at once; the
// default, TTL/3, is 10 s for the default TTL). Cancellation is a request:
// this package cannot stop a client that ignores it.
//
// The session must already be in the store (tgsession fleet add); a
// fleet-backed Storage cannot create it (a lease needs an entry). The
// store is not closed by Close.
func FromFleet(ctx context.Context, st fleet.Store, name string, recipients []age.Recipient, ids []age.Identity, o FleetOptions) (*Storage, error) {
	if st == nil {
		return nil, fmt.Errorf("gotdstorage: no fleet store: %w", fleet.ErrBadValue)
	}
	if err := fleet.CheckName(name); err != nil {
		return nil, fmt.Errorf("gotdstorage: %w", err)
	}
	if len(recipients) == 0 {
		return nil, fmt.Errorf("gotdstorage: no recipients to re-seal the session to: %w", vault.ErrMalformed)
	}
	if o.Holder == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "unknown-host"
		}
		o.Holder = fmt.Sprintf("%s/pid-%d/gotd", host, os.Getpid())
	}
	if o.TTL == 0 {
		o.TTL = 30 * time.Second
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 500 * time.Millisecond
	}
	if err := fleet.CheckHolder(o.Holder); err != nil {
		return nil, fmt.Errorf("gotdstorage: %w", err)
	}
	if err := fleet.CheckTTL(o.TTL); err != nil {
		return nil, fmt.Errorf("gotdstorage: %w", err)
	}
	if o.Wait < 0 {
		return nil, fmt.Errorf("gotdstorage: negative wait: %w", fleet.ErrBadValue)
	}

	l, err := acquire(ctx, st, name, o)
	if err != nil {
		return nil, err
	}
	release := func() {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = st.Release(rctx, l)
	}
	e, err := st.Get(ctx, name)
	if err != nil {
		release()
		return nil, err
	}
	vs, err := vault.Open(e.Sealed, ids...)
	if err != nil {
		release()
		return nil, err
	}
	if err := fleet.VerifyOpened(e, vs.KeyID().String()); err != nil {
		vs.Destroy()
		release()
		return nil, err
	}
	fs := &fleetState{st: st, lease: l, onLost: o.OnLost}
	fs.ctx, fs.cancel = context.WithCancel(context.Background())
	sup, err := fleet.Supervise(st, l, fleet.SuperviseOptions{Stop: fs.stop, Grace: o.Grace, RenewEvery: o.RenewEvery})
	if err != nil {
		vs.Destroy()
		fs.cancel()
		release()
		return nil, fmt.Errorf("gotdstorage: %w", err)
	}
	fs.sup = sup
	return &Storage{sess: vs, entry: name, recipients: recipients, fl: fs}, nil
}

// acquire takes the lease, waiting up to o.Wait for a held session.
func acquire(ctx context.Context, st fleet.Store, name string, o FleetOptions) (*fleet.Lease, error) {
	deadline := time.Now().Add(o.Wait)
	for {
		l, err := st.Acquire(ctx, name, o.Holder, o.TTL)
		held, isHeld := errors.AsType[*fleet.HeldError](err)
		if !errors.Is(err, fleet.ErrHeld) || o.Wait == 0 || !time.Now().Before(deadline) {
			return l, err
		}
		if isHeld && o.OnHeld != nil {
			o.OnHeld(held)
		}
		t := time.NewTimer(min(o.PollEvery, time.Until(deadline)+time.Millisecond))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("gotdstorage: waiting for the lease on %q: %w (last: %w)", name, ctx.Err(), err)
		}
	}
}

// Context returns a context that is cancelled when the Storage's fleet
// lease is lost or the Storage is closed; run the gotd client under it.
// For a Storage that is not fleet-backed it is never cancelled.
func (s *Storage) Context() context.Context {
	if s.fl == nil {
		return context.Background()
	}
	return s.fl.ctx
}

// Lease returns the fleet lease a fleet-backed Storage holds (its name,
// holder, fencing token and deadline), or nil.
func (s *Storage) Lease() *fleet.Lease {
	if s.fl == nil {
		return nil
	}
	return s.fl.lease
}

// Err returns why the fleet lease was lost (wrapping [ErrLeaseLost]), or
// nil while it is held (and for a Storage that is not fleet-backed).
func (s *Storage) Err() error { return s.fl.lostErr() }

// stop is the supervisor's Stop: the lease is gone or about to be.
func (f *fleetState) stop(reason error) {
	if f.markLost(reason) && f.onLost != nil {
		f.onLost(f.lostErr())
	}
}

// markLost records reason and cancels the context; false if the lease was
// already counted lost.
func (f *fleetState) markLost(reason error) bool {
	f.mu.Lock()
	first := f.lost == nil
	if first {
		f.lost = fmt.Errorf("%w: %w", ErrLeaseLost, reason)
	}
	f.mu.Unlock()
	f.cancel()
	return first
}

func (f *fleetState) lostErr() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lost
}

// writeBack seals next to recipients and writes it with the lease's token.
func (f *fleetState) writeBack(ctx context.Context, next *vault.Session, recipients []age.Recipient) error {
	sealed, err := next.Seal(vault.FormText, recipients...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var names []string
	for _, r := range recipients {
		sr, ok := r.(fmt.Stringer)
		if !ok {
			names = nil
			break
		}
		names = append(names, sr.String())
	}
	akid := next.KeyID().String()
	if names != nil {
		err = f.st.Reseal(ctx, f.lease, akid, names, sealed)
	} else {
		err = f.st.WriteBack(ctx, f.lease, akid, sealed)
	}
	if errors.Is(err, fleet.ErrFenced) || errors.Is(err, fleet.ErrNotFound) {
		// Another holder acquired the session (or it was deleted): ours
		// is not the live copy any more. (OnLost runs apart: the caller
		// holds the Storage's lock.)
		if f.markLost(err) && f.onLost != nil {
			go f.onLost(f.lostErr())
		}
		return f.lostErr()
	}
	return err
}

// close stops renewing and releases the lease.
func (f *fleetState) close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()
	supErr := f.sup.Close()
	f.markLost(errors.New("the storage was closed"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.st.Release(ctx, f.lease)
	if supErr != nil || errors.Is(err, fleet.ErrLost) {
		// The lease was already lost (and reported); releasing it
		// cannot succeed.
		return nil
	}
	return err
}
