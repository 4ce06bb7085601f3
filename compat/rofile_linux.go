package compat

import "golang.org/x/sys/unix"

// Open-file-description locks: owned by the descriptor, so they conflict
// with SQLite's POSIX locks even within this process, and closing some
// other descriptor of the same file does not drop them.
const (
	setlk = unix.F_OFD_SETLK
	getlk = unix.F_OFD_GETLK
)
