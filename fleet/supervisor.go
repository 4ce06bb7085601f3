package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Clock is the time source of a [Supervisor]; tests use a fake one.
type Clock interface {
	Now() time.Time
	// Timer returns a channel that receives once d has passed, and a
	// function that stops the timer.
	Timer(d time.Duration) (<-chan time.Time, func())
}

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

func (SystemClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Renewer renews a lease: a [Store] is one.
type Renewer interface {
	Renew(ctx context.Context, l *Lease) error
}

// SuperviseOptions configure [Supervise].
type SuperviseOptions struct {
	// Stop is called at most once, from the supervisor's goroutine, when
	// the lease can no longer be kept: renewal was refused (ErrLost,
	// ErrNotFound), or kept failing until Grace before the local deadline.
	// It receives the reason. The CLI stops its child there (SIGTERM, then
	// SIGKILL); Stop should return once the key is out of use.
	Stop func(reason error)
	// Grace is how long Stop needs: it is called no later than Grace
	// before the lease's local deadline. 0 means TTL/3. Must be below the
	// TTL minus RenewEvery.
	Grace time.Duration
	// RenewEvery is the renewal period; 0 means TTL/3.
	RenewEvery time.Duration
	// RetryEvery is the pause between failed renewals; 0 means
	// RenewEvery/4, at least 10 ms.
	RetryEvery time.Duration
	// Clock is the time source; nil means the system clock.
	Clock Clock
	// OnRenew, when set, is called after every renewal attempt with its
	// result (for logs and tests).
	OnRenew func(err error)
}

// ErrDeadline is the reason given to Stop when renewals failed until the
// grace period before the local deadline.
var ErrDeadline = errors.New("fleet: lease renewal kept failing until the stop deadline")

// Supervisor keeps a lease renewed while its holder runs.
type Supervisor struct {
	r      Renewer
	l      *Lease
	o      SuperviseOptions
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	reason error
}

// Supervise starts renewing l at RenewEvery (TTL/3 by default) in a
// goroutine. Its local deadline starts at l.Deadline() and moves to
// send-time + TTL after every successful renewal; Stop is called before
// deadline - Grace passes without a success, or as soon as the store says
// the lease is gone. A lease already past its deadline minus Grace (the
// caller waited on the store after acquiring) is stopped at once: start
// using the session only after Supervise returned and Done is still open.
// Call [Supervisor.Close] when the holder is done (then release the lease).
func Supervise(r Renewer, l *Lease, o SuperviseOptions) (*Supervisor, error) {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.RenewEvery <= 0 {
		o.RenewEvery = l.TTL / 3
	}
	if o.Grace <= 0 {
		o.Grace = l.TTL / 3
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = max(o.RenewEvery/4, 10*time.Millisecond)
	}
	if o.RenewEvery+o.Grace >= l.TTL {
		return nil, fmt.Errorf("renewal period %v plus grace %v must be below the lease TTL %v: %w", o.RenewEvery, o.Grace, l.TTL, ErrBadValue)
	}
	s := &Supervisor{r: r, l: l, o: o, quit: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s, nil
}

// Done is closed when the supervisor has stopped (after Stop was called,
// or after Close).
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Err is the reason Stop was called, or nil.
func (s *Supervisor) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Close stops renewing and waits for the goroutine (and a Stop call in
// progress) to end. It returns the reason Stop was called, or nil.
func (s *Supervisor) Close() error {
	s.once.Do(func() { close(s.quit) })
	<-s.done
	return s.Err()
}

func (s *Supervisor) stop(reason error) {
	s.mu.Lock()
	s.reason = reason
	s.mu.Unlock()
	if s.o.Stop != nil {
		s.o.Stop(reason)
	}
}

// wait returns false when the supervisor was closed first.
func (s *Supervisor) wait(d time.Duration) bool {
	if d <= 0 {
		select {
		case <-s.quit:
			return false
		default:
			return true
		}
	}
	c, cancel := s.o.Clock.Timer(d)
	defer cancel()
	select {
	case <-c:
		return true
	case <-s.quit:
		return false
	}
}

func (s *Supervisor) run() {
	defer close(s.done)
	clk := s.o.Clock
	deadline := s.l.Deadline()
	next := deadline.Add(-s.l.TTL).Add(s.o.RenewEvery)
	var lastErr error
	for {
		stopAt := deadline.Add(-s.o.Grace)
		now := clk.Now()
		if !now.Before(stopAt) {
			s.stop(fmt.Errorf("%w (last error: %w)", ErrDeadline, lastErr))
			return
		}
		wake := next
		if stopAt.Before(wake) {
			wake = stopAt
		}
		if !s.wait(wake.Sub(now)) {
			return
		}
		now = clk.Now()
		if !now.Before(stopAt) {
			if lastErr == nil {
				lastErr = errors.New("no renewal attempt succeeded in time")
			}
			s.stop(fmt.Errorf("%w (last error: %w)", ErrDeadline, lastErr))
			return
		}
		if now.Before(next) {
			continue
		}
		sent := now
		err := s.renew(stopAt.Sub(sent))
		if s.o.OnRenew != nil {
			s.o.OnRenew(err)
		}
		select {
		case <-s.quit:
			return
		default:
		}
		switch {
		case err == nil:
			lastErr = nil
			if d := sent.Add(s.l.TTL); d.After(deadline) {
				deadline = d
			}
			next = sent.Add(s.o.RenewEvery)
		case errors.Is(err, ErrLost), errors.Is(err, ErrNotFound), errors.Is(err, ErrFenced), errors.Is(err, ErrBadValue):
			s.stop(err)
			return
		default:
			lastErr = err
			next = clk.Now().Add(s.o.RetryEvery)
		}
	}
}

// renew calls Renew with a context cancelled after d (by the supervisor's
// clock) or when the supervisor is closed. It returns when either happens
// even if Renew has not returned (a driver stuck in a dial or a read must
// not delay the stop); Renew's late result is then ignored.
func (s *Supervisor) renew(d time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, stopTimer := s.o.Clock.Timer(d)
	defer stopTimer()
	res := make(chan error, 1)
	go func() { res <- s.r.Renew(ctx, s.l) }()
	select {
	case err := <-res:
		return err
	case <-c:
		return fmt.Errorf("renewal still running at the stop time: %w", context.DeadlineExceeded)
	case <-s.quit:
		return context.Canceled
	}
}
