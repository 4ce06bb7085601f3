// Package safefile writes secret-bearing files the way tgsession promises:
// mode 0600 whatever the umask, created with O_EXCL in the destination
// directory, fsynced, moved into place atomically, the directory fsynced,
// never over an existing file unless the caller asks for it, and never over
// anything but a regular file even then.
//
// # Temporary files
//
// A file is first written to a temporary file in the destination's
// directory, named [TempPrefix] + the destination's base name + "-pid" + the
// writing process's id + "-" + random digits. The package keeps a registry
// of the temporary files this process has created and not yet committed or
// aborted: [Cleanup] removes them all (a command calls it on exit and from
// its signal handler) and stops new ones from being created. A process
// killed with SIGKILL cannot clean up; [RemoveStale] finds such files at the
// next run (the process id in the name is no longer alive) and removes
// them, touching only regular files owned by the current user.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// ErrExists is returned when the destination exists and overwriting was
// not requested. It matches fs.ErrExist with errors.Is, so that callers
// outside the module test for the one "exists" concept of the standard
// library.
var ErrExists error = existsError{}

type existsError struct{}

func (existsError) Error() string        { return "safefile: destination exists" }
func (existsError) Is(target error) bool { return target == fs.ErrExist }

// ErrNotRegular is returned (wrapped in a [*NotRegularError]) when the
// destination exists and is not a regular file: a symbolic link, a
// directory, a device, a named pipe or a socket. Such a destination is
// never replaced, with or without overwrite.
var ErrNotRegular = errors.New("safefile: not a regular file")

// ErrClosed is returned by [Create] and [Pending.Commit] after [Cleanup]:
// the process is exiting and writes nothing more.
var ErrClosed = errors.New("safefile: the process is exiting")

// NotRegularError reports a destination that is not a regular file.
type NotRegularError struct {
	Path string
	Mode fs.FileMode // the type bits of the existing destination (from Lstat)
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("safefile: %s is %s, not a regular file", e.Path, KindOf(e.Mode))
}

// Unwrap returns [ErrNotRegular].
func (e *NotRegularError) Unwrap() error { return ErrNotRegular }

// KindOf names the file type in m ("a symbolic link", "a directory", …).
func KindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// Mode is the permission of every file this package creates.
const Mode fs.FileMode = 0o600

// TempPrefix starts the name of every temporary file; readers of a
// directory (the vault) ignore such files.
const TempPrefix = ".tgsession-tmp-"

// Pending is a temporary file, created 0600 in the destination's directory,
// that becomes the destination on Commit. Until then the destination is
// untouched; Abort (or [Cleanup]) removes the temporary file, and a crash
// leaves at most a stale temporary file that [RemoveStale] recognises.
type Pending struct {
	f         *os.File
	dst       string
	overwrite bool
	done      bool
}

// registry holds the temporary files of this process that are neither
// committed nor aborted.
var registry = struct {
	sync.Mutex
	live   map[string]struct{}
	closed bool
}{live: make(map[string]struct{})}

func unregister(path string) {
	registry.Lock()
	delete(registry.live, path)
	registry.Unlock()
}

func isLive(path string) bool {
	registry.Lock()
	defer registry.Unlock()
	_, ok := registry.live[path]
	return ok
}

// BeforeTemp, if set, is called once, before the process creates its
// first temporary file (by [Create] or [Batch.Add]). The CLI installs its
// signal handler there, so that a signal never leaves a temporary file
// behind, and a process that writes no file never pays for the handler.
// Set it before any write starts.
var BeforeTemp func()

var beforeTempOnce sync.Once

func beforeTemp() {
	if BeforeTemp != nil {
		beforeTempOnce.Do(BeforeTemp)
	}
}

// Cleanup removes every temporary file this process created and has not
// committed or aborted, and makes later [Create] and [Pending.Commit] calls
// fail with [ErrClosed]. It returns the paths it removed. It is safe to
// call from a signal handler's goroutine while writes are in progress: a
// write racing with it either completes (the destination is whole) or
// fails; no temporary file of this process outlives it.
func Cleanup() []string {
	registry.Lock()
	defer registry.Unlock()
	registry.closed = true
	var removed []string
	for p := range registry.live {
		if err := os.Remove(p); err == nil {
			removed = append(removed, p)
		}
		delete(registry.live, p)
	}
	return removed
}

// checkDestination returns ErrExists or a *NotRegularError for an existing
// destination that may not be replaced.
func checkDestination(path string, overwrite bool) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &NotRegularError{Path: path, Mode: fi.Mode().Type()}
	}
	if !overwrite {
		return fmt.Errorf("%w: %s", ErrExists, path)
	}
	return nil
}

