package cli

// This file holds the command dispatcher and the terminal voice. The rules
// follow age's cmd/age/tui.go:
//
//   - stdout carries only data (a session, JSON, a sealed text);
//   - everything else goes to stderr as one line prefixed "tgsession: ",
//     "tgsession: error: ", "tgsession: warning: " or "tgsession: hint: ",
//     lowercase, with no trailing period;
//   - no message ever contains a session, key, passphrase or identity: the
//     library errors are built that way, and every line is also passed
//     through scrub as a last line of defence;
//   - no input reaches the terminal raw: every line goes through one
//     printer (cli.line) that escapes control characters and other
//     non-printable runes, so a file name, table name or variable name
//     holding escape sequences is shown, not executed.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

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
	// interrupted is closed when the process gets SIGINT, SIGTERM, SIGHUP
	// or SIGPIPE (see signals.go); a batch stops at the next item.
	interrupted <-chan struct{}
	// now is the clock (progress display).
	now func() time.Time
	// quiet is set by -q: informational lines (per-item results, the
	// fields a conversion drops or defaults, progress) are not printed.
	// Errors, warnings that need attention and summaries still are.
	quiet bool
	// flagCapture, when set, receives each command's FlagSet instead of
	// parsing (shell completion reads the flags from the real commands).
	flagCapture func(cmd *command, fs *flag.FlagSet)

	// stdinRead is set once standard input has been read from: the job
	// can no longer be handed to the full binary (needFull).
	stdinRead bool

	// cmdName is the command being run: its own name as a message
	// prefix ("vault: directory … not found" in vault) is kept.
	cmdName string

	staleMu   sync.Mutex
	staleDone map[string]bool // directories already cleared of stale temporary files
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cli {
	return &cli{
		stdin:       stdin,
		stdout:      stdout,
		stderr:      stderr,
		getenv:      getenv,
		environ:     os.Environ,
		isTerminal:  isTerminal,
		execve:      execve,
		interrupted: interrupts.ch,
		now:         time.Now,
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
		sealCmd, openCmd, execCmd, vaultCmd, fleetCmd,
		listCmd, formatsCmd, completionCmd, versionCmd, helpCmd,
	}
}

// commandNames returns the names of every command.
func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// unknownCommand is the error for an unknown command name, with a "did
// you mean" hint when one is close.
func unknownCommand(prefix, name string) error {
	shown := name
	if looksLikeSecret(name) {
		shown = "[redacted]"
	}
	var hints []string
	if s := suggest(name, commandNames()); s != "" {
		hints = append(hints, fmt.Sprintf("did you mean %q?", s))
	}
	hints = append(hints, `run "tgsession help" for the list of commands`)
	return withHints(usageErrorf("%sunknown command %q", prefix, shown), hints...)
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
    tgsession convert --to FORMAT [--from FORMAT] [--api-id N] [--user-id N | --user-ids FILE]
                      [--bot] [--test-mode] [--in FILE | FILE...] [--out PATH]
                      [--force | --skip-existing] [--json] [-q]
    tgsession doctor [--json] [--in FILE]
    tgsession doctor --explain [--in FILE]
    tgsession seal -r RECIPIENT... [-R FILE] [--age | --armor] [-o FILE] [--in FILE]
    tgsession open [-i FILE]... [--to FORMAT] [-o FILE] [--in FILE]
    tgsession exec --env NAME=SOURCE... [--as FORMAT] [--label LABEL] [-i FILE]
                   [--vault DIR] -- COMMAND [ARG...]
    tgsession exec --env NAME=fleet:SESSION [--as FORMAT] [--lease-ttl 30s]
                   [--wait DURATION] -- COMMAND [ARG...]
    tgsession vault add NAME (-r RECIPIENT | -R FILE)... [--in FILE | FILE]
    tgsession vault get NAME [--label LABEL] [--to FORMAT] [-o FILE] [-i FILE]
    tgsession vault list | rm NAME | rekey (-r RECIPIENT | -R FILE)...
    tgsession fleet add NAME -r RECIPIENT... [--in FILE] | get NAME [--to FORMAT]
    tgsession fleet list [--json] | rm NAME | leases [--json]
    tgsession formats [--json]
    tgsession completion bash | zsh | fish
    tgsession version | -v | --version
    tgsession help [COMMAND]

Commands:
`

const usageFooter = `
A session is read from standard input, from --in FILE, or from the files
named on the command line; it is never accepted as an argument, because
arguments end up in shell history and in ps. Flags take only file paths,
environment variable names, public recipients, labels and numbers.

String formats: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute, gotd,
                mtkruto.
File formats:   telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
                pyrofork-sqlite, kurigram-sqlite.
Directories:    tdata (Telegram Desktop), gramjs-store (GramJS StoreSession).
Stores:         telethon-sqlalchemy, telethon-redis, telethon-redis-hash,
                telethon-mongo, pyrogram-mongo ("tgsession list" lists
                the sessions a store holds).
("tgsession formats" says what each string and file format holds.)

Exit status: 0 on success, 1 on bad input or a failed item, 2 on a usage
error; 128+N when stopped by signal N (130 for Ctrl-C, 143 for SIGTERM),
after removing any temporary file it was writing. Run "tgsession help
COMMAND" for a command's flags and examples.
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
	case "-v", "-version", "--version":
		name = "version"
	}
	cmd := findCommand(name)
	if cmd == nil {
		return c.report(unknownCommand("", name))
	}
	c.cmdName = cmd.name
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
	if isBrokenPipe(err) {
		// The reader of standard output went away (| head): like every
		// Unix tool, stop without a message, with the status a process
		// killed by SIGPIPE has.
		return exitBrokenPipe
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
	fmt.Fprintf(c.stderr, "tgsession: %s%s\n", prefix, c.clean(fmt.Sprintf(format, args...)))
}

