package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
	"golang.org/x/term"
)

// maxTextInput is the most bytes read from stdin or a text file: the
// codec's own limit. Reading stops one byte later, so /dev/zero or an
// endless FIFO cannot exhaust memory.
const maxTextInput = codec.MaxInputLen

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// source is one input: standard input or a file.
type source struct {
	path string // "" for standard input
}

func (s source) String() string {
	if s.path == "" {
		return "standard input"
	}
	return s.path
}

// sources returns the inputs named by --in and the positional arguments;
// standard input if there are none. "-" names standard input.
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
		if a == "-" {
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

// openError turns a failure to open an input path into a secret-free error
// with a hint when the "path" is probably a pasted session.
func openError(path string, err error) error {
	if looksLikeSecret(path) {
		return withHints(failf("cannot open input file (its name is not shown: it looks like a session or key)"),
			"sessions are never taken from the command line: pipe them to standard input or use --in FILE")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return failf("%s: %v", path, pe.Err)
	}
	return failf("%v", err)
}

// readText reads at most maxTextInput bytes of text from src. It returns
// the bytes read; the caller clears them when done. If the file is an
// SQLite database, it returns isSQLite and no data.
func (c *cli) readText(src source) (data []byte, isSQLite bool, err error) {
	if src.path == "" {
		data, err = c.readStdin()
		return data, false, err
	}
	f, err := os.Open(src.path)
	if err != nil {
		return nil, false, openError(src.path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, false, failf("%s: is a directory", src.path)
	}
	data, err = readCapped(f, maxTextInput)
	if err != nil && !errors.Is(err, errTooLarge) {
		return nil, false, failf("%s: %v", src.path, err)
	}
	if bytes.HasPrefix(data, sqliteMagic) {
		clear(data)
		return nil, true, nil
	}
	if err != nil {
		clear(data)
		return nil, false, failf("%s: %v", src.path, err)
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
// does not stay on the screen.
func (c *cli) readStdin() ([]byte, error) {
	if f, ok := c.stdin.(*os.File); ok && c.isTerminal(f) {
		fmt.Fprint(c.stderr, "tgsession: paste the session and press Enter (input is hidden): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return nil, failf("reading from the terminal: %v", err)
		}
		if len(b) > maxTextInput {
			clear(b)
			return nil, failf("standard input: %v", errTooLarge)
		}
		return b, nil
	}
	b, err := readCapped(c.stdin, maxTextInput)
	if err != nil {
		clear(b)
		return nil, failf("standard input: %v", err)
	}
	return b, nil
}

// writeOutput writes data to path ("" or "-" for stdout). A file is
// written atomically with mode 0600, and an existing file is replaced only
// if force is set.
func (c *cli) writeOutput(path string, data []byte, force bool) error {
	if path == "" || path == "-" {
		_, err := c.stdout.Write(data)
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return failf("%s: is a directory", path)
	}
	if err := safefile.WriteFile(path, data, force); err != nil {
		return outputError(path, err)
	}
	return nil
}

// outputError describes a failure to write path.
func outputError(path string, err error) error {
	if errors.Is(err, safefile.ErrExists) {
		return withHints(failf("%s: output file exists", path), "pass --force to replace it")
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
