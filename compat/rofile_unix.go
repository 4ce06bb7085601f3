//go:build unix

package compat

import (
	"errors"
	"io"
	"io/fs"

	"golang.org/x/sys/unix"
)

// SQLite's lock bytes (sqlite3.c os_unix.c): a reader holds a read lock on
// the shared range; a writer takes a write lock on RESERVED, then PENDING,
// then the whole shared range (EXCLUSIVE). They sit at 1 GiB, past the data
// of any session file.
const (
	pendingByte  = 0x40000000
	reservedByte = pendingByte + 1
	sharedFirst  = pendingByte + 2
	sharedSize   = 510
)

// roFile is a file opened read-only with raw system calls: a session file
// is read with one open, one fstat, one lock and one pread. Opening with
// O_NONBLOCK keeps a FIFO from blocking the open; reads of regular files
// are unaffected.
type roFile struct {
	fd   int
	name string
}

func openRO(name string) (*roFile, error) {
	for {
		fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_NOCTTY, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return &roFile{fd: fd, name: name}, nil
	}
}

func (f *roFile) close() { unix.Close(f.fd) }

// stat returns the file's size and whether it is a regular file.
func (f *roFile) stat() (int64, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return 0, false, &fs.PathError{Op: "stat", Path: f.name, Err: err}
	}
	return st.Size, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

// ReadAt implements io.ReaderAt with pread.
func (f *roFile) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Pread(f.fd, b[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "read", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// errWouldBlock reports a lock held by someone else.
var errWouldBlock = errors.New("lock held by another process")

// tryShared tries once to take SQLite's SHARED lock: a read lock on the
// shared range, which no writer can hold EXCLUSIVE (a write lock on the
// same range) at the same time. While it is held, a writer in rollback
// mode cannot change the database file. (SQLite itself first read-locks
// PENDING so that readers cannot starve a waiting writer; a one-shot reader
// does not need that.) On Linux it is an open-file-description lock, which
// conflicts with SQLite's POSIX locks in other processes and in this one
// and is released by closing the descriptor.
func (f *roFile) tryShared() error {
	lk := unix.Flock_t{Type: unix.F_RDLCK, Whence: 0, Start: sharedFirst, Len: sharedSize}
	for {
		err := unix.FcntlFlock(uintptr(f.fd), setlk, &lk)
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN, unix.EACCES:
			return errWouldBlock
		}
		return err
	}
}

// reservedHeld reports whether another process holds SQLite's RESERVED
// lock (a write transaction is open), which makes a rollback journal live
// rather than hot.
func (f *roFile) reservedHeld() (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: reservedByte, Len: 1}
	if err := unix.FcntlFlock(uintptr(f.fd), getlk, &lk); err != nil {
		return false, err
	}
	return lk.Type != unix.F_UNLCK, nil
}
