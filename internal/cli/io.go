package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"golang.org/x/term"
)

// maxTextInput is the most bytes read from stdin or a text file: the
// codec's own limit. Reading stops one byte later, so /dev/zero or an
// endless FIFO cannot exhaust memory.
const maxTextInput = codec.MaxInputLen

// source is one input: standard input or a file.
type source struct {
	path string     // "" for standard input
	ext  *extSource // a store or tdata input (kind_store.go); path is ""
}

func (s source) String() string {
	if s.ext != nil {
		return s.ext.label
	}
	if s.path == "" {
		return "standard input"
	}
	return s.path
}

// stdoutNames name standard output as a path (refused as -o: use "-").
var stdoutNames = []string{"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"}

// stdinNames name standard input as a path.
var stdinNames = []string{"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}

// isInheritedFD reports whether path names a descriptor this process
// inherited (bash's <(cmd) gives /dev/fd/63): a pipe with a writer, read
// like standard input rather than refused like a named pipe.
func isInheritedFD(path string) bool {
	for _, p := range []string{"/dev/fd/", "/proc/self/fd/"} {
		if rest, ok := strings.CutPrefix(path, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// sources returns the inputs named by --in and the positional arguments;
// standard input if there are none. "-" (or /dev/stdin) names standard
// input.
func sources(cmd, in string, args []string) ([]source, error) {
	if in != "" && len(args) > 0 {
		return nil, usageErrorf("%s: --in and file arguments cannot be used together", cmd)
	}
	if in != "" {
		args = []string{in}
	}
	if len(args) == 0 {
		return []source{{}}, nil
	}
	var out []source
	stdin := 0
	for _, a := range args {
		if slices.Contains(stdinNames, a) {
			stdin++
			out = append(out, source{})
			continue
		}
		if a == "" {
			return nil, usageErrorf("%s: empty file name", cmd)
		}
		out = append(out, source{path: a})
	}
	if stdin > 1 {
		return nil, usageErrorf("%s: standard input named more than once", cmd)
	}
	return out, nil
}

// specialInputError is an input path that is not a regular file.
type specialInputError struct {
	path string
	mode fs.FileMode
}

func (e *specialInputError) Error() string {
	return fmt.Sprintf("%s: is %s, not a regular file", e.path, safefile.KindOf(e.mode))
}

// openError turns a failure to open an input path into a secret-free error
// with a hint when the "path" is probably a pasted session.
func openError(path string, err error) error {
	if looksLikeSecret(path) {
		return withHints(failf("cannot open input file (its name is not shown: it looks like a session or key)"),
			"sessions are never taken from the command line: pipe them to standard input or use --in FILE")
	}
	var se *specialInputError
	if errors.As(err, &se) {
		switch {
		case se.mode.IsDir():
			return failf("%s: is a directory", path)
		case se.mode&fs.ModeNamedPipe != 0:
			return withHints(failf("%s: is a named pipe (FIFO), not a regular file: tgsession does not open named pipes, which can block forever", path),
				fmt.Sprintf("if a program writes the session into it, redirect it: tgsession … < %s", path))
		}
		return failf("%v", se)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return failf("%s: %v", path, pe.Err)
	}
	return failf("%v", err)
}

// readText reads at most maxTextInput bytes of text from src and says
// what it is. It returns the bytes of a session text; the caller clears
// them when done. If src is an SQLite database file, it returns isSQLite
// and no data. Anything else (a sealed value, an age file, an image, an
// SQLite database on standard input…) is an error that names it and says
// what to do (see recognize).
func (c *cli) readText(src source) (data []byte, isSQLite bool, err error) {
	var tooLarge bool
	if src.path == "" {
		data, err = c.readStdin()
	} else {
		var f *os.File
		f, err = openInput(src.path)
		if err != nil {
			return nil, false, openError(src.path, err)
		}
		data, err = readCapped(f, maxTextInput)
		f.Close()
	}
	if errors.Is(err, errTooLarge) {
		tooLarge, err = true, nil
	}
	if err != nil {
		clear(data)
		if src.path == "" {
			return nil, false, err
		}
		return nil, false, failf("%s: %v", src.path, err)
	}
	rec := recognize(data)
	switch {
	case rec.kind == kindSQLite && src.path != "":
		clear(data)
		return nil, true, nil
	case rec.kind == kindSQLite:
		clear(data)
		return nil, false, withHints(failf("%s is an SQLite database (a .session file), which is read from a file, not from standard input", src),
			"pass it as a file argument: tgsession inspect FILE, tgsession convert --to FORMAT FILE")
	case rec.kind == kindOther:
		clear(data)
		e := failf("%s is %s", src, rec.what)
		if rec.hint != "" {
			e = withHints(e, rec.hint)
		}
		return nil, false, e
	case tooLarge:
		clear(data)
		return nil, false, failf("%s: %v", src, errTooLarge)
	}
	return data, false, nil
}

var errTooLarge = fmt.Errorf("input is larger than %d KiB", maxTextInput>>10)

// readCapped reads r to EOF, up to max bytes. If r has more, it returns
// what it read and errTooLarge.
func readCapped(r io.Reader, max int) ([]byte, error) {
	buf := make([]byte, 0, 4096)
	lr := io.LimitReader(r, int64(max)+1)
	for {
		if len(buf) == cap(buf) {
			// Grow by hand so that the old array is cleared, not left
			// behind with a copy of the secret.
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			clear(buf)
			buf = nb
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	if len(buf) > max {
		return buf, errTooLarge
	}
	return buf, nil
}

// readStdin reads a secret from standard input. On a terminal, it prompts
// on stderr and reads one line without echo, so that the pasted session
// does not stay on the screen. Too much input is returned with
// errTooLarge (the caller may still recognise what it is).
func (c *cli) readStdin() ([]byte, error) {
	c.stdinRead = true
	if f, ok := c.stdin.(*os.File); ok && c.isTerminal(f) {
		b, err := c.readHidden(f, "paste the session and press Enter (input is hidden)")
		if err != nil {
			return nil, err
		}
		if len(b) > maxTextInput {
			return b, errTooLarge
		}
		return b, nil
	}
	b, err := readCapped(c.stdin, maxTextInput)
	if err != nil && !errors.Is(err, errTooLarge) {
		clear(b)
		return nil, failf("standard input: %v", err)
	}
	return b, err
}

// readHidden prompts on stderr and reads one line from the terminal f
// without echo.
func (c *cli) readHidden(f *os.File, prompt string) ([]byte, error) {
	fmt.Fprintf(c.stderr, "tgsession: %s: ", prompt)
	fd := int(f.Fd())
	if st, err := term.GetState(fd); err == nil {
		// A signal during the prompt exits without ReadPassword's
		// deferred restore: give the terminal its echo back.
		defer interrupts.onExit(func() { _ = term.Restore(fd, st) })()
	}
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return nil, failf("reading from the terminal: %v", err)
	}
	return b, nil
}

// testHookBeforeCommit, when set (by tests only), is called by writeOutput
// with the temporary file's path after the data is written and before it
// is committed.
var testHookBeforeCommit func(tmp string)

// writeOutput writes data to path ("" or "-" for stdout). A file is
// written atomically with mode 0600, and an existing file is replaced only
// if force is set, and only if it is a regular file.
func (c *cli) writeOutput(path string, data []byte, force bool) error {
	if path == "" || path == "-" {
		_, err := c.stdout.Write(data)
		if err != nil {
			return failf("standard output: %w", err)
		}
		return nil
	}
	c.removeStale(path)
	p, err := safefile.Create(path, force)
	if err != nil {
		return outputError(path, err)
	}
	if _, err := p.Write(data); err != nil {
		p.Abort()
		return outputError(path, err)
	}
	if testHookBeforeCommit != nil {
		testHookBeforeCommit(p.Name())
	}
	if err := p.Commit(); err != nil {
		return outputError(path, err)
	}
	return nil
}

// removeStale removes the temporary files that an interrupted run left in
// the directory of output path (or in path itself, for a batch's output
// directory), with a one-line notice each. It runs once per directory.
func (c *cli) removeStale(path string) {
	dir := filepath.Dir(path)
	if isDir(path) {
		dir = filepath.Clean(path)
	}
	c.staleMu.Lock()
	defer c.staleMu.Unlock()
	if c.staleDone == nil {
		c.staleDone = map[string]bool{}
	}
	if c.staleDone[dir] {
		return
	}
	c.staleDone[dir] = true
	removed, err := safefile.RemoveStale(dir)
	for _, s := range removed {
		if s.PID != 0 {
			c.infof("removed %s, a temporary file left by an interrupted run (process %d)", s.Path, s.PID)
		} else {
			c.infof("removed %s, a temporary file left by an interrupted run", s.Path)
		}
	}
	if err != nil {
		c.warnf("%s: cannot remove a stale temporary file: %v", dir, err)
	}
}

// outputError describes a failure to write path.
func outputError(path string, err error) error {
	var nr *safefile.NotRegularError
	switch {
	case errors.Is(err, safefile.ErrExists):
		return withHints(failf("%s: output file exists", path), "pass --force to replace it")
	case errors.As(err, &nr) && nr.Mode.IsDir():
		return failf("%s: is a directory", path)
	case errors.As(err, &nr):
		hint := "tgsession writes only regular files and never replaces anything else, even with --force"
		if nr.Mode&fs.ModeSymlink != 0 {
			hint = "tgsession does not write through or replace a symbolic link: name the file it points to, or remove the link"
		}
		if slices.Contains(stdoutNames, path) {
			hint = "to write to standard output, use -o - (or leave out -o)"
		}
		return withHints(failf("%s: is %s, not a regular file", path, safefile.KindOf(nr.Mode)), hint)
	case errors.Is(err, safefile.ErrClosed):
		return failf("%s: not written: interrupted", path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return failf("%s: %v", path, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return failf("%s: %v", path, le.Err)
	}
	return failf("%s: %v", path, err)
}

// secretToTerminal prints a hint when a secret goes to a terminal: the
// contract says convert and open write to stdout, so they do, but the user
// is told how to keep the secret off the screen and out of scrollback.
func (c *cli) secretToTerminal(outPath string) {
	if (outPath == "" || outPath == "-") && c.isTerminal(c.stdout) {
		c.hintf("the output is a secret: prefer -o FILE or a pipe to printing it on a terminal")
	}
}

// samePath reports whether a and b name the same existing file.
func samePath(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}

// isDir reports whether path is an existing directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// stem returns the file name of path without directory and extension.
func stem(path string) string {
	b := filepath.Base(path)
	return b[:len(b)-len(filepath.Ext(b))]
}
