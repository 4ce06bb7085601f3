package codec

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
)

// AuthKeySize is the size of an MTProto auth key in bytes.
const AuthKeySize = 256

// AuthKey is a 256-byte MTProto auth key: full access to the Telegram
// account it was created for.
//
// An AuthKey never prints its bytes: fmt (every verb), encoding/json,
// encoding.TextMarshaler and log/slog all render it as its public
// fingerprint, "AuthKey(id=…)". The raw bytes are only available through
// [AuthKey.Reveal] and [AuthKey.RevealTo]. Call [AuthKey.Wipe] when done.
//
// The zero AuthKey holds no key. Copies of an AuthKey share one backing
// array, so [AuthKey.Wipe] on any copy wipes the key for all of them (and
// marks them all unset); use [AuthKey.Clone] for an independent copy.
type AuthKey struct {
	// The key is reached through *keyRef rather than held as a
	// *[256]byte field: fmt cannot call String or Format on a value it
	// reaches through an unexported struct field (such as a user's
	// struct{ key codec.AuthKey }), and for a verb that is invalid for
	// pointers (%s, %q) it then prints what a pointer to an array points
	// to, the key bytes. A pointer to a struct holding a pointer is
	// printed as addresses only.
	*keyRef
}

// keyRef points at the key bytes; copies of an AuthKey share it.
type keyRef struct {
	p *[AuthKeySize]byte
}

// keyAlloc puts a keyRef and its key in one allocation.
type keyAlloc struct {
	ref keyRef
	key [AuthKeySize]byte
}

// authKeyIn returns an AuthKey for the key bytes at arr, using r (which
// the caller allocates, usually together with arr) as its reference.
func authKeyIn(r *keyRef, arr *[AuthKeySize]byte) AuthKey {
	r.p = arr
	return AuthKey{r}
}

// NewAuthKey copies b into a new AuthKey. It returns an error wrapping
// [ErrBadKey] if b is not 256 bytes and [ErrZeroKey] if b is all zeros.
// The caller remains responsible for wiping b.
func NewAuthKey(b []byte) (AuthKey, error) {
	if len(b) != AuthKeySize {
		return AuthKey{}, fmt.Errorf("codec: auth key is %d bytes: %w", len(b), ErrBadKey)
	}
	if isZero(b) {
		return AuthKey{}, fmt.Errorf("codec: %w", ErrZeroKey)
	}
	a := new(keyAlloc)
	copy(a.key[:], b)
	return authKeyIn(&a.ref, &a.key), nil
}

// isZero reports whether every byte of b is zero, eight bytes at a time.
// It reads every byte whatever their values.
func isZero(b []byte) bool {
	var acc uint64
	for len(b) >= 32 {
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
		b = b[32:]
	}
	for len(b) >= 8 {
		acc |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		acc |= uint64(c)
	}
	return acc == 0
}

// IsSet reports whether k holds a key.
func (k AuthKey) IsSet() bool { return k.keyRef != nil && k.p != nil }

// KeyID is the MTProto auth_key_id: the last 8 bytes of SHA-1(auth key), in
// that order. It is sent in clear with every MTProto message, so it is a
// safe public fingerprint (docs/formats.md#auth-key-id).
type KeyID [8]byte

// String returns the 16 lowercase hex characters of the id bytes.
func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

// Uint64 returns the id as MTProto and Telethon show it: the bytes read as a
// little-endian unsigned integer.
func (id KeyID) Uint64() uint64 { return binary.LittleEndian.Uint64(id[:]) }

// ID returns the auth_key_id, SHA-1(key)[12:20]. It returns the zero KeyID
// for an unset key.
func (k AuthKey) ID() KeyID {
	var id KeyID
	if !k.IsSet() {
		return id
	}
	sum := sha1.Sum(k.p[:])
	copy(id[:], sum[12:20])
	return id
}

// Reveal returns a copy of the 256 key bytes, or nil for an unset key. The
// caller owns the copy and should clear it when done.
func (k AuthKey) Reveal() []byte {
	if !k.IsSet() {
		return nil
	}
	out := make([]byte, AuthKeySize)
	copy(out, k.p[:])
	return out
}

// RevealTo copies the key into dst, which must be at least 256 bytes long,
// and returns the number of bytes copied (0 for an unset key). It lets
// callers put the key straight into memory they manage, such as a locked
// buffer, without an intermediate heap copy.
func (k AuthKey) RevealTo(dst []byte) int {
	if !k.IsSet() {
		return 0
	}
	if len(dst) < AuthKeySize {
		panic("codec: AuthKey.RevealTo: destination shorter than 256 bytes")
	}
	return copy(dst, k.p[:])
}

// Equal reports, in constant time, whether k and o hold the same key. Two
// unset keys are equal.
func (k AuthKey) Equal(o AuthKey) bool {
	if !k.IsSet() || !o.IsSet() {
		return k.IsSet() == o.IsSet()
	}
	return subtle.ConstantTimeCompare(k.p[:], o.p[:]) == 1
}

// Clone returns an independent copy of k.
func (k AuthKey) Clone() AuthKey {
	if !k.IsSet() {
		return AuthKey{}
	}
	a := new(keyAlloc)
	a.key = *k.p
	return authKeyIn(&a.ref, &a.key)
}

// Wipe zeroes the key bytes and marks k, and every copy of k, unset.
func (k *AuthKey) Wipe() {
	if k.IsSet() {
		clear(k.p[:])
		runtime.KeepAlive(k.p)
		k.p = nil
	}
	k.keyRef = nil
}

const redactedKey = "AuthKey(unset)"

// String returns "AuthKey(id=<auth_key_id hex>)", never key bytes.
func (k AuthKey) String() string {
	if !k.IsSet() {
		return redactedKey
	}
	return "AuthKey(id=" + k.ID().String() + ")"
}

// GoString implements fmt.GoStringer with the same redacted text as String.
func (k AuthKey) GoString() string { return k.String() }

// Format implements fmt.Formatter so that no verb (%x, %q, %d, %v, …)
// reaches the key bytes.
func (k AuthKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (k AuthKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// MarshalJSON implements json.Marshaler with the redacted form.
func (k AuthKey) MarshalJSON() ([]byte, error) { return []byte(`"` + k.String() + `"`), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (k AuthKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// sessionBox holds a decoded [Session] and its key in one allocation, so
// that a decoder allocates once for both.
type sessionBox struct {
	s Session
	r keyRef
	k [AuthKeySize]byte
}

// newSessionWithKey returns a new Session whose Key holds a copy of key,
// which must be AuthKeySize bytes (checked by the caller), allocated
// together with the Session. The caller remains responsible for clearing
// key.
func newSessionWithKey(key []byte) *Session {
	box := new(sessionBox)
	copy(box.k[:], key)
	box.s.Key = authKeyIn(&box.r, &box.k)
	return &box.s
}
