package vault

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// capIPCLock is the bit of CAP_IPC_LOCK in the capability sets.
const capIPCLock = 14

// memlockPreflight checks that the process may lock pages more pages of
// memory on top of what it has locked already: either it has CAP_IPC_LOCK
// (which lifts RLIMIT_MEMLOCK), or the limit is infinite or high enough.
func memlockPreflight(pages int) error {
	// The cheap answers first: the limit (one system call), then the
	// capability (one more); /proc/self/status only when both say no.
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		// Cannot tell: let memguard try.
		return nil
	}
	if rl.Cur == unix.RLIM_INFINITY || hasCapIPCLock() {
		return nil
	}
	need := uint64(pages) * uint64(os.Getpagesize())
	locked := statusKiB("VmLck") * 1024
	if rl.Cur < locked || rl.Cur-locked < need {
		return &MemlockError{Limit: rl.Cur, Locked: locked, Need: need}
	}
	return nil
}

// hasCapIPCLock reports whether CAP_IPC_LOCK is in the effective capability
// set: capget(2), or the CapEff line of /proc/self/status if that fails.
func hasCapIPCLock() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err == nil {
		return data[capIPCLock/32].Effective&(1<<(capIPCLock%32)) != 0
	}
	v, ok := statusField("CapEff")
	if !ok {
		return false
	}
	caps, err := strconv.ParseUint(v, 16, 64)
	return err == nil && caps&(1<<capIPCLock) != 0
}

// statusKiB returns a "<n> kB" field of /proc/self/status in KiB, 0 if
// unknown.
func statusKiB(name string) uint64 {
	v, ok := statusField(name)
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(v, " kB"), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func statusField(name string) (string, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == name {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
