package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
)

// Sentinel errors, re-exported by package compat as the same values. Every
// error compat returns for a bad input file or a refused write wraps one of
// them (or one of codec's sentinels), so callers can branch with
// [errors.Is]. Messages name files, tables, columns, row
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
	// ErrNoSQLite is returned by [ConvertWith] for a file target when it
	// is given no writer: the SQLite writer is compat.Marshal, which a
	// caller that must not link SQLite does not have.
	ErrNoSQLite = errors.New("writing an SQLite .session file needs the SQLite writer")
)

// MultipleSessionsError is returned by compat.ReadFile when more than one
// row holds an auth key and no DC was chosen (compat.ReadOptions.DC). It lists the
// DC ids of those rows. It wraps [ErrMultipleSessions].
type MultipleSessionsError struct {
	Path string
	DCs  []int
}

func (e *MultipleSessionsError) Error() string {
	ids := make([]string, len(e.DCs))
	for i, dc := range e.DCs {
		ids[i] = strconv.Itoa(dc)
	}
	return fmt.Sprintf("compat: %s: auth keys for DCs %s, and no DC was chosen", QuotePath(e.Path), strings.Join(ids, ", "))
}

func (e *MultipleSessionsError) Unwrap() error { return ErrMultipleSessions }

// MissingError is returned by [ConvertWith] and [Shape] when the target
// needs values that neither the source nor the [Options] hold. It lists
// every such field at once, so that a caller can ask for all of them in one
// go. It wraps [codec.ErrMissingField].
type MissingError struct {
	// Target is the target's name, e.g. "pyrogram".
	Target string
	// Fields are the snake-case names of the missing fields ("user_id",
	// "api_id"), in the order the target needs them.
	Fields []string
	// Reasons says, per field, why the target cannot do without it (""
	// when there is nothing to add).
	Reasons []string
}

func (e *MissingError) add(field, why string) {
	e.Fields = append(e.Fields, field)
	e.Reasons = append(e.Reasons, why)
}

func (e *MissingError) Error() string {
	s := fmt.Sprintf("compat: %s needs %s, which the source does not hold", e.Target, strings.Join(e.Fields, " and "))
	var why []string
	for _, r := range e.Reasons {
		if r != "" {
			why = append(why, r)
		}
	}
	if len(why) > 0 {
		s += " (" + strings.Join(why, "; ") + ")"
	}
	return s
}

func (e *MissingError) Unwrap() error { return codec.ErrMissingField }

// ConflictError is returned by [ConvertWith] and [Shape] when a value given
// in [Options] contradicts the value the source holds: a value the session
// holds is never replaced.
type ConflictError struct {
	// Field is the snake-case field name, e.g. "user_id".
	Field string
	// Given and Held are the given and the stored value, as text.
	Given, Held string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("compat: the given %s %s contradicts the source's %s %s", e.Field, e.Given, e.Field, e.Held)
}

// QuoteText returns s for a message: as it is when it is at most max bytes
// of printable UTF-8 (letters, marks, numbers, punctuation, symbols and the
// ASCII space); otherwise with every other rune written as a Go escape
// (\x1b, \n, \u202e; \xff for a byte of invalid UTF-8) and cut to max runes,
// "…" marking the cut. The escapes are those the CLI prints, so a name
// reads the same in both. Every message that holds text from an input file
// (table names, a username) or a file name goes through it, so that no
// escape sequence, control or bidi character reaches a terminal or a log,
// and no file can make a message long.
func QuoteText(s string, max int) string {
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

// QuotePath quotes a file name: a directory of inputs may hold files named
// by whoever sent them.
func QuotePath(s string) string { return QuoteText(s, 4096) }
