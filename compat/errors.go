package compat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// Sentinel errors. Every error this package returns for a bad input file or
// a refused write wraps one of them (or one of codec's sentinels), so callers
// can branch with [errors.Is]. Messages name files, tables, columns, row
// counts and DC ids, never key bytes.
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
	return fmt.Sprintf("compat: %s: auth keys for DCs %s; choose one with --dc", e.Path, strings.Join(ids, ", "))
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
		return fmt.Errorf("compat: %s: %w", path, sentinel)
	}
	return fmt.Errorf("compat: %s: %s: %w", path, msg, sentinel)
}
