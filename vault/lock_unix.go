//go:build unix

package vault

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const oNoFollow = syscall.O_NOFOLLOW

// lockFile takes an exclusive flock on path (created 0600 if missing, never
// renamed or removed), waiting at most timeout. The kernel releases the lock
// if the holder dies, so a crashed writer never leaves a stale lock.
func lockFile(path string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, fileMode)
	if err != nil {
		return nil, fmt.Errorf("vault: opening lock file: %w", err)
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(timeout)
	wait := 500 * time.Microsecond
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				_ = unix.Flock(fd, unix.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("vault: locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("vault: timed out after %v waiting for the lock on %s (another tgsession is writing)", timeout, path)
		}
		time.Sleep(wait)
		wait = min(2*wait, 20*time.Millisecond)
	}
}
