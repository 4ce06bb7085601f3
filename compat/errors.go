package compat

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// Sentinel errors. Every error this package returns for a bad input file or
// a refused write wraps one of them (or one of codec's sentinels), so callers
// can branch with [errors.Is]. Messages name files, tables, columns, row
// counts and DC ids, never key bytes; names taken from a file (and file
// names) are escaped when they hold anything but printable text.
var (
	// ErrNotSQLite is returned for a file that is not an SQLite database:
	// empty, shorter than the 100-byte header, or without the "SQLite
	// format 3" magic (old JSON sessions included).
	ErrNotSQLite = errors.New("not an SQLite database")
	// ErrCorrupt is returned for an SQLite file that is truncated or
	// malformed, or whose session row holds an impossible value (a key that
	// is not 256 bytes, a DC id out of range).
	ErrCorrupt = errors.New("corrupt session database")
	// ErrTooLarge is returned for an input file larger than [MaxFileSize],
	// and for a database that exceeds one of the read limits of the package
	// documentation (a value, a table's rows, the schema, the values read
	// together). The message names the limit, never the data.
	ErrTooLarge = errors.New("session database too large")
	// ErrUnknownSchema is returned for an SQLite database whose tables are
	// not those of any supported library (another application's database,
	// or a library this package does not read), and for one that holds
	// what no supported library writes and a reader must not evaluate: a
	// generated column among the columns it reads, or SQLite planner
	// statistics (sqlite_stat4).
	ErrUnknownSchema = errors.New("unknown session database schema")
	// ErrNoSession is returned when the database has the right tables but
	// no usable session: no sessions row, or only rows without an auth key
	// (Telethon's fresh-file placeholder, an all-zero key).
	ErrNoSession = errors.New("no session in database")
	// ErrMultipleSessions is returned (inside a [*MultipleSessionsError])
	// when more than one row holds an auth key and no DC was chosen.
	ErrMultipleSessions = errors.New("more than one session in database")
	// ErrLocked is returned when another process holds a write lock on the
	// input for longer than the busy timeout, or keeps rewriting its WAL.
	ErrLocked = errors.New("session database is locked by another writer")
	// ErrExists is returned when the output file exists and overwriting was
	// not requested. It is the same value as the project's safefile
	// sentinel, so either can be matched.
	ErrExists = safefile.ErrExists
	// ErrOptionConflict is returned when an option (such as --user-id)
	// contradicts a value the source holds.
	ErrOptionConflict = errors.New("option contradicts the source")
)

// MultipleSessionsError lists the DC ids of the rows that hold an auth key
// when a database holds more than one. Choose one with the DC option
// (CLI --dc). It wraps [ErrMultipleSessions].
type MultipleSessionsError struct {
	Path string
	DCs  []int
}

func (e *MultipleSessionsError) Error() string {
	ids := make([]string, len(e.DCs))
	for i, dc := range e.DCs {
		ids[i] = strconv.Itoa(dc)
	}
	return fmt.Sprintf("compat: %s: auth keys for DCs %s; choose one with --dc", quotePath(e.Path), strings.Join(ids, ", "))
}

func (e *MultipleSessionsError) Unwrap() error { return ErrMultipleSessions }

// MissingOptionError is returned by [Convert] when the target needs a value
// that neither the source nor the options hold. Option is the CLI flag that
// supplies it ("--user-id", "--api-id"). It wraps [codec.ErrMissingField].
type MissingOptionError struct {
	Target string // target name, e.g. "pyrogram-sqlite"
	Field  string // snake-case field name, e.g. "user_id"
	Option string // CLI flag, e.g. "--user-id"
	Why    string // why the target cannot do without it
}

func (e *MissingOptionError) Error() string {
	s := fmt.Sprintf("compat: %s needs %s, which the source does not hold: pass %s", e.Target, e.Field, e.Option)
	if e.Why != "" {
		s += " (" + e.Why + ")"
	}
	return s
}

func (e *MissingOptionError) Unwrap() error { return codec.ErrMissingField }

// fileError prefixes err with the package and file name.
func fileError(path string, sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg == "" {
		return fmt.Errorf("compat: %s: %w", quotePath(path), sentinel)
	}
	return fmt.Errorf("compat: %s: %s: %w", quotePath(path), msg, sentinel)
}

// quoteText returns s for a message: as it is when it is at most max bytes
// of printable UTF-8 (letters, marks, numbers, punctuation, symbols and the
// ASCII space); otherwise with every other rune written as a Go escape
// (\x1b, \n, \u202e; \xff for a byte of invalid UTF-8) and cut to max runes,
// "…" marking the cut. The escapes are those the CLI prints, so a name
// reads the same in both. Every message that holds text from an input file
// (table names, a username) or a file name goes through it, so that no
// escape sequence, control or bidi character reaches a terminal or a log,
// and no file can make a message long.
func quoteText(s string, max int) string {
	clean := len(s) <= max
	for _, r := range s {
		if !clean {
			break
		}
		clean = r != utf8.RuneError && isShown(r)
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, n := 0, 0; i < len(s); n++ {
		if n == max {
			b.WriteString("…")
			break
		}
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
func isShown(r rune) bool { return r == ' ' || unicode.IsPrint(r) }

// pathErr returns err with the path of an *fs.PathError quoted (see
// quotePath); it keeps its type and what it wraps (fs.ErrNotExist, …).
func pathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: pe.Op, Path: quotePath(pe.Path), Err: pe.Err}
	}
	return err
}

// quoteName quotes a table, column or other name read from a file.
func quoteName(s string) string { return quoteText(s, 64) }

// quotePath quotes a file name: a directory given to [ConvertBatch] may
// hold files named by whoever sent them.
func quotePath(s string) string { return quoteText(s, 4096) }
