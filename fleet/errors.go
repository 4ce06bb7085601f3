package fleet

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// Sentinel errors. Every error a fleet store returns wraps one of them, so
// callers branch with [errors.Is]. Messages name operations, session
// names, holders, tokens and lengths, never sealed bytes or a password.
var (
	// ErrNotFound: no session under the name.
	ErrNotFound = errors.New("fleet: session not found")
	// ErrExists: Put without replace found a session under the name. It is
	// the project's one "exists" error.
	ErrExists = safefile.ErrExists
	// ErrHeld: another holder has a live lease on the session. The error
	// is a [*HeldError] naming the holder.
	ErrHeld = errors.New("fleet: session is leased by another holder")
	// ErrNoFree: AcquireAny found no free session under the prefix (all
	// are leased, or there is none).
	ErrNoFree = errors.New("fleet: no free session in the pool")
	// ErrLost: the lease is no longer ours (it expired, or another holder
	// took the session after it expired). Renew and Release return it.
	ErrLost = errors.New("fleet: lease lost")
	// ErrFenced: a write-back carried a fencing token older than the
	// session's latest acquisition.
	ErrFenced = errors.New("fleet: write-back refused: fencing token is stale")
	// ErrTampered: the stored sealed bytes do not match the stored digest,
	// or the metadata does not match what opening the envelope showed
	// (an auth_key_id mismatch). The session must not be used.
	ErrTampered = errors.New("fleet: stored session does not match its metadata")
	// ErrNotSealed: Put or WriteBack was given bytes that are not a sealed
	// age value (plaintext is never stored).
	ErrNotSealed = errors.New("fleet: value is not a sealed age envelope")
	// ErrBadValue: a stored value or argument is malformed (metadata that
	// does not parse, an auth_key_id that is not 16 hex digits, a TTL out
	// of range).
	ErrBadValue = errors.New("fleet: invalid value")
	// ErrBadName: a session name or prefix the store cannot hold.
	ErrBadName = errors.New("fleet: invalid session name")
	// ErrTooLarge: a value above [MaxSealedSize] or a page above
	// [MaxPageSize].
	ErrTooLarge = codec.ErrTooLarge
	// ErrUnreachable: the server could not be reached or did not answer
	// in time. The outcome of the call is unknown (an Acquire may have
	// succeeded: its lease then expires on its own).
	// Backends also wrap the store package's ErrUnreachable.
	ErrUnreachable = errors.New("fleet: store unreachable")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("fleet: store closed")
)

// Error is the error every fleet backend returns: the backend, the
// operation and the session name around an error wrapping a sentinel.
type Error struct {
	Backend string // "redis", "postgres", "dir"
	Op      string // "put", "get", "list", "delete", "acquire", "renew", "release", "writeback", "open"
	Name    string // the session name or pool prefix; may be empty
	Err     error
}

func (e *Error) Error() string {
	s := "fleet: " + e.Backend + ": " + e.Op
	if e.Name != "" {
		s += " " + strconv.Quote(e.Name)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an [*Error] whose Err wraps sentinel with a message from
// format and args (which must hold no secret). For backends.
func Errorf(backend, op, name string, sentinel error, format string, args ...any) *Error {
	var err error
	if format == "" {
		err = sentinel
	} else {
		err = fmt.Errorf(format+": %w", append(args, sentinel)...)
	}
	return &Error{Backend: backend, Op: op, Name: name, Err: err}
}

// HeldError is returned when another holder has the session's lease. It
// wraps [ErrHeld].
type HeldError struct {
	Holder  string        // the holder name given to Acquire
	Token   uint64        // its fencing token
	Expires time.Duration // time left on its lease, by the server's clock
}

func (e *HeldError) Error() string {
	return "leased by " + strconv.Quote(e.Holder) + " (token " + strconv.FormatUint(e.Token, 10) +
		", expires in " + e.Expires.Round(time.Millisecond).String() + ")"
}

func (e *HeldError) Unwrap() error { return ErrHeld }
