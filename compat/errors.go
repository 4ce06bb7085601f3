package compat

import (
	"fmt"
	"io/fs"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
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
	ErrNotSQLite = model.ErrNotSQLite
	// ErrCorrupt is returned for an SQLite file that is truncated or
	// malformed, or whose session row holds an impossible value (a key that
	// is not 256 bytes, a DC id out of range).
	ErrCorrupt = model.ErrCorrupt
	// ErrUnknownSchema is returned for an SQLite database whose tables are
	// not those of any supported library (another application's database,
	// or a library this package does not read), and for one that holds
	// what no supported library writes and a reader must not evaluate: a
	// generated column among the columns it reads, or SQLite planner
	// statistics (sqlite_stat4).
	ErrUnknownSchema = model.ErrUnknownSchema
	// ErrNoSession is returned when the database has the right tables but
	// no usable session: no sessions row, or only rows without an auth key
	// (Telethon's fresh-file placeholder, an all-zero key).
	ErrNoSession = model.ErrNoSession
	// ErrMultipleSessions is returned (inside a [*MultipleSessionsError])
	// when more than one row holds an auth key and no DC was chosen.
	ErrMultipleSessions = model.ErrMultipleSessions
	// ErrLocked is returned when another process holds a write lock on the
	// input for longer than the busy timeout, or keeps rewriting its WAL.
	ErrLocked = model.ErrLocked
	// ErrBadExtras is returned for serialized extras that are not exactly
	// what [Stored.MarshalExtras] writes. The error says at which byte and
	// why; it also matches codec.ErrUnsupportedVersion for an unknown
	// version. It never holds input bytes.
	ErrBadExtras = model.ErrBadExtras
)

// MultipleSessionsError is returned by [ReadFile] when more than one row
// holds an auth key and no DC was chosen ([ReadOptions].DC). It lists the
// DC ids of those rows. It wraps [ErrMultipleSessions].
type MultipleSessionsError = model.MultipleSessionsError

// MissingError is returned by [Convert] and [Shape] when the target needs
// values that neither the source nor the [Options] hold. It lists every
// such field at once (Fields, with Reasons). It wraps
// [codec.ErrMissingField].
type MissingError = model.MissingError

// ConflictError is returned by [Convert] and [Shape] when a value given in
// [Options] contradicts the value the source holds: a value the session
// holds is never replaced.
type ConflictError = model.ConflictError

// errTooLarge is an error matching codec.ErrTooLarge, the one "too large"
// concept of the project. It is returned for an input file larger than 256 MiB, and for a
// database that exceeds one of the read limits of the package
// documentation (a value, a table's rows, the schema, the values read
// together). The message names the limit, never the data.
var errTooLarge error = tooLargeError{}

// tooLargeError reads "session database too large" and matches
// codec.ErrTooLarge with errors.Is.
type tooLargeError struct{}

func (tooLargeError) Error() string        { return "session database too large" }
func (tooLargeError) Is(target error) bool { return target == codec.ErrTooLarge }

// fileError prefixes err with the package and file name.
func fileError(path string, sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if msg == "" {
		return fmt.Errorf("compat: %s: %w", quotePath(path), sentinel)
	}
	return fmt.Errorf("compat: %s: %s: %w", quotePath(path), msg, sentinel)
}

// pathErr returns err with the path of an *fs.PathError quoted (see
// quotePath); it keeps its type and what it wraps (fs.ErrNotExist, …).
func pathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return &fs.PathError{Op: pe.Op, Path: quotePath(pe.Path), Err: pe.Err}
	}
	return err
}

// quoteName quotes a table, column or other name read from a file (see
// model.QuoteText: no escape sequence reaches a terminal or a log).
func quoteName(s string) string { return model.QuoteText(s, 64) }

// quotePath quotes a file name: a directory of inputs may hold files named
// by whoever sent them.
func quotePath(s string) string { return model.QuotePath(s) }
