package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/verr"
)

// Sentinel errors. Every error this package returns for bad input, a wrong
// key or a refused environment wraps one of them, so callers can branch
// with [errors.Is]. No message contains a session, a key, an identity or a
// passphrase: errors name sources (environment variable names, paths),
// forms, lengths and offsets only.
var (
	// ErrWrongKey is returned (inside a [*WrongKeyError]) when none of the
	// identities tried opens the sealed value. It also covers a stanza
	// that was modified so that no identity recognises it any more.
	ErrWrongKey = verr.ErrWrongKey
	// ErrTampered is returned when the age header MAC or the payload
	// authentication fails: the value was truncated, corrupted or tampered
	// with after it was sealed.
	ErrTampered = verr.ErrTampered
	// ErrMalformed is returned for input that is not well formed: a bad
	// single-line envelope character, invalid armor, a malformed age header,
	// a decrypted payload that is neither an envelope nor a session string,
	// a malformed identity, or an identity where a sealed value belongs.
	ErrMalformed = verr.ErrMalformed
	// ErrUnsupported is returned for a version, recipient type or key type
	// this package does not handle or was not allowed to use (SSH keys
	// without [KeySearch.SSH], plugins, classic recipients under [KeySearch.RequirePQ]).
	ErrUnsupported = verr.ErrUnsupported
	// ErrNoIdentity is returned (inside a [*NoIdentityError]) when no age
	// identity was found in any of the places searched.
	ErrNoIdentity = verr.ErrNoIdentity
	// ErrNotSealed is returned when a sealed value is expected and the
	// input is something else, such as a plain session string: the package
	// fails closed.
	ErrNotSealed = verr.ErrNotSealed
	// ErrNotFound is returned for an unset environment variable or a vault
	// entry that does not exist.
	ErrNotFound = verr.ErrNotFound
	// ErrExists is returned when a vault entry exists and overwriting was
	// not requested.
	ErrExists = verr.ErrExists
	// ErrDestroyed is returned by [Session.WithKey] and the methods built on
	// it after [Session.Destroy], or for a Session that never held a key.
	ErrDestroyed = verr.ErrDestroyed
	// ErrInsecure is returned for a vault directory or file whose
	// permissions or type would expose it: group- or world-accessible,
	// a symbolic link, or not a regular file.
	ErrInsecure = verr.ErrInsecure
)

// errTooLarge is [codec.ErrTooLarge], wrapped by errors for input above a
// size cap, checked before any decoding, and for an scrypt work factor
// above the cap: one "too large" concept for codec and vault.
var errTooLarge = codec.ErrTooLarge

// errMemlockTooLow is wrapped by [*MemlockError].
var errMemlockTooLow = errors.New("locked-memory limit too low")

// NoIdentityError is returned when no identity was found. Tried lists every
// place searched, as environment variable names and paths with the outcome
// ("not set", "no such file"), never their contents.
type NoIdentityError struct {
	Tried []string
}

func (e *NoIdentityError) Error() string {
	return "vault: no age identity found; tried: " + strings.Join(e.Tried, "; ")
}

func (e *NoIdentityError) Unwrap() error { return ErrNoIdentity }

// WrongKeyError is returned when identities were found but none opens the
// sealed value. Tried lists the places the identities came from;
// StanzaTypes lists the recipient types in the value's header (only
// known type names; others are shown as "other").
type WrongKeyError struct {
	Tried       []string
	StanzaTypes []string
	err         *age.NoIdentityMatchError
}

func (e *WrongKeyError) Error() string {
	var b strings.Builder
	b.WriteString("vault: ")
	b.WriteString(ErrWrongKey.Error())
	if len(e.StanzaTypes) > 0 {
		b.WriteString(" (sealed to ")
		b.WriteString(strings.Join(e.StanzaTypes, ", "))
		b.WriteString(")")
	}
	if len(e.Tried) > 0 {
		b.WriteString("; identities tried from: ")
		b.WriteString(strings.Join(e.Tried, "; "))
	}
	return b.String()
}

// Unwrap returns ErrWrongKey and, when age reported it, the underlying
// *age.NoIdentityMatchError.
func (e *WrongKeyError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrWrongKey}
	}
	return []error{ErrWrongKey, e.err}
}

// KeyCmdError reports that the identity command ($TGSESSION_AGE_KEY_CMD)
// gave no identities: it ran longer than its timeout (Timeout is set, and
// ExitCode is -1; it and its process group were killed) or exited with a
// non-zero status (ExitCode). It never holds the command or its output. It
// wraps ErrNoIdentity, and [context.DeadlineExceeded] for a timeout.
type KeyCmdError struct {
	// Source names the command's origin, "$TGSESSION_AGE_KEY_CMD".
	Source   string
	Timeout  time.Duration
	ExitCode int
}

func (e *KeyCmdError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("vault: %s did not finish within %v and was killed (with its process group): %v", e.Source, e.Timeout, ErrNoIdentity)
	}
	return fmt.Sprintf("vault: %s failed with exit status %d: %v", e.Source, e.ExitCode, ErrNoIdentity)
}

// Unwrap returns ErrNoIdentity and, for a timeout, context.DeadlineExceeded.
func (e *KeyCmdError) Unwrap() []error {
	if e.Timeout > 0 {
		return []error{ErrNoIdentity, context.DeadlineExceeded}
	}
	return []error{ErrNoIdentity}
}

// InsecureKeyFileError is returned for an identity file that group or
// others may access, on Unix: it is refused, as OpenSSH refuses such private
// keys, unless [KeySearch.AllowInsecureFiles] is set. Source says where the path
// came from ("-i PATH", "$TGSESSION_AGE_KEY_FILE=PATH", or the default
// keys.txt path). It wraps ErrInsecure.
type InsecureKeyFileError struct {
	Source string
	Path   string
	Mode   fs.FileMode
}

func (e *InsecureKeyFileError) Error() string {
	return fmt.Sprintf("vault: identity file %s is accessible by group or others (mode %04o); run chmod 600 %s: %v",
		e.Source, uint32(e.Mode.Perm()), e.Path, ErrInsecure)
}

func (e *InsecureKeyFileError) Unwrap() error { return ErrInsecure }

// MemlockError reports a locked-memory limit too low for memguard. Sizes are
// in bytes. Locked is what the process had already locked when checked.
type MemlockError struct {
	Limit  uint64
	Locked uint64
	Need   uint64
}

func (e *MemlockError) Error() string {
	return fmt.Sprintf("vault: %s: RLIMIT_MEMLOCK is %d KiB with %d KiB already locked, "+
		"and holding auth keys in locked memory needs %d KiB more; "+
		"raise it (ulimit -l %d, or grant CAP_IPC_LOCK), "+
		"or set TGSESSION_ALLOW_NO_MLOCK=1 to keep keys in ordinary, swappable memory",
		errMemlockTooLow, e.Limit/1024, e.Locked/1024, e.Need/1024, e.NeedKiB())
}

func (e *MemlockError) Unwrap() error { return errMemlockTooLow }

// NeedKiB is the locked-memory limit, in KiB, that would be enough:
// what is already locked plus what is needed, rounded up.
func (e *MemlockError) NeedKiB() uint64 { return (e.Locked + e.Need + 1023) / 1024 }

// errorf returns an error "vault: <msg>: <sentinel>" wrapping sentinel. The
// message must be built from names, lengths and constants only.
func errorf(sentinel error, format string, args ...any) error {
	return verr.Errorf(sentinel, format, args...)
}