func (c *cli) errorf(format string, args ...any) { c.line("error: ", format, args...) }
func (c *cli) warnf(format string, args ...any)  { c.line("warning: ", format, args...) }
func (c *cli) hintf(format string, args ...any)  { c.line("hint: ", format, args...) }
func (c *cli) infof(format string, args ...any)  { c.line("", format, args...) }

// notef prints an informational line unless -q was given.
func (c *cli) notef(format string, args ...any) {
	if !c.quiet {
		c.line("", format, args...)
	}
}

// cleanMessage is what every message goes through before it is printed
// or put in a JSON result: library package prefixes are removed (the
// user gave a file, not a Go package), secret-looking runs are redacted,
// and control characters are escaped.
func cleanMessage(msg string) string {
	return escapeControls(scrub(stripPackagePrefixes(msg, "")))
}

// clean is cleanMessage, keeping the running command's own name as a
// prefix (the vault command's "vault: directory … not found").
func (c *cli) clean(msg string) string {
	return escapeControls(scrub(stripPackagePrefixes(msg, c.cmdName)))
}

// libPrefix matches a library package's error prefix, at the start of a
// message or of a wrapped part of it.
var libPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|: |\()(codec|compat|vault|safefile): `) })

// stripPackagePrefixes removes "codec: ", "compat: ", "vault: " and
// "safefile: " where they start a message or a part of it, except the
// prefix named keep.
func stripPackagePrefixes(msg, keep string) string {
	for {
		out := libPrefix().ReplaceAllStringFunc(msg, func(m string) string {
			sub := libPrefix().FindStringSubmatch(m)
			if sub[2] == keep {
				return m
			}
			return sub[1]
		})
		if out == msg {
			return out
		}
		msg = out
	}
}

// escapeControls makes s safe to print on a terminal: control characters
// (C0, DEL, C1), invalid UTF-8 and other non-printable runes (bidi
// overrides, zero-width characters, line separators) are written as Go
// escapes (\x1b, \u202e), so that no input text can move the cursor, set
// the window title or hide part of a line.
func escapeControls(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !isShown(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case isShown(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	return b.String()
}

// isShown reports whether r is printed as itself.
func isShown(r rune) bool {
	return r == ' ' || (unicode.IsPrint(r) && r != utf8.RuneError)
}

// secretRun matches runs of base64, base64url, hex or bech32 text.
var secretRun = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`) })

