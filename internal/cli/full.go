package cli

// This file hands a job from the lean tgsession to tgsession-full (see the
// package documentation): before the command runs, needsFull looks at the
// arguments; if the job needs SQLite or a store or fleet driver, the
// process replaces itself with tgsession-full and the same arguments, so
// that exit status, signals and standard streams are tgsession-full's.
// What the look ahead misses, a hook finds missing while the command runs
// (needFull): if standard input has not been read, the hand-over happens
// then; otherwise the command fails and says to run tgsession-full.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
)

const (
	// fullName is the full binary's name (cmd/tgsession-full).
	fullName = "tgsession-full"
	// envFull names the full binary to run instead of looking for it.
	envFull = "TGSESSION_FULL"
	// envReexec is set in the environment of a handed-over process: a
	// lean binary that finds it set does not hand over again (the binary
	// found as tgsession-full is not the full one).
	envReexec = "TGSESSION_REEXEC"
)

// fullCommands are the commands that always need the full binary: the
// fleet, the store list, and formats (it lists what each store holds).
var fullCommands = []string{"fleet", "list", "formats"}

// needsFull says why args is a job for the full binary, or "" if it is
// not. It errs on the side of the full binary: a false "yes" costs a few
// milliseconds, a false "no" is caught by needFull.
func needsFull(args []string) string {
	if len(args) == 0 {
		return ""
	}
	switch {
	case slices.Contains(fullCommands, args[0]):
		return args[0]
	case args[0] == "help" || args[0] == "completion" || args[0] == "version":
		return "" // their arguments name commands and shells
	}
	for _, a := range args[1:] {
		if a == "--" && args[0] == "exec" {
			break // the child's command line
		}
		if why := fullArg(a); why != "" {
			return why
		}
		// open and vault get write the .session file a value was sealed
		// from when -o FILE is given without --to: whether it holds one
		// is known only once the value (perhaps standard input) is read.
		if (args[0] == "open" || args[0] == "vault") && isOutFlag(a) {
			return "writing to a file"
		}
	}
	return ""
}

// isOutFlag reports whether a is the -o/--out flag, alone or with =VALUE.
func isOutFlag(a string) bool {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return strings.HasPrefix(a, "-") && (name == "o" || name == "out")
}

// fullArg says why one argument needs the full binary: it names a store,
// fleet or SQLite kind (as a value, --flag=VALUE, or exec's NAME=KIND:…),
// or it is a .session file or a directory holding one.
func fullArg(a string) string {
	parts := []string{a}
	if i := strings.IndexByte(a, '='); i >= 0 {
		// --flag=VALUE, and exec's NAME=KIND:… in --env=NAME=KIND:…
		parts = append(parts, a[i+1:])
		if j := strings.LastIndexByte(a, '='); j > i {
			parts = append(parts, a[j+1:])
		}
	}
	for _, p := range parts {
		kind, _, _ := strings.Cut(p, ":")
		if isFullKind(p) || isFullKind(kind) {
			return kind
		}
		if !strings.HasPrefix(p, "-") && isSQLiteInput(p) {
			return "an SQLite .session file"
		}
	}
	return ""
}

// isFullKind reports whether name is a kind only the full binary has.
func isFullKind(name string) bool {
	if name == "fleet" || name == "fleet-pool" {
		return true
	}
	if _, ok := lookupStoreKind(name); ok {
		return true
	}
	k, ok := lookupKind(name)
	return ok && k.isFile()
}

// isSQLiteInput reports whether path is a regular file that starts as an
// SQLite database does, or a directory holding a .session file. It never
// blocks: a FIFO or device is not opened.
func isSQLiteInput(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(ents, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".session") })
	}
	if !fi.Mode().IsRegular() {
		return false
	}
	f, err := openInput(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, _ := f.Read(head)
	return bytes.Equal(head[:n], sqliteMagic)
}

// fullPath finds the full binary: $TGSESSION_FULL, else tgsession-full
// beside this executable (as go install ./cmd/... puts them), else on
// $PATH.
func fullPath() (string, error) {
	if p := os.Getenv(envFull); p != "" {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return "", fmt.Errorf("$%s (%s) is not a file", envFull, p)
		}
		return p, nil
	}
	name := fullName
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return exec.LookPath(fullName)
}

// reexecFull replaces the process with the full binary running args; why
// names what needs it. It returns only on failure, with the exit status.
func reexecFull(args []string, stderr *os.File, why string) int {
	c := newCLI(nil, nil, stderr, os.Getenv)
	return c.report(handOver(args, why))
}

// handOver replaces the process with the full binary running args. It
// returns only on failure (or, where a process cannot be replaced, with
// the child's exit status as a silent error).
func handOver(args []string, why string) error {
	if p := os.Getenv(envReexec); p != "" {
		return withHints(failf("%s needs %s, and %s is not it (it does not link SQLite and the store drivers)", why, fullName, p),
			"build it from this repository: go install ./cmd/...")
	}
	p, err := fullPath()
	if errors.Is(err, exec.ErrNotFound) {
		err = fmt.Errorf("it is neither beside this tgsession nor on $PATH")
	}
	if err != nil {
		return withHints(failf("%s needs %s: %v", why, fullName, err),
			"install both: go install ./cmd/... (or name it: export "+envFull+"=/path/to/"+fullName+")")
	}
	purgeMemory()
	env := append(os.Environ(), envReexec+"="+p)
	return execve(p, append([]string{p}, args...), env)
}

// mainArgs are the process's arguments when Main runs a lean binary (nil
// in tests and in the full binary): needFull hands them over.
var mainArgs []string

// fileStarted is set before the process creates its first output file
// (safefile.BeforeTemp): the job can then no longer be started over.
var fileStarted atomic.Bool

// needFull is what a missing hook returns: it hands the whole job to the
// full binary if nothing has been read from standard input and no file
// written yet, and otherwise fails saying what to run.
func (c *cli) needFull(what string) error {
	if mainArgs != nil && !c.stdinRead && !fileStarted.Load() {
		return handOver(mainArgs, what)
	}
	return noFullError(what)
}

// noFullError is the error of a job the lean binary found too late that it
// cannot do (standard input already read).
func noFullError(what string) error {
	return withHints(failf("%s needs %s: this tgsession does not link SQLite and the store drivers", what, fullName),
		"run the same command with "+fullName)
}
