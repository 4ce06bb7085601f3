package stores

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// Sentinel errors. Every error a store package returns wraps one of them
// inside an [*Error] that names the store kind, so callers can branch with
// [errors.Is] and [errors.AsType]. No message contains a password, a URL
// with its password, an auth key or a value read from the store: errors
// name kinds, session names, tables, keys, fields, types, lengths and DC
// ids.
var (
	// ErrBadURL is returned for a store location that cannot be parsed, has
	// a scheme the kind does not use, or lacks a part the kind needs (a
	// database, a path).
	ErrBadURL = errors.New("invalid store URL")
	// ErrUnreachable is returned when the server cannot be reached or does
	// not answer in time: connection refused, unknown host, a dial or
	// query timeout, a dropped connection. The chain also holds
	// [context.DeadlineExceeded] or [context.Canceled] when the context
	// ended the call.
	ErrUnreachable = errors.New("store unreachable")
	// ErrAuth is returned when the server refuses the credentials: a wrong
	// password or user, or a user without access to the database.
	ErrAuth = errors.New("store refused the credentials")
	// ErrTLS is returned when the TLS handshake fails: an untrusted or
	// expired certificate, a host name mismatch, a server that does not
	// speak TLS, or one that requires it.
	ErrTLS = errors.New("store TLS handshake failed")
	// ErrNotFound is returned when the store holds no session under the
	// name, or holds the name without an auth key (a fresh or logged-out
	// session).
	ErrNotFound = errors.New("session not found in store")
	// ErrExists is returned by Write when a session exists under the name
	// and replacing it was not requested. It is the project's one "exists"
	// error, shared with file writers.
	ErrExists = safefile.ErrExists
	// ErrLayout is returned when the store's tables, keys or collections
	// are not those of the kind's library (another application's data, a
	// table prefix that does not match, a layout this package does not
	// read), or the server cannot hold the layout.
	ErrLayout = errors.New("unknown store layout")
	// ErrBadValue is returned for a stored value of the wrong type or with
	// an impossible value: an auth key that is not 256 bytes or is all
	// zeros, a DC id out of range, text where a number belongs, a BSON
	// string where binary belongs, JSON that does not parse.
	ErrBadValue = errors.New("invalid value in store")
	// ErrTooLarge is returned for a stored value or a result above the
	// package's caps ([MaxValueSize], [MaxEntities], [MaxStates],
	// [MaxNames]), checked before the value is read in full where the
	// server allows it. It is codec's sentinel of the same meaning.
	ErrTooLarge = codec.ErrTooLarge
	// ErrAmbiguous is returned (inside an [*AmbiguousError]) when the name
	// holds auth keys for several DCs and none was chosen.
	ErrAmbiguous = errors.New("session holds keys for several DCs")
	// ErrPickled is returned for a Redis value written with Python's
	// pickle, which is never unpickled: unpickling runs code.
	ErrPickled = errors.New("value is a Python pickle")
	// ErrBadName is returned for a session name the layout cannot hold
	// (empty, too long, or with characters the server refuses in a
	// database name).
	ErrBadName = errors.New("invalid session name")
	// ErrServer is returned when the server refuses an operation for a
	// reason none of the other sentinels covers: a missing privilege, a
	// read-only server, a statement the server rejects.
	ErrServer = errors.New("store server refused the operation")
)

// Error is the error every store package returns: the store kind, the
// operation and the session name involved, around an error that wraps one
// of the sentinels.
type Error struct {
	Kind string // the store kind, e.g. "telethon-redis"
	Op   string // "open", "read", "write", "list" or "close"
	Name string // the session name, "" for open and list
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("stores: ")
	b.WriteString(e.Kind)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Name != "" {
		b.WriteString(" ")
		b.WriteString(quoteName(e.Name))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an [*Error] for kind, op and name whose Err wraps sentinel
// with a message built from format and args. It is meant for store
// packages; args must not hold secrets or stored values.
func Errorf(kind, op, name string, sentinel error, format string, args ...any) *Error {
	var err error
	if format == "" {
		err = sentinel
	} else {
		err = fmt.Errorf(format+": %w", append(args, sentinel)...)
	}
	return &Error{Kind: kind, Op: op, Name: name, Err: err}
}

// AmbiguousError is returned when a session name holds auth keys for more
// than one DC and none was chosen: teleredis leaves one sessions:<dc> key
// per DC it visited and reloads whichever Redis lists last, and an
// alchemysession sessions table may hold several rows per name. It wraps
// [ErrAmbiguous].
type AmbiguousError struct {
	DCs []int
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.DCs))
	for i, dc := range e.DCs {
		ids[i] = strconv.Itoa(dc)
	}
	return "auth keys for DCs " + strings.Join(ids, ", ") + ": choose one"
}

func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

// quoteName quotes a session name for a message, escaping control and
// invalid characters and cutting very long names.
func quoteName(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
