// Package safefile writes secret-bearing files the way tgsession promises:
// mode 0600 whatever the umask, created with O_EXCL in the destination
// directory, fsynced, moved into place atomically, the directory fsynced,
// and never over an existing file unless the caller asks for it.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned when the destination exists and overwriting was
// not requested.
var ErrExists = errors.New("safefile: destination exists (use --force to overwrite)")

// Mode is the permission of every file this package creates.
const Mode fs.FileMode = 0o600

// Pending is a temporary file, created 0600 in the destination's directory,
// that becomes the destination on Commit. Until then the destination is
// untouched; Abort (or a crash) leaves at most a stale temporary file whose
// name starts with ".tgsession-tmp-".
type Pending struct {
	f         *os.File
	dst       string
	overwrite bool
	done      bool
}

// TempPrefix starts the name of every temporary file; readers of a
// directory (the vault) ignore such files.
const TempPrefix = ".tgsession-tmp-"

// Create starts writing path. It fails with ErrExists if path exists and
// overwrite is false (checked again, race-free, at Commit).
func Create(path string, overwrite bool) (*Pending, error) {
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, TempPrefix+base+"-*")
	if err != nil {
		return nil, err
	}
	// CreateTemp uses 0600 before the umask; the umask can only remove
	// bits, but make the mode explicit anyway.
	if err := f.Chmod(Mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &Pending{f: f, dst: path, overwrite: overwrite}, nil
}

// Name returns the temporary file's path (for SQLite to open).
func (p *Pending) Name() string { return p.f.Name() }

// File returns the open temporary file.
func (p *Pending) File() *os.File { return p.f }

// Write writes to the temporary file.
func (p *Pending) Write(b []byte) (int, error) { return p.f.Write(b) }

// Commit fsyncs and closes the temporary file, moves it to the
// destination (refusing to replace an existing file unless overwrite was
// set) and fsyncs the directory.
func (p *Pending) Commit() error {
	if p.done {
		return errors.New("safefile: already committed or aborted")
	}
	p.done = true
	tmp := p.f.Name()
	if err := p.f.Sync(); err != nil {
		p.f.Close()
		os.Remove(tmp)
		return err
	}
	if err := p.f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if p.overwrite {
		if err := os.Rename(tmp, p.dst); err != nil {
			os.Remove(tmp)
			return err
		}
	} else {
		// A hard link fails with EEXIST if the destination appeared
		// since Create: no window where it could be replaced.
		if err := os.Link(tmp, p.dst); err != nil {
			os.Remove(tmp)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%w: %s", ErrExists, p.dst)
			}
			return err
		}
		if err := os.Remove(tmp); err != nil {
			return err
		}
	}
	return SyncDir(filepath.Dir(p.dst))
}

// Abort removes the temporary file. It is safe to call after Commit.
func (p *Pending) Abort() error {
	if p.done {
		return nil
	}
	p.done = true
	p.f.Close()
	return os.Remove(p.f.Name())
}

// WriteFile writes data to path atomically with mode 0600.
func WriteFile(path string, data []byte, overwrite bool) error {
	p, err := Create(path, overwrite)
	if err != nil {
		return err
	}
	if _, err := p.Write(data); err != nil {
		p.Abort()
		return err
	}
	return p.Commit()
}

// SyncDir fsyncs a directory so that a rename in it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
