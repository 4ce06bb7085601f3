package vault

import (
	"os"
	"sync"
	"sync/atomic"
)

// envAllowNoMlock names the environment variable that, set to "1", lets this
// package keep auth keys in ordinary (swappable, dumpable) memory when the
// process may not lock enough memory, unless TGSESSION_ALLOW_NO_MLOCK=1.
const envAllowNoMlock = "TGSESSION_ALLOW_NO_MLOCK"

// maxOpen bounds the number of locked buffers this package holds at once
// (one per WithKey call or enclave creation, each pinning 2 pages while it
// lives), so that the locked-memory need stays fixed.
const maxOpen = 4

// memlockPages is what the preflight requires to be lockable: memguard's
// key "Coffer" (3 buffers of 1 page), 2 pages per concurrent open, and a
// margin of 3 pages for other memguard users in the process.
const memlockPages = 3 + 2*maxOpen + 3

var slots = make(chan struct{}, maxOpen)

// ephemeralMax is how many slots ephemeral keys (KeySearch.Ephemeral) may
// hold for their whole life; the others stay for WithKey and enclave
// creation, so that neither waits for a buffer that lives until exit.
const ephemeralMax = 2

var ephemeralLive atomic.Int32

// acquireEphemeral takes a slot for an ephemeral key's lifetime, or
// reports false when ephemeralMax are live.
func acquireEphemeral() bool {
	if ephemeralLive.Add(1) > ephemeralMax {
		ephemeralLive.Add(-1)
		return false
	}
	acquireSlot()
	return true
}

func releaseEphemeral() {
	releaseSlot()
	ephemeralLive.Add(-1)
}

func acquireSlot() { slots <- struct{}{} }
func releaseSlot() { <-slots }

const (
	modeUnchecked = iota
	modeLocked
	modeHeap
)

var guard struct {
	mu   sync.Mutex
	mode int
	err  error // the preflight failure, in modeHeap
}

// keyMode runs the locked-memory preflight once per process, before the
// first use of memguard, and reports whether keys must be kept on the heap.
//
// memguard panics when mlock fails, and on v0.23.0 that panic deadlocks
// (memguard issues #147 and #173): a process with a small RLIMIT_MEMLOCK
// hangs instead of failing. The preflight turns that into a
// [*MemlockError], or, with the opt-out, into heap mode with a warning.
func keyMode(cfg *config) (heap bool, err error) {
	guard.mu.Lock()
	defer guard.mu.Unlock()
	switch guard.mode {
	case modeLocked:
		return false, nil
	case modeHeap:
		if cfg.noMlockAllowed() {
			return true, nil
		}
		return false, guard.err
	}
	err = memlockPreflight(memlockPages)
	if err == nil {
		guard.mode = modeLocked
		return false, nil
	}
	if !cfg.noMlockAllowed() {
		return false, err
	}
	guard.mode, guard.err = modeHeap, err
	cfg.warnf("%s", "WARNING: auth keys are held in ORDINARY MEMORY, not locked memory: they can be swapped to disk "+
		"and appear in core dumps ("+envAllowNoMlock+"=1 is set, and the locked-memory limit is too low: "+
		err.Error()+")")
	return true, nil
}

func (c *config) noMlockAllowed() bool {
	return os.Getenv(envAllowNoMlock) == "1"
}
