package fuzzcheck

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// memStatus returns the resident set size and its peak (VmRSS, VmHWM).
func memStatus() (rss, hwm int64, ok bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0, false
	}
	field := func(name string) int64 {
		i := bytes.Index(b, []byte(name))
		if i < 0 {
			return -1
		}
		line := b[i+len(name):]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(line), []byte("kB")))), 10, 64)
		if err != nil {
			return -1
		}
		return n << 10
	}
	rss, hwm = field("VmRSS:"), field("VmHWM:")
	return rss, hwm, rss >= 0 && hwm >= 0
}

// resetPeak sets VmHWM to the current resident set size (proc(5),
// /proc/pid/clear_refs, value 5).
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
