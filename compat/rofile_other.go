//go:build !unix

package compat

import (
	"errors"
	"os"
)

const pendingByte = 0x40000000

// roFile is a read-only file. Without fcntl locks (Windows), a snapshot is
// checked for consistency only by re-reading the WAL.
type roFile struct{ *os.File }

func openRO(name string) (*roFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return &roFile{f}, nil
}

func (f *roFile) close() { f.File.Close() }

func (f *roFile) stat() (int64, bool, error) {
	st, err := f.File.Stat()
	if err != nil {
		return 0, false, err
	}
	return st.Size(), st.Mode().IsRegular(), nil
}

var errWouldBlock = errors.New("lock held by another process")

func (f *roFile) tryShared() error { return nil }

// reservedHeld cannot be known without locks; a journal is then treated as
// live, and ignored.
func (f *roFile) reservedHeld() (bool, error) { return true, nil }
