package main

// This file holds the command dispatcher and the terminal voice. The rules
// follow age's cmd/age/tui.go:
//
//   - stdout carries only data (a session, JSON, a sealed text);
//   - everything else goes to stderr as one line prefixed "tgsession: ",
//     "tgsession: error: ", "tgsession: warning: " or "tgsession: hint: ",
//     lowercase, with no trailing period;
//   - no message ever contains a session, key, passphrase or identity: the
//     library errors are built that way, and every line is also passed
//     through scrub as a last line of defence.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"golang.org/x/term"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // bad input, wrong key, failed item, I/O error
	exitUsage = 2 // unknown command or flag, missing or conflicting flags
)

// cli is one invocation's environment. Tests build it directly to replace
// the terminal check, the environment and exec.
type cli struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// environ returns the environment passed to exec's child.
	environ func() []string
	// isTerminal reports whether a stream (stdin, stdout or stderr) is a
	// terminal.
	isTerminal func(any) bool
	// execve replaces the process with argv (exec command); it returns
	// only on failure.
	execve func(path string, argv, env []string) error
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cli {
	return &cli{
		stdin:      stdin,
		stdout:     stdout,
		stderr:     stderr,
		getenv:     getenv,
		environ:    os.Environ,
		isTerminal: isTerminal,
		execve:     execve,
	}
}

// isTerminal reports whether v is an *os.File attached to a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// cliError is an error with an exit status and hints to print after it.
type cliError struct {
	code   int
	err    error
	hints  []string
	silent bool // already reported: print nothing
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

// usageErrorf returns a usage error (exit status 2).
func usageErrorf(format string, args ...any) error {
	return &cliError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// failf returns an input or operation error (exit status 1).
func failf(format string, args ...any) error {
	return &cliError{code: exitFail, err: fmt.Errorf(format, args...)}
}

// withHints attaches hints to err, keeping its exit status.
func withHints(err error, hints ...string) error {
	var ce *cliError
	if errors.As(err, &ce) {
		return &cliError{code: ce.code, err: ce.err, hints: append(append([]string(nil), ce.hints...), hints...)}
	}
	return &cliError{code: exitFail, err: err, hints: hints}
}

// errSilent is returned by a command that has already reported its
// failures (a batch), to get exit status 1 with no further message.
var errSilent = &cliError{code: exitFail, err: errors.New("failed"), silent: true}

// command is one subcommand.
type command struct {
	name    string
	summary string
	help    string // full help text, printed by "help NAME" and -h
	run     func(c *cli, cmd *command, args []string) error
}

var commands []*command

func init() {
	commands = []*command{
		inspectCmd, convertCmd, doctorCmd,
		sealCmd, openCmd, execCmd, vaultCmd,
		versionCmd, helpCmd,
	}
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

const usageHeader = `tgsession inspects, converts and protects Telegram client sessions.

Usage:
    tgsession inspect [--json] [--from FORMAT] [--in FILE | FILE...]
    tgsession convert --to FORMAT [--from FORMAT] [--api-id N] [--user-id N] [--bot]
                      [--test-mode] [--in FILE | FILE...] [--out PATH] [--force] [--json]
    tgsession doctor [--json] [--in FILE]
    tgsession doctor --explain [--in FILE]
    tgsession seal -r RECIPIENT... [-R FILE] [--age | --armor] [-o FILE] [--in FILE]
    tgsession open [-i FILE]... [--to FORMAT] [-o FILE] [--in FILE]
    tgsession exec --env NAME=SOURCE... [--as FORMAT] [--label LABEL] [-i FILE]
                   [--vault DIR] -- COMMAND [ARG...]
    tgsession vault add NAME (-r RECIPIENT | -R FILE)... [--in FILE | FILE]
    tgsession vault get NAME [--label LABEL] [--to FORMAT] [-o FILE] [-i FILE]
    tgsession vault list | rm NAME | rekey (-r RECIPIENT | -R FILE)...
    tgsession version
    tgsession help [COMMAND]

Commands:
`

const usageFooter = `
A session is read from standard input, from --in FILE, or from the files
named on the command line; it is never accepted as an argument, because
arguments end up in shell history and in ps. Flags take only file paths,
environment variable names, public recipients, labels and numbers.

String formats: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute, gotd.
File formats:   telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
                pyrofork-sqlite, kurigram-sqlite.

Exit status: 0 on success, 1 on bad input or a failed item, 2 on a usage
error. Run "tgsession help COMMAND" for a command's flags and examples.
`

func (c *cli) printUsage(w io.Writer) {
	fmt.Fprint(w, usageHeader)
	for _, cmd := range commands {
		fmt.Fprintf(w, "    %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, usageFooter)
}

func (c *cli) run(args []string) int {
	if len(args) == 0 {
		c.printUsage(c.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		c.printUsage(c.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	cmd := findCommand(name)
	if cmd == nil {
		return c.report(withHints(usageErrorf("unknown command %q", name), `run "tgsession help" for the list of commands`))
	}
	return c.report(cmd.run(c, cmd, rest))
}

// report prints err (if any) and returns the exit status.
func (c *cli) report(err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		ce = &cliError{code: exitFail, err: err}
	}
	if !ce.silent {
		c.errorf("%v", ce.err)
	}
	for _, h := range ce.hints {
		c.hintf("%s", h)
	}
	return ce.code
}

func (c *cli) line(prefix, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", " ")
	fmt.Fprintf(c.stderr, "tgsession: %s%s\n", prefix, scrub(msg))
}

func (c *cli) errorf(format string, args ...any) { c.line("error: ", format, args...) }
func (c *cli) warnf(format string, args ...any)  { c.line("warning: ", format, args...) }
func (c *cli) hintf(format string, args ...any)  { c.line("hint: ", format, args...) }
func (c *cli) infof(format string, args ...any)  { c.line("", format, args...) }

// secretRun matches runs of base64, base64url, hex or bech32 text. A run is
// taken for secret material (the shortest session is 351 characters, an
// age identity 74) if it has 32 or more characters without a '/': a run
// whose '/'-separated parts are all shorter is a file path.
var (
	secretRun  = regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`)
	secretPart = regexp.MustCompile(`[A-Za-z0-9+=_-]{32,}`)
)

// scrub replaces anything in msg that looks like secret material with
// "[redacted]". Library errors never contain such text; this is a last line
// of defence against, for example, a session pasted where a file name was
// expected. Public age recipients (age1…) are let through.
func scrub(msg string) string {
	return secretRun.ReplaceAllStringFunc(msg, func(s string) string {
		if !secretPart.MatchString(s) {
			return s
		}
		if strings.HasPrefix(s, "age1") && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789") == "" {
			return s
		}
		return "[redacted]"
	})
}

// looksLikeSecret reports whether a command-line argument is probably a
// session or key pasted in place of a file name.
func looksLikeSecret(arg string) bool {
	return scrub(arg) != arg
}
