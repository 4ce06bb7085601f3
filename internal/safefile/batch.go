package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Batch writes many files with the guarantees of [WriteFile] (0600,
// atomic, never over anything but a regular file, over an existing one
// only with overwrite; after a crash each destination is absent or
// complete, never torn) but pays for durability once per batch instead of
// twice per file: [Batch.Add] writes each file to a temporary file without
// syncing it, and [Batch.Commit] makes all of them durable at once (one
// syncfs per file system on Linux, an fsync per file elsewhere), then moves
// each into place, then fsyncs each destination directory once.
//
// A crash before Commit's sync leaves only temporary files (which
// [RemoveStale] removes at the next run); no destination is moved into
// place before every temporary file's data is durable. Add may be called
// from several goroutines at once; Commit and Abort must not run
// concurrently with Add.
type Batch struct {
	overwrite bool
	mu        sync.Mutex // guards files and dirs during Add
	files     []batchFile
	committed bool
	// dirs holds each destination directory open from before the first
	// temporary file in it was written: syncfs reports the write-back
	// errors that happened after its descriptor was opened.
	dirs map[string]*os.File
}

type batchFile struct {
	tmp, dst string
}

// NewBatch starts a batch; overwrite applies to every destination.
func NewBatch(overwrite bool) *Batch { return &Batch{overwrite: overwrite} }

// Add writes data to a new temporary file for path and returns the index
// of path's result in [Batch.Commit]'s slice. It fails, and adds nothing,
// with the errors of [Create] (ErrExists, *NotRegularError, ErrClosed) or
// an I/O error; the destination is untouched until Commit.
func (b *Batch) Add(path string, data []byte) (int, error) {
	if err := checkDestination(path, b.overwrite); err != nil {
		return -1, err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	b.mu.Lock()
	if b.committed {
		b.mu.Unlock()
		return -1, errors.New("safefile: batch already committed")
	}
	if _, ok := b.dirs[dir]; !ok {
		d, err := os.Open(dir)
		if err != nil {
			b.mu.Unlock()
			return -1, err
		}
		if b.dirs == nil {
			b.dirs = make(map[string]*os.File)
		}
		b.dirs[dir] = d
	}
	b.mu.Unlock()
	beforeTemp()
	registry.Lock()
	if registry.closed {
		registry.Unlock()
		return -1, ErrClosed
	}
	f, err := os.CreateTemp(dir, TempPrefix+base+"-pid"+strconv.Itoa(os.Getpid())+"-*")
	if err == nil {
		registry.live[f.Name()] = struct{}{}
	}
	registry.Unlock()
	if err != nil {
		return -1, err
	}
	tmp := f.Name()
	if err := f.Chmod(Mode); err != nil {
		f.Close()
		unregister(tmp)
		os.Remove(tmp)
		return -1, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		unregister(tmp)
		os.Remove(tmp)
		return -1, err
	}
	if err := f.Close(); err != nil {
		unregister(tmp)
		os.Remove(tmp)
		return -1, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files = append(b.files, batchFile{tmp: tmp, dst: path})
	return len(b.files) - 1, nil
}

// TempName returns the path of the temporary file of the i-th file added
// (for tests that stop a batch before its commit).
func (b *Batch) TempName(i int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.files[i].tmp
}

// Len returns the number of files added.
func (b *Batch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.files)
}

// Commit makes every added file durable, moves each into place with the
// rules of [Pending.Commit] (re-checked destination, a hard link when not
// overwriting, so that a destination that appeared since Add is never
// replaced) and fsyncs each destination directory once. It returns one
// error per added file, in the order of Add (nil for a file now in place).
// If the sync fails, nothing is moved and every result is that error. A
// failed file's temporary file is removed.
func (b *Batch) Commit() []error {
	b.mu.Lock()
	already := b.committed
	b.committed = true
	b.mu.Unlock()
	errs := make([]error, len(b.files))
	if already {
		for i := range errs {
			errs[i] = errors.New("safefile: batch already committed")
		}
		return errs
	}
	defer func() {
		for _, f := range b.files {
			unregister(f.tmp)
		}
		b.closeDirs()
	}()
	if err := syncFiles(b.dirs, b.files); err != nil {
		for i, f := range b.files {
			os.Remove(f.tmp)
			errs[i] = err
		}
		return errs
	}
	dirs := make(map[string]struct{})
	for i, f := range b.files {
		errs[i] = b.place(f)
		if errs[i] == nil {
			dirs[filepath.Dir(f.dst)] = struct{}{}
		}
	}
	for dir := range dirs {
		if err := SyncDir(dir); err != nil {
			for i, f := range b.files {
				if errs[i] == nil && filepath.Dir(f.dst) == dir {
					errs[i] = err
				}
			}
		}
	}
	return errs
}

// place moves one synced temporary file into place.
func (b *Batch) place(f batchFile) error {
	fail := func(err error) error {
		os.Remove(f.tmp)
		return err
	}
	if !isLive(f.tmp) {
		return fail(ErrClosed)
	}
	if b.overwrite {
		if err := checkDestination(f.dst, true); err != nil {
			return fail(err)
		}
		if err := os.Rename(f.tmp, f.dst); err != nil {
			return fail(err)
		}
		return nil
	}
	if err := os.Link(f.tmp, f.dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			if cerr := checkDestination(f.dst, false); cerr != nil {
				return fail(cerr)
			}
			return fail(fmt.Errorf("%w: %s", ErrExists, f.dst))
		}
		return fail(err)
	}
	return os.Remove(f.tmp)
}

// Abort removes every temporary file of an uncommitted batch.
func (b *Batch) Abort() {
	b.mu.Lock()
	already := b.committed
	b.committed = true
	b.mu.Unlock()
	if already {
		return
	}
	for _, f := range b.files {
		unregister(f.tmp)
		os.Remove(f.tmp)
	}
	b.closeDirs()
}

func (b *Batch) closeDirs() {
	for _, d := range b.dirs {
		d.Close()
	}
	b.dirs = nil
}
