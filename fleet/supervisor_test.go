package fleet

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	cond   *sync.Cond
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at time.Time
	c  chan time.Time
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Timer(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
		return t.c, func() {}
	}
	c.timers = append(c.timers, t)
	c.cond.Broadcast()
	return t.c, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.remove(t)
	}
}

func (c *fakeClock) remove(t *fakeTimer) {
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.cond.Broadcast()
			return
		}
	}
}

// waitTimers blocks until exactly n timers are pending and returns the
// earliest one's time.
func (c *fakeClock) waitTimers(t *testing.T, n int) time.Time {
	t.Helper()
	done := make(chan time.Time, 1)
	go func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for len(c.timers) != n {
			c.cond.Wait()
		}
		sort.Slice(c.timers, func(i, j int) bool { return c.timers[i].at.Before(c.timers[j].at) })
		done <- c.timers[0].at
	}()
	select {
	case at := <-done:
		return at
	case <-time.After(10 * time.Second):
		t.Fatalf("no %d pending timers after 10 s", n)
		return time.Time{}
	}
}

// set moves the clock to at and fires the timers due.
func (c *fakeClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	var keep []*fakeTimer
	for _, t := range c.timers {
		if !t.at.After(at) {
			t.c <- at
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.cond.Broadcast()
}

type renewCall struct {
	ctx  context.Context
	resp chan error
}

// fakeRenewer hands every Renew to the test.
type fakeRenewer struct{ calls chan renewCall }

func (f *fakeRenewer) Renew(ctx context.Context, l *Lease) error {
	c := renewCall{ctx, make(chan error)}
	f.calls <- c
	return <-c.resp
}

type harness struct {
	t       *testing.T
	clk     *fakeClock
	r       *fakeRenewer
	l       *Lease
	t0      time.Time
	sup     *Supervisor
	stopped chan time.Time
	reason  error
	renewed chan error
}

const ttl = 30 * time.Second

func start(t *testing.T, o SuperviseOptions) *harness {
	h := &harness{t: t, clk: newFakeClock(), r: &fakeRenewer{calls: make(chan renewCall)}, stopped: make(chan time.Time, 2), renewed: make(chan error, 1)}
	h.t0 = h.clk.Now()
	h.l = NewLease("bot-1", "h", 7, ttl, "v", h.t0.Add(ttl), h.t0)
	o.Clock = h.clk
	o.Stop = func(err error) {
		h.reason = err
		h.stopped <- h.clk.Now()
	}
	o.OnRenew = func(err error) { h.renewed <- err }
	sup, err := Supervise(h.r, h.l, o)
	if err != nil {
		t.Fatal(err)
	}
	h.sup = sup
	t.Cleanup(func() { sup.Close() })
	return h
}

// next waits for the supervisor to sleep, checks when it will wake, and
// moves the clock there.
func (h *harness) next(want time.Duration) {
	h.t.Helper()
	at := h.clk.waitTimers(h.t, 1)
	if got := at.Sub(h.t0); got != want {
		h.t.Fatalf("supervisor wakes at t0+%v, want t0+%v", got, want)
	}
	h.clk.set(at)
}

func (h *harness) call() renewCall {
	h.t.Helper()
	select {
	case c := <-h.r.calls:
		return c
	case <-time.After(10 * time.Second):
		h.t.Fatal("no renewal after 10 s")
		return renewCall{}
	}
}

// answer answers a renewal and waits until the supervisor has seen it.
func (h *harness) answer(c renewCall, err error) {
	h.t.Helper()
	c.resp <- err
	select {
	case <-h.renewed:
	case <-time.After(10 * time.Second):
		h.t.Fatal("renewal result not seen")
	}
}

func (h *harness) noStop() {
	h.t.Helper()
	select {
	case at := <-h.stopped:
		h.t.Fatalf("stopped at t0+%v: %v", at.Sub(h.t0), h.reason)
	default:
	}
}

func (h *harness) wantStop(at time.Duration, reason error) {
	h.t.Helper()
	select {
	case got := <-h.stopped:
		if got.Sub(h.t0) != at || !errors.Is(h.reason, reason) {
			h.t.Fatalf("stopped at t0+%v (%v), want t0+%v (%v)", got.Sub(h.t0), h.reason, at, reason)
		}
	case <-time.After(10 * time.Second):
		h.t.Fatal("not stopped after 10 s")
	}
	select {
	case <-h.sup.Done():
	case <-time.After(10 * time.Second):
		h.t.Fatal("supervisor still running after stop")
	}
	if len(h.stopped) != 0 {
		h.t.Fatal("stop called twice")
	}
}

func TestSupervisorRenewsEveryThirdOfTheTTLAndNeverStopsWhileRenewalsSucceed(t *testing.T) {
	h := start(t, SuperviseOptions{})
	for k := 1; k <= 20; k++ {
		h.next(time.Duration(k) * 10 * time.Second)
		h.answer(h.call(), nil)
		h.noStop()
	}
	if err := h.sup.Close(); err != nil {
		t.Fatal(err)
	}
	h.noStop()
}

func TestSupervisorRetriesTransientFailuresAndRecovers(t *testing.T) {
	h := start(t, SuperviseOptions{})
	h.next(10 * time.Second)
	h.answer(h.call(), ErrUnreachable)
	h.next(12500 * time.Millisecond) // RenewEvery/4 later
	h.answer(h.call(), ErrUnreachable)
	h.next(15 * time.Second)
	h.answer(h.call(), nil)
	// The deadline moved to 15 s + TTL: the next renewal is at 25 s.
	h.next(25 * time.Second)
	h.answer(h.call(), nil)
	h.noStop()
}

func TestSupervisorStopsAtGraceBeforeTheDeadlineWhenRenewalsKeepFailing(t *testing.T) {
	h := start(t, SuperviseOptions{})
	h.next(10 * time.Second)
	h.answer(h.call(), ErrUnreachable)
	for _, at := range []time.Duration{12500, 15000, 17500} {
		h.next(at * time.Millisecond)
		h.answer(h.call(), ErrUnreachable)
	}
	// Deadline t0+30s, grace 10s: stop at t0+20s, not one renewal later.
	h.next(20 * time.Second)
	h.wantStop(20*time.Second, ErrDeadline)
	if !errors.Is(h.sup.Err(), ErrUnreachable) {
		t.Fatalf("reason does not carry the last error: %v", h.sup.Err())
	}
}

func TestSupervisorStopsWhenARenewalHangsPastTheStopTime(t *testing.T) {
	h := start(t, SuperviseOptions{Grace: 5 * time.Second})
	h.next(10 * time.Second)
	c := h.call()
	// The renewal's context ends at the stop time (deadline - grace).
	at := h.clk.waitTimers(t, 1)
	if at.Sub(h.t0) != 25*time.Second {
		t.Fatalf("renewal bounded at t0+%v", at.Sub(h.t0))
	}
	h.clk.set(at)
	select {
	case <-c.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("renewal context not cancelled")
	}
	c.resp <- c.ctx.Err()
	<-h.renewed
	h.wantStop(25*time.Second, ErrDeadline)
}

func TestSupervisorStopsAtOnceWhenTheStoreSaysTheLeaseIsGone(t *testing.T) {
	for _, reason := range []error{ErrLost, ErrNotFound, ErrFenced} {
		h := start(t, SuperviseOptions{})
		h.next(10 * time.Second)
		h.answer(h.call(), reason)
		h.wantStop(10*time.Second, reason)
	}
}

func TestSupervisorDeadlineCountsFromTheRenewalsSendTime(t *testing.T) {
	h := start(t, SuperviseOptions{})
	h.next(10 * time.Second)
	c := h.call()
	// The answer takes 4 s to arrive: the lease is still only known to
	// last until send time + TTL = 40 s, so the next renewal is at 20 s.
	h.clk.set(h.t0.Add(14 * time.Second))
	h.answer(c, nil)
	h.next(20 * time.Second)
	h.answer(h.call(), ErrUnreachable)
	for _, at := range []time.Duration{22500, 25000, 27500} {
		h.next(at * time.Millisecond)
		h.answer(h.call(), ErrUnreachable)
	}
	h.next(30 * time.Second) // 40 s - grace 10 s
	h.wantStop(30*time.Second, ErrDeadline)
}

func TestSupervisorCloseEndsWithoutStopping(t *testing.T) {
	h := start(t, SuperviseOptions{})
	h.next(10 * time.Second)
	c := h.call()
	done := make(chan error)
	go func() { done <- h.sup.Close() }()
	// Close cancels the renewal in flight.
	select {
	case <-c.ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("renewal not cancelled by Close")
	}
	c.resp <- c.ctx.Err()
	<-h.renewed
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.noStop()
}

func TestSuperviseRefusesAGraceThatLeavesNoTimeToRenew(t *testing.T) {
	l := NewLease("a", "h", 1, time.Second, "v", time.Now(), time.Now())
	_, err := Supervise(&fakeRenewer{}, l, SuperviseOptions{Grace: 700 * time.Millisecond, RenewEvery: 400 * time.Millisecond})
	if !errors.Is(err, ErrBadValue) {
		t.Fatalf("got %v", err)
	}
}

func TestSupervisorStopsAtOnceALeaseAlreadyPastItsStopTime(t *testing.T) {
	clk := newFakeClock()
	l := NewLease("a", "h", 1, ttl, "v", clk.Now().Add(ttl), clk.Now().Add(-25*time.Second))
	stopped := make(chan error, 1)
	sup, err := Supervise(&fakeRenewer{calls: make(chan renewCall)}, l, SuperviseOptions{Clock: clk, Stop: func(err error) { stopped <- err }})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-stopped:
		if !errors.Is(err, ErrDeadline) {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not stopped")
	}
	<-sup.Done()
}
