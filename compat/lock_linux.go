package compat

import "golang.org/x/sys/unix"

// Open-file-description locks: owned by the descriptor, so closing some
// other descriptor of the same file in this process does not drop them.
const (
	setlk = unix.F_OFD_SETLK
	getlk = unix.F_OFD_GETLK
)
