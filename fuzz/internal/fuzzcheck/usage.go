package fuzzcheck

import (
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// Resource limits per fuzz input. A parser of untrusted input must work in
// memory and time bounded by what the input holds, never by what it
// claims: these limits are far above what any input of a fuzzing corpus
// (kilobytes) needs, and far below what a decompression-bomb-like input
// costs.
const (
	// MemGrowthLimit bounds how much one input may raise the peak resident
	// set size of the fuzzing process: Go's heap and the memory that
	// modernc.org/sqlite allocates outside it, together.
	MemGrowthLimit = 64 << 20
	// CPULimit bounds the CPU time (user + system, of the whole process)
	// one input may take. CPU time, unlike wall time, does not grow when
	// other jobs load the machine.
	CPULimit = 5 * time.Second
)

// Usage is the process's resource use before a call; [Usage.Check] after
// the call fails the test if the call went past [MemGrowthLimit] or
// [CPULimit]. The memory check needs Linux (/proc/self/status and
// clear_refs); elsewhere only CPU time is checked.
type Usage struct {
	rss   int64 // resident set size before the call
	memOK bool
	cpu   time.Duration
}

// The memory check measures what the call makes resident that was not
// before: memory the process already holds and frees again is reused
// unseen, hence the care below to start from a low resident set.

// floorRSS is the resident set size the process keeps when it holds no
// garbage: the lowest seen, or the size right after the last
// debug.FreeOSMemory.
var floorRSS atomic.Int64

// StartUsage records the resource use before a call. When memory that an
// earlier input made the process take is still resident (where this call
// could reuse it unseen), it returns it to the system first; when an
// earlier peak could hide this call's, it resets the kernel's peak
// resident set size (VmHWM) to the current size. What stays hidden is at
// most what SQLite's allocator keeps for reuse after an earlier input,
// itself under the limit (or that input failed).
func StartUsage() Usage {
	u := Usage{cpu: cpuTime()}
	rss, hwm, ok := memStatus()
	switch floor := floorRSS.Load(); {
	case !ok:
	case floor == 0 || rss < floor:
		floorRSS.Store(rss)
	case rss > floor+MemGrowthLimit/4:
		// Freeing costs milliseconds: the floor moves up to what the
		// process keeps, so that this happens only after a spike.
		debug.FreeOSMemory()
		if rss, hwm, ok = memStatus(); ok {
			floorRSS.Store(rss)
		}
	}
	if ok && hwm > rss+MemGrowthLimit/4 {
		resetPeak()
		rss, hwm, ok = memStatus()
	}
	// Without a reset, the peak after the call overstates this call's by
	// at most hwm - rss: the check is sound while that stays small.
	u.rss, u.memOK = rss, ok && hwm <= rss+MemGrowthLimit/4
	return u
}

// Check fails t if what (the call since StartUsage) raised the peak
// resident set size by more than MemGrowthLimit or took more than
// CPULimit of CPU time.
func (u Usage) Check(t testing.TB, what string) {
	t.Helper()
	if cpu := cpuTime() - u.cpu; cpu > CPULimit {
		t.Fatalf("%s took %v of CPU time (limit %v)", what, cpu.Round(time.Millisecond), CPULimit)
	}
	if !u.memOK {
		return
	}
	if _, hwm, ok := memStatus(); ok && hwm-u.rss > MemGrowthLimit {
		t.Fatalf("%s raised the peak resident set size by %d MiB (limit %d MiB)", what, (hwm-u.rss)>>20, MemGrowthLimit>>20)
	}
}
