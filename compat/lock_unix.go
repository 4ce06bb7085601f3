//go:build unix

package compat

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// SQLite's lock bytes (sqlite3.c os_unix.c): a reader holds a read lock on
// the shared range; a writer takes a write lock on RESERVED, then PENDING,
// then the shared range (EXCLUSIVE). They sit at 1 GiB, past the data of any
// session file.
const (
	pendingByte  = 0x40000000
	reservedByte = pendingByte + 1
	sharedFirst  = pendingByte + 2
	sharedSize   = 510
)

// errWouldBlock reports a lock held by someone else.
var errWouldBlock = errors.New("lock held by another process")

func lockRange(f *os.File, cmd int, typ int16, start, n int64) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: start, Len: n}
	err := unix.FcntlFlock(f.Fd(), cmd, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return errWouldBlock
	}
	return err
}

// tryShared tries once to take SQLite's SHARED lock on f, the way SQLite's
// unix VFS takes it, so that no writer can change the file while it is
// read: a read lock on PENDING
// (refused while a writer is waiting for or holds EXCLUSIVE), then a read
// lock on the shared range, then PENDING is released. On Linux the locks are
// open-file-description locks, which conflict with SQLite's POSIX locks in
// other processes and in this one; closing f releases them.
func tryShared(f *os.File) error {
	if err := lockRange(f, setlk, unix.F_RDLCK, pendingByte, 1); err != nil {
		return err
	}
	err := lockRange(f, setlk, unix.F_RDLCK, sharedFirst, sharedSize)
	if uerr := lockRange(f, setlk, unix.F_UNLCK, pendingByte, 1); err == nil {
		err = uerr
	}
	return err
}

// reservedHeld reports whether another process holds SQLite's RESERVED
// lock (a write transaction is open), which makes a rollback journal live
// rather than hot.
func reservedHeld(f *os.File) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: reservedByte, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), getlk, &lk); err != nil {
		return false, err
	}
	return lk.Type != unix.F_UNLCK, nil
}
