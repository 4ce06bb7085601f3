//go:build unix && !linux

package compat

import "golang.org/x/sys/unix"

// Classic POSIX record locks: they conflict with SQLite's locks in other
// processes.
const (
	setlk = unix.F_SETLK
	getlk = unix.F_GETLK
)