// Shapes of names that are long runs of secret-alphabet characters but
// are not secret material: a UUID, and words joined by "-" or "_" where
// every word is a lower-case, Capitalized or camelCase word (with at most
// one acronym of up to 8 capitals), an UPPER-CASE word or a number, none
// longer than 16 letters, digits only at a word's end
// (TGSESSION_AGE_KEY_FILE, my-telegram-sessions, TestSIGKILLRerun123);
// words of four letters or more hold a vowel and no six consonants in a
// row, and long names have four letters a word on average. Random base64
// almost never has that shape (measured: 5 of 3 million random
// 32-character base64url strings, none of 3 million 40-character ones),
// and a hex key never does (its digits are spread through it).
var (
	uuidName = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	nameToken = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:[0-9]{1,20}|[A-Z][A-Z0-9]{0,15}|[a-z]{0,16}(?:[A-Z]{1,8}[a-z]{0,15})*[0-9]{0,20})$`)
	})
	tokenSep     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[-_]`) })
	camelWord    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Z]?[a-z]+|[A-Z]+`) })
	acronymRun   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Z]{2,}`) })
	consonantRun = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{6}`) })
)

// scrub replaces anything in msg that looks like secret material with
// "[redacted]". Library errors never contain such text; this is a last line
// of defence against, for example, a session pasted where a file name was
// expected.
//
// A run of 32 or more base64/hex/bech32 characters is secret material
// (the shortest session is 344 characters, a hex key 64, an age identity
// 74) unless it is made of shorter parts that are names: path components
// ("/"), the sides of NAME=VALUE ("="), a UUID, or words (see nameToken);
// in a run of 40 or more with slashes, every part of 4 characters or more
// must be a name (standard base64 has slashes too). A run of 200 or more
// is always secret (every session string is that long; no name is), as
// is anything holding an age identity. Public age recipients (age1…) are
// let through.
func scrub(msg string) string {
	return secretRun().ReplaceAllStringFunc(msg, func(run string) string {
		if isRecipient(run) || !secretLooking(run) {
			return run
		}
		return "[redacted]"
	})
}

func isRecipient(s string) bool {
	return strings.HasPrefix(s, "age1") && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// secretLooking reports whether a run matched by secretRun is secret
// material (see scrub).
func secretLooking(run string) bool {
	if len(run) >= 200 || strings.Contains(strings.ToUpper(run), "AGE-SECRET-KEY-") {
		return true
	}
	parts := strings.Split(run, "/")
	for _, part := range parts {
		for _, piece := range strings.Split(part, "=") {
			switch {
			case len(piece) >= 32 && !isNameShape(piece):
				return true
			case len(parts) > 1 && len(run) >= 40 && len(piece) >= 4 && !isNameShape(piece):
				// A long run with slashes is a path only if its parts
				// are names: random standard base64 has slashes too.
				return true
			}
		}
	}
	return false
}

// isNameShape reports whether piece has the shape of a name (see
// nameToken).
func isNameShape(piece string) bool {
	if uuidName().MatchString(piece) {
		return true
	}
	letters, words, acronyms := 0, 0, 0
	for _, tok := range tokenSep().Split(piece, -1) {
		if tok == "" || !nameToken().MatchString(tok) {
			return false
		}
		if strings.ContainsFunc(tok, unicode.IsLower) {
			acronyms += len(acronymRun().FindAllString(tok, -1))
		}
		for _, w := range camelWord().FindAllString(tok, -1) {
			if len(w) >= 4 && !strings.ContainsAny(w, "aeiouyAEIOUY") || consonantRun().MatchString(w) {
				return false
			}
			letters += len(w)
			words++
		}
	}
	// Words of long names average four letters or more, and camelCase
	// holds at most one acronym; random text split at its case changes
	// gives shorter words and more runs of capitals.
	return acronyms <= 1 && (len(piece) < 32 || words == 0 || letters >= 4*words)
}

// looksLikeSecret reports whether a command-line argument is probably a
// session or key pasted in place of a file name.
func looksLikeSecret(arg string) bool {
	return scrub(arg) != arg
}
