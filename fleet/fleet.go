package fleet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits.
const (
	// MaxSealedSize is the largest sealed value a store keeps: vault's
	// largest sealed file.
	MaxSealedSize = 2 << 20
	// MaxNameLen is the longest session name (bytes).
	MaxNameLen = 200
	// MaxHolderLen is the longest holder name (bytes).
	MaxHolderLen = 200
	// MaxLabels is the most labels a session carries.
	MaxLabels = 64
	// MaxRecipients is the most recipients recorded for a session.
	MaxRecipients = 64
	// MaxPageSize is the most entries one List call returns;
	// DefaultPageSize is used when the caller asks for 0.
	MaxPageSize     = 10000
	DefaultPageSize = 1000
	// MinTTL and MaxTTL bound a lease's time to live.
	MinTTL = 10 * time.Millisecond
	MaxTTL = 24 * time.Hour
)

// Meta is a session's non-secret metadata.
type Meta struct {
	Name       string
	Labels     map[string]string
	AuthKeyID  string   // 16 lowercase hex digits (the MTProto auth_key_id, public)
	Recipients []string // the age recipients the value is sealed to
	// Created and Updated are set by the store from its server's clock;
	// values given to Put are ignored.
	Created time.Time
	Updated time.Time
	// Digest is the SHA-256 of the sealed bytes, hex, set by the store.
	Digest string
	// Size is the length of the sealed bytes, set by the store.
	Size int
}

// Entry is one stored session: metadata, the sealed bytes (nil in List
// results), the latest fencing token and the current lease, if any.
type Entry struct {
	Meta
	Sealed []byte
	Fence  uint64      // token of the latest acquisition, 0 if never leased
	Lease  *LeaseState // nil when no live lease exists
}

// LeaseState describes a live lease as a listing reports it.
type LeaseState struct {
	Holder  string
	Token   uint64
	Expires time.Duration // time left, by the server's clock
}

// ListOptions select a page of [Store.List].
type ListOptions struct {
	Prefix string // only names starting with Prefix
	After  string // only names sorting after After (the previous page's Next)
	Limit  int    // at most this many entries; 0 means DefaultPageSize
}

// Page is one page of a listing, sorted by name (bytewise).
type Page struct {
	Entries []Entry // Sealed is nil
	Next    string  // pass as After for the next page; "" at the end
}

// Store is a fleet store. Every method takes a context that bounds it;
// implementations are safe for concurrent use.
type Store interface {
	// Put stores a sealed session under m.Name. Without replace, an
	// existing name is ErrExists; with replace, a leased session is
	// ErrHeld (use WriteBack under the lease).
	Put(ctx context.Context, m Meta, sealed []byte, replace bool) error
	// Get returns the session under name, its digest checked
	// (ErrTampered on mismatch).
	Get(ctx context.Context, name string) (*Entry, error)
	// List returns one page of metadata and lease state in one round trip.
	List(ctx context.Context, o ListOptions) (*Page, error)
	// Delete removes a session; a leased one is ErrHeld.
	Delete(ctx context.Context, name string) error
	// Acquire leases the session under name to holder for ttl (the
	// server's time). A live lease of another holder is a [*HeldError].
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (*Lease, error)
	// AcquireAny leases any free session whose name starts with prefix;
	// ErrNoFree when there is none.
	AcquireAny(ctx context.Context, prefix, holder string, ttl time.Duration) (*Lease, error)
	// Renew extends the lease by its TTL from now (server time); ErrLost
	// when it is no longer ours.
	Renew(ctx context.Context, l *Lease) error
	// Release ends the lease; ErrLost when it was no longer ours.
	Release(ctx context.Context, l *Lease) error
	// WriteBack replaces the session's sealed bytes (and auth_key_id,
	// which a new key changes) under the lease; ErrFenced unless the
	// lease's token is the session's latest.
	WriteBack(ctx context.Context, l *Lease, authKeyID string, sealed []byte) error
	// Reseal is WriteBack that also replaces the recorded recipient list:
	// for a value re-encrypted to new recipients under the lease (rekey).
	// ErrFenced unless the lease's token is the session's latest.
	Reseal(ctx context.Context, l *Lease, authKeyID string, recipients []string, sealed []byte) error
	// Close releases the connections (not the leases).
	Close() error
}