// Create starts writing path. It fails with ErrExists if path exists and
// overwrite is false, and with a [*NotRegularError] if path exists and is
// not a regular file, whatever overwrite says (both are checked again at
// Commit).
func Create(path string, overwrite bool) (*Pending, error) {
	if err := checkDestination(path, overwrite); err != nil {
		return nil, err
	}
	beforeTemp()
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.closed {
		return nil, ErrClosed
	}
	f, err := os.CreateTemp(dir, TempPrefix+base+"-pid"+strconv.Itoa(os.Getpid())+"-*")
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
	registry.live[f.Name()] = struct{}{}
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
// set, and anything but a regular file in any case) and fsyncs the
// directory.
func (p *Pending) Commit() error {
	if p.done {
		return errors.New("safefile: already committed or aborted")
	}
	p.done = true
	tmp := p.f.Name()
	defer unregister(tmp)
	fail := func(err error) error {
		os.Remove(tmp)
		return err
	}
	if err := p.f.Sync(); err != nil {
		p.f.Close()
		return fail(err)
	}
	if err := p.f.Close(); err != nil {
		return fail(err)
	}
	if !isLive(tmp) {
		// Cleanup ran (and removed the file): the process is exiting.
		return fail(ErrClosed)
	}
	if p.overwrite {
		// Checked again here: the destination may have been replaced by
		// a link or a device since Create. (A process that can do that in
		// the instant between this check and the rename can write the
		// directory anyway.)
		if err := checkDestination(p.dst, true); err != nil {
			return fail(err)
		}
		if err := os.Rename(tmp, p.dst); err != nil {
			return fail(err)
		}
	} else {
		// A hard link fails with EEXIST if the destination appeared
		// since Create: no window where it could be replaced.
		if err := os.Link(tmp, p.dst); err != nil {
			if errors.Is(err, fs.ErrExist) {
				if cerr := checkDestination(p.dst, false); cerr != nil {
					return fail(cerr)
				}
				return fail(fmt.Errorf("%w: %s", ErrExists, p.dst))
			}
			return fail(err)
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
	unregister(p.f.Name())
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

// Stale temporary files.
const (
	// StaleAfter is the age after which a temporary file whose name
	// carries no process id (written by an older tgsession) is stale.
	StaleAfter = 10 * time.Minute
	// ReusedAfter is the age after which a temporary file is stale even
	// though a process with the id in its name is alive: process ids are
	// reused, and no write holds a temporary file that long.
	ReusedAfter = time.Hour
)

// pidInName is compiled on first use: RemoveStale runs once per command
// that writes files, and a string job never needs it.
var pidInName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`-pid([0-9]{1,10})-[0-9]+$`) })

// Stale is a temporary file left by a process that no longer runs.
type Stale struct {
	Path string
	PID  int // the process that created it; 0 if the name does not say
}

// RemoveStale removes, from dir, the temporary files that an interrupted
// run of this program left behind, and returns them. A file is removed
// only if it is ours beyond doubt: its name starts with [TempPrefix], it
// is a regular file (not a link), it belongs to the current user, and the
// process named in it is no longer running (or, for names without a
// process id, it is older than [StaleAfter]). Temporary files of live
// processes, including this one, are left alone. Errors removing one file
// do not stop the others; the first is returned.
//
// Process ids are those of this process's PID namespace: in a directory
// shared with a container where tgsession writes at the same moment, that
// writer's temporary file may be taken for stale (its commit then fails;
// nothing else is lost).
func RemoveStale(dir string) ([]Stale, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []Stale
	var first error
	for _, de := range des {
		name := de.Name()
		if len(name) <= len(TempPrefix) || name[:len(TempPrefix)] != TempPrefix {
			continue
		}
		path := filepath.Join(dir, name)
		fi, err := os.Lstat(path)
		if err != nil || !fi.Mode().IsRegular() || !ownedByUs(fi) {
			continue
		}
		pid := 0
		if m := pidInName().FindStringSubmatch(name); m != nil {
			pid, _ = strconv.Atoi(m[1])
		}
		age := now.Sub(fi.ModTime())
		switch {
		case pid == 0:
			if age < StaleAfter {
				continue
			}
		case pid == os.Getpid():
			if isLive(path) {
				continue
			}
		case processAlive(pid) && age < ReusedAfter:
			continue
		}
		if err := os.Remove(path); err != nil {
			if first == nil && !errors.Is(err, fs.ErrNotExist) {
				first = err
			}
			continue
		}
		out = append(out, Stale{Path: path, PID: pid})
	}
	return out, first
}
