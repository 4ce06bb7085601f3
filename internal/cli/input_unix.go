//go:build unix

package cli

import (
	"os"
	"syscall"
)

// openInput opens an input file without blocking: a named pipe with no
// writer would block open(2) forever, so the file is opened O_NONBLOCK
// and refused unless it is a regular file. A descriptor this process
// inherited (/dev/fd/N, as bash's <(cmd) gives) is read like standard
// input.
func openInput(path string) (*os.File, error) {
	if isInheritedFD(path) {
		return os.Open(path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &specialInputError{path: path, mode: fi.Mode().Type()}
	}
	return f, nil
}