// Lease is a granted lease. Name, Holder, Token, TTL and Value never
// change; Expires and Deadline move on every successful Renew.
type Lease struct {
	Name   string
	Holder string
	Token  uint64        // fencing token: grows on every acquisition of any session
	TTL    time.Duration //
	// Value is the unique value that identifies this lease in the store
	// (random, not secret); Renew and Release compare it.
	Value string

	mu       sync.Mutex
	expires  time.Time // server clock
	deadline time.Time // local clock (monotonic): request sent + TTL
}

// NewLease is for backends (and tests): a lease granted at server time
// expires, requested locally at sent.
func NewLease(name, holder string, token uint64, ttl time.Duration, value string, expires, sent time.Time) *Lease {
	return &Lease{Name: name, Holder: holder, Token: token, TTL: ttl, Value: value, expires: expires, deadline: sent.Add(ttl)}
}

// Expires is when the lease ends by the server's clock, as of the last
// acquisition or renewal.
func (l *Lease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

// Deadline is the local time before which the lease is certainly still
// ours: the moment the last successful acquire or renew request was sent,
// plus the TTL. The server started the TTL after it received the request,
// so the lease ends at or after Deadline; a holder must stop using the
// session by then.
func (l *Lease) Deadline() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.deadline
}

// Renewed records a successful renewal sent at sent, expiring at expires
// by the server's clock. For backends.
func (l *Lease) Renewed(expires, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expires = expires
	if d := sent.Add(l.TTL); d.After(l.deadline) {
		l.deadline = d
	}
}

// String names the lease without its value.
func (l *Lease) String() string {
	return fmt.Sprintf("lease on %q by %q, token %d", l.Name, l.Holder, l.Token)
}

// CheckName validates a session name: 1 to MaxNameLen bytes of UTF-8
// without control characters.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("empty session name: %w", ErrBadName)
	}
	return checkText("session name", name, MaxNameLen, ErrBadName)
}

// CheckPrefix validates a pool prefix or listing prefix ("" is allowed).
func CheckPrefix(p string) error {
	if p == "" {
		return nil
	}
	return checkText("prefix", p, MaxNameLen, ErrBadName)
}

// CheckHolder validates a holder name.
func CheckHolder(h string) error {
	if h == "" {
		return fmt.Errorf("empty holder name: %w", ErrBadValue)
	}
	return checkText("holder name", h, MaxHolderLen, ErrBadValue)
}

func checkText(what, s string, max int, sentinel error) error {
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes (at most %d): %w", what, len(s), max, sentinel)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, sentinel)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s holds a control character: %w", what, sentinel)
		}
	}
	return nil
}

// CheckTTL validates a lease TTL.
func CheckTTL(ttl time.Duration) error {
	if ttl < MinTTL || ttl > MaxTTL {
		return fmt.Errorf("lease TTL %v is outside [%v, %v]: %w", ttl, MinTTL, MaxTTL, ErrBadValue)
	}
	return nil
}

// CheckAuthKeyID validates an auth_key_id: 16 lowercase hex digits.
func CheckAuthKeyID(id string) error {
	if len(id) != 16 {
		return fmt.Errorf("auth_key_id is %d characters (want 16 hex digits): %w", len(id), ErrBadValue)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("auth_key_id holds a character that is not a lowercase hex digit at offset %d: %w", i, ErrBadValue)
		}
	}
	return nil
}

// Sealed-value prefixes: vault's single-line form, a binary age file, an
// armored age file.
var sealedPrefixes = [][]byte{
	[]byte("tgsession-age-v"),
	[]byte("age-encryption.org/v1\n"),
	[]byte("-----BEGIN AGE ENCRYPTED FILE-----"),
}

