package cli

// This file holds the process's signal handling. It replaces memguard's
// CatchSignal, whose handler calls os.Exit at once and so left the
// temporary file of a write in progress behind (a complete session in a
// hidden file that nothing removed).
//
// On SIGINT, SIGTERM or SIGHUP the process removes every temporary file it
// created (internal/safefile keeps the list), wipes memguard's buffers,
// restores the terminal if a hidden prompt was active, and exits with
// 128+N. A batch is given a moment to stop by itself after the item in
// progress, so that it can say what was written; a second signal, or a
// batch that does not stop within gracePeriod, exits at once. SIGPIPE
// (the reader of standard output went away, as with "| head") makes the
// write that raised it fail; the command stops on that error. SIGKILL
// cannot be caught: safefile.RemoveStale clears what it leaves at the
// next run that writes into the same directory.
//
// The handler is installed on first need, not at start (ensureSignals):
// before the process creates its first temporary file (safefile.BeforeTemp),
// hides the terminal's echo, starts a batch or manages a child. Until then
// there is nothing to remove or restore, and a signal ends the process with
// its default action: the status a shell reports is the same 128+N, and a
// job that never writes a file (inspect, open to standard output) does not
// pay for the handler's thread at start (issue 11: cold start).

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/awnumar/memguard"
	"github.com/tgsession/tgsession/internal/safefile"
)

// gracePeriod is how long a batch gets to stop by itself after a signal.
var gracePeriod = 2 * time.Second

// interruptState is the process's record of the signals it got.
type interruptState struct {
	ch       chan struct{} // closed at the first signal
	once     sync.Once
	sig      atomic.Int32 // the first signal's number
	graceful atomic.Int32 // > 0 while a batch can stop by itself
	stops    atomic.Int32 // terminating signals received (not SIGPIPE)

	mu       sync.Mutex
	restores map[int]func() // terminal states to restore on exit
	nextID   int
}

var interrupts = &interruptState{ch: make(chan struct{}), restores: map[int]func(){}}

// note records signal n and closes ch the first time.
func (st *interruptState) note(n int) {
	st.once.Do(func() {
		st.sig.Store(int32(n))
		close(st.ch)
	})
}

// signalled returns the first signal's number, or 0.
func (st *interruptState) signalled() int {
	select {
	case <-st.ch:
		return int(st.sig.Load())
	default:
		return 0
	}
}

// stoppable marks a section (a batch) that watches cli.interrupted and
// stops by itself; it returns the function that ends the section.
func (st *interruptState) stoppable() func() {
	ensureSignals()
	st.graceful.Add(1)
	return func() { st.graceful.Add(-1) }
}

// onExit registers f (restoring the terminal) to run if the process exits
// on a signal; it returns the function that unregisters it.
func (st *interruptState) onExit(f func()) func() {
	ensureSignals()
	st.mu.Lock()
	defer st.mu.Unlock()
	id := st.nextID
	st.nextID++
	st.restores[id] = f
	return func() {
		st.mu.Lock()
		delete(st.restores, id)
		st.mu.Unlock()
	}
}

// exitMu serializes the two ways out of the process (main returning and a
// forced exit on a signal): whichever comes first exits.
var exitMu sync.Mutex

// signalsWanted is set by Main: ensureSignals installs the handler. Tests
// that run commands in-process leave it unset and install none.
var (
	signalsWanted bool
	signalsOnce   sync.Once
)

// ensureSignals installs the signal handler the first time it is needed.
func ensureSignals() {
	if signalsWanted {
		signalsOnce.Do(installSignals)
	}
}

// installSignals starts the signal handler (through ensureSignals).
func installSignals() {
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	go func() {
		for s := range c {
			n := signalNumber(s)
			interrupts.note(n)
			if n == int(syscall.SIGPIPE) {
				continue // the write that raised it fails with EPIPE
			}
			if interrupts.stops.Add(1) == 1 && interrupts.graceful.Load() > 0 {
				time.AfterFunc(gracePeriod, func() { forceExit(n) })
				continue
			}
			forceExit(n)
		}
	}()
}

func signalNumber(s os.Signal) int {
	if ss, ok := s.(syscall.Signal); ok {
		return int(ss)
	}
	return int(syscall.SIGTERM)
}

// forceExit leaves the process at once on signal n, removing this
// process's temporary files and wiping memguard's buffers first.
func forceExit(n int) {
	exitMu.Lock() // never unlocked: the process ends here
	interrupts.mu.Lock()
	for _, f := range interrupts.restores {
		f()
	}
	interrupts.mu.Unlock()
	removed := safefile.Cleanup()
	purgeMemory()
	msg := "tgsession: interrupted"
	if len(removed) > 0 {
		msg += ": the output being written was discarded"
	}
	os.Stderr.WriteString(msg + "\n")
	os.Exit(128 + n)
}

// finish is main's way out: it removes any temporary file left (there
// should be none), wipes memguard's buffers and turns the exit status into
// 128+N if a signal stopped the command.
func finish(code int) int {
	exitMu.Lock()
	safefile.Cleanup()
	purgeMemory()
	if n := interrupts.signalled(); n != 0 {
		return 128 + n
	}
	return code
}

// purgeMemory wipes memguard's buffers. Purge panics only if a buffer
// cannot be destroyed, in which case it has already wiped it.
func purgeMemory() {
	defer func() { _ = recover() }()
	memguard.Purge()
}

// exitBrokenPipe is the exit status after standard output's reader went
// away: that of a process killed by SIGPIPE.
var exitBrokenPipe = 128 + int(syscall.SIGPIPE)

// isBrokenPipe reports whether err is a write to a closed pipe.
func isBrokenPipe(err error) bool {
	return errors.Is(err, syscall.EPIPE)
}