// CheckSealed checks that b is, by its form, a sealed age value of at most
// MaxSealedSize bytes. It cannot check that the value opens: that needs
// an identity (vault).
func CheckSealed(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("empty value: %w", ErrNotSealed)
	}
	if len(b) > MaxSealedSize {
		return fmt.Errorf("sealed value is %d bytes (at most %d): %w", len(b), MaxSealedSize, ErrTooLarge)
	}
	for _, p := range sealedPrefixes {
		if bytes.HasPrefix(b, p) {
			return nil
		}
	}
	return fmt.Errorf("value of %d bytes does not start like a sealed age value: %w", len(b), ErrNotSealed)
}

// CheckMeta validates the caller-supplied metadata of a Put.
func CheckMeta(m Meta) error {
	if err := CheckName(m.Name); err != nil {
		return err
	}
	if err := CheckAuthKeyID(m.AuthKeyID); err != nil {
		return err
	}
	if len(m.Labels) > MaxLabels {
		return fmt.Errorf("%d labels (at most %d): %w", len(m.Labels), MaxLabels, ErrBadValue)
	}
	for k, v := range m.Labels {
		if k == "" {
			return fmt.Errorf("empty label name: %w", ErrBadValue)
		}
		if err := checkText("label name", k, 100, ErrBadValue); err != nil {
			return err
		}
		if err := checkText("label value", v, 400, ErrBadValue); err != nil {
			return err
		}
	}
	return CheckRecipients(m.Recipients)
}

// CheckRecipients validates a recipient list as recorded in the metadata:
// at most MaxRecipients public recipients (an identity is refused).
func CheckRecipients(rs []string) error {
	if len(rs) > MaxRecipients {
		return fmt.Errorf("%d recipients (at most %d): %w", len(rs), MaxRecipients, ErrBadValue)
	}
	for _, r := range rs {
		if r == "" || strings.HasPrefix(strings.ToUpper(r), "AGE-SECRET-KEY-") {
			return fmt.Errorf("a recipient is empty or is an identity, not a recipient: %w", ErrBadValue)
		}
		if err := checkText("recipient", r, 4096, ErrBadValue); err != nil {
			return err
		}
	}
	return nil
}

// Digest returns the hex SHA-256 of sealed bytes, as stored in Meta.Digest.
func Digest(sealed []byte) string {
	h := sha256.Sum256(sealed)
	return hex.EncodeToString(h[:])
}

// CheckDigest is what Get does with a stored value: the bytes must hash to
// the stored digest and have the stored size; otherwise ErrTampered.
func CheckDigest(e *Entry) error {
	if e.Size != len(e.Sealed) {
		return fmt.Errorf("sealed value is %d bytes, metadata says %d: %w", len(e.Sealed), e.Size, ErrTampered)
	}
	if Digest(e.Sealed) != e.Digest {
		return fmt.Errorf("sealed value of %d bytes does not match its digest: %w", len(e.Sealed), ErrTampered)
	}
	return CheckSealed(e.Sealed)
}

// VerifyOpened checks what opening the entry's sealed value showed against
// its metadata: the opened session's auth_key_id (hex) must be the stored
// one. A caller opens e.Sealed with vault and calls VerifyOpened before
// using the key; a mismatch means someone replaced the value (or the
// metadata) in the store: ErrTampered.
func VerifyOpened(e *Entry, openedKeyID string) error {
	if openedKeyID != e.AuthKeyID {
		return fmt.Errorf("session %q opened to auth_key_id %s, metadata says %s: %w", e.Name, openedKeyID, e.AuthKeyID, ErrTampered)
	}
	return nil
}

// PrefixEnd returns the smallest string above every string starting with
// p (names are UTF-8, which never holds the byte 0xff).
func PrefixEnd(p string) string { return p + "\xff" }
