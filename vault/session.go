package vault

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/awnumar/memguard"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/envelope"
)

// Session is an opened session: its non-secret metadata in exported fields,
// and its auth key in an unexported [memguard.Enclave] (encrypted at rest
// in memory, decrypted into a locked, guarded buffer only for the duration
// of a [Session.WithKey] call).
//
// The metadata fields mean what the [codec.Session] fields of the same name
// mean. Labels and CreatedAt come from the envelope (both empty for a plain
// session string someone encrypted with the age CLI).
//
// A Session never prints its key: fmt (every verb), encoding/json and
// log/slog render its metadata and the auth_key_id fingerprint only. Copies
// of a Session value share one key, so [Session.Destroy] on any copy
// destroys it for all. A Session holds no locked memory between calls, so
// forgetting Destroy leaks no mlocked pages; it leaves the encrypted enclave
// to the garbage collector.
type Session struct {
	// Info holds the session's non-secret fields, as in [codec.Session].
	// Info.Source is the format the session was originally in: the format
	// it was sealed from, or the format of a plain string encrypted with
	// age; [Session.Export] uses it when no format is named.
	codec.Info
	// Labels are free-form, non-secret name/value pairs stored inside the
	// envelope (at most 32; names of 1–64 bytes of A–Z a–z 0–9 . _ -,
	// values of at most 255 bytes of text). They are encrypted but not
	// secret: do not put keys in them.
	Labels map[string]string
	// CreatedAt is when the envelope was sealed, to the second, or the
	// zero time if not recorded. [Session.Seal] records it as it is: set
	// it (to time.Now(), say) to record one.
	CreatedAt time.Time
	// EnvelopeVersion is the version of the envelope the session was
	// opened from (1 or 2; 0 for a plain session string or a new
	// Session), and the version [Session.Seal] writes: 0 or 2 for the
	// current version, 1 for tgsession releases before version 2 was
	// introduced (larger, and without attachments).
	EnvelopeVersion int

	key *keyBox
	att *envelope.Attachment // see [Session.Attachment]
}

// keyBox holds one auth key, in a memguard Enclave, in a read-only
// LockedBuffer (KeySearch.Ephemeral) or, when the caller opted out of
// locked memory, in an ordinary heap array.
type keyBox struct {
	mu   sync.RWMutex
	enc  *memguard.Enclave
	lb   *memguard.LockedBuffer
	heap *[codec.AuthKeySize]byte
	id   codec.KeyID
}

// newKeyBox moves the 256 bytes of src into a new keyBox and wipes src. In
// memguard mode the key goes straight from src into an Enclave.
func newKeyBox(src []byte, cfg *config) (*keyBox, error) {
	if len(src) != codec.AuthKeySize {
		clear(src)
		return nil, errorf(ErrMalformed, "auth key of %d bytes", len(src))
	}
	heap, err := keyMode(cfg)
	if err != nil {
		clear(src)
		return nil, err
	}
	b := &keyBox{id: keyID(src)}
	if heap {
		b.heap = new([codec.AuthKeySize]byte)
		copy(b.heap[:], src)
		clear(src)
		runtime.KeepAlive(src)
		return b, nil
	}
	if cfg.ephemeral && acquireEphemeral() {
		b.lb = memguard.NewBufferFromBytes(src) // wipes src
		b.lb.Freeze()
		return b, nil
	}
	acquireSlot()
	defer releaseSlot()
	b.enc = memguard.NewEnclave(src) // wipes src
	return b, nil
}

func keyID(key []byte) codec.KeyID {
	var id codec.KeyID
	sum := sha1.Sum(key)
	copy(id[:], sum[12:20])
	clear(sum[:])
	return id
}

// KeyID returns the auth_key_id, the key's public fingerprint (see
// [codec.KeyID]). It is the zero KeyID for a Session without a key.
func (s *Session) KeyID() codec.KeyID {
	if s == nil || s.key == nil {
		return codec.KeyID{}
	}
	return s.key.id
}

// WithKey calls f with the 256-byte auth key, decrypted into a read-only,
// locked, guard-paged buffer for the duration of the call only (for a
// session opened with [KeySearch.Ephemeral], the key's own such buffer,
// which lives until [Session.Destroy]). The buffer
// is destroyed (wiped and unmapped) when f returns or panics, so f must not
// keep key or any slice of it, and must not write to it (the page is
// read-only: a write crashes the process). f should copy the key only into
// memory it wipes. WithKey returns ErrDestroyed after [Session.Destroy],
// otherwise f's error.
//
// At most 4 WithKey calls (across all Sessions) hold a locked buffer at
// once; further calls wait, which bounds the locked memory used. So f must
// not call WithKey itself (nested calls from several goroutines could wait
// for each other forever).
func (s *Session) WithKey(f func(key *[codec.AuthKeySize]byte) error) error {
	if s == nil || s.key == nil {
		return errorf(ErrDestroyed, "session holds no key")
	}
	b := s.key
	b.mu.RLock()
	defer b.mu.RUnlock()
	switch {
	case b.heap != nil:
		k := new([codec.AuthKeySize]byte)
		*k = *b.heap
		defer func() { clear(k[:]); runtime.KeepAlive(k) }()
		return f(k)
	case b.lb != nil:
		if !b.lb.IsAlive() {
			// memguard.Purge was called: the buffer is gone.
			return errorf(ErrDestroyed, "locked memory was purged")
		}
		return f((*[codec.AuthKeySize]byte)(b.lb.Bytes()))
	case b.enc != nil:
		acquireSlot()
		defer releaseSlot()
		lb, err := b.enc.Open()
		if err != nil {
			// memguard.Purge was called: the enclave key is gone.
			return errorf(ErrDestroyed, "locked memory was purged")
		}
		defer lb.Destroy()
		return f((*[codec.AuthKeySize]byte)(lb.Bytes()))
	}
	return errorf(ErrDestroyed, "session key destroyed")
}

// Destroy forgets the key: the Enclave is dropped (or, for a key kept in
// ordinary memory, wiped). It is safe to call more than once and waits for
// running [Session.WithKey] calls.
func (s *Session) Destroy() {
	if s == nil || s.key == nil {
		return
	}
	b := s.key
	b.mu.Lock()
	defer b.mu.Unlock()
	b.enc = nil
	if b.lb != nil {
		b.lb.Destroy() // wipes it; a no-op after memguard.Purge
		b.lb = nil
		releaseEphemeral()
	}
	if b.heap != nil {
		clear(b.heap[:])
		runtime.KeepAlive(b.heap)
		b.heap = nil
	}
}

// Alive reports whether s still holds a key.
func (s *Session) Alive() bool {
	if s == nil || s.key == nil {
		return false
	}
	s.key.mu.RLock()
	defer s.key.mu.RUnlock()
	return s.key.enc != nil || s.key.heap != nil || (s.key.lb != nil && s.key.lb.IsAlive())
}

// Attachment returns a copy of the attachment the envelope carried (see
// [Session.SetAttachment]), or nil if there is none. For a session sealed
// from a .session file it is the rest of that file. It is not secret but
// may be personal data (the entity cache holds phone numbers and
// usernames).
func (s *Session) Attachment() []byte {
	if s == nil || s.att == nil || s.att.Kind() != envelope.KindFile {
		return nil
	}
	return bytes.Clone(s.att.Data())
}

// ToCodec returns the session as a plain [codec.Session], for conversion.
// The key is copied into ordinary heap memory owned by the result: call
// [codec.Session.Wipe] as soon as possible. Converting to a string (see
// [Session.Export]) leaves further copies that cannot be wiped; this is
// unavoidable when a session string must be handed to another program.
func (s *Session) ToCodec() (*codec.Session, error) {
	if s == nil {
		return nil, ErrDestroyed
	}
	cs := s.metaCodec()
	err := s.WithKey(func(k *[codec.AuthKeySize]byte) error {
		var err error
		cs.Key, err = codec.NewAuthKey(k[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

func (s *Session) metaCodec() *codec.Session {
	cs := &codec.Session{Info: s.Info}
	if s.Media != nil {
		m := *s.Media
		cs.Media = &m
	}
	return cs
}

// Export encodes the session as a string in format f, or in s.Source when f
// is codec.FormatUnknown ("the format it was sealed from"). The returned
// string holds the key and cannot be wiped: hand it to the program that
// needs it and drop it. Errors are codec's (a format that cannot hold a
// value, a missing user id, …), wrapped.
func (s *Session) Export(f codec.Format) (string, error) {
	if f == codec.FormatUnknown {
		f = s.Source
	}
	if f == codec.FormatUnknown {
		return "", errorf(ErrUnsupported, "session has no source format; name the output format")
	}
	cs, err := s.ToCodec()
	if err != nil {
		return "", err
	}
	defer cs.Wipe()
	out, err := cs.Encode(f)
	if err != nil {
		return "", fmt.Errorf("vault: export as %s: %w", f, err)
	}
	return out, nil
}

// NewSession returns a Session holding the fields and key of cs, with the
// key moved into memguard memory. cs is not modified: the caller should
// [codec.Session.Wipe] it. It fails with ErrMalformed for a session that
// does not validate, and with errMemlockTooLow as [Open] does.
func NewSession(cs *codec.Session) (*Session, error) {
	if cs == nil {
		return nil, errorf(ErrMalformed, "nil session")
	}
	return sessionFromCodec(cs, newConfig())
}

// sessionFromCodec builds a Session from the metadata of cs (strings
// cloned, so cs may alias a buffer that is wiped afterwards) and moves its
// key into a keyBox.
func sessionFromCodec(cs *codec.Session, cfg *config) (*Session, error) {
	if err := cs.Validate(); err != nil {
		return nil, fmt.Errorf("vault: %w: %w", ErrMalformed, err)
	}
	s := &Session{Info: cs.Info}
	s.Layout = strings.Clone(cs.Layout)
	s.ServerAddress = strings.Clone(cs.ServerAddress)
	if cs.Media != nil {
		m := *cs.Media
		m.ServerAddress = strings.Clone(m.ServerAddress)
		s.Media = &m
	}
	var k [codec.AuthKeySize]byte
	cs.Key.RevealTo(k[:])
	box, err := newKeyBox(k[:], cfg)
	clear(k[:])
	if err != nil {
		return nil, err
	}
	s.key = box
	return s, nil
}

// String returns a one-line summary without secrets, e.g.
// "vault.Session{format=telethon dc=2 addr=149.154.167.51 port=443 key=AuthKey(id=…)}".
func (s Session) String() string {
	var b strings.Builder
	b.WriteString("vault.Session{format=")
	b.WriteString(s.Source.String())
	b.WriteString(" dc=")
	b.WriteString(strconv.Itoa(s.DC))
	if s.ServerAddress != "" {
		b.WriteString(" addr=")
		b.WriteString(s.ServerAddress)
	}
	if s.Port != 0 {
		b.WriteString(" port=")
		b.WriteString(strconv.Itoa(int(s.Port)))
	}
	if v, ok := s.TestMode.Get(); ok && v {
		b.WriteString(" test")
	}
	if v, ok := s.UserID.Get(); ok {
		b.WriteString(" user=")
		b.WriteString(strconv.FormatInt(v, 10))
	}
	if len(s.Labels) > 0 {
		names := make([]string, 0, len(s.Labels))
		for k := range s.Labels {
			names = append(names, k)
		}
		sort.Strings(names)
		b.WriteString(" labels=")
		for i, k := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(strconv.Quote(s.Labels[k]))
		}
	}
	if s.att != nil {
		b.WriteString(" attachment=")
		b.WriteString(strconv.Itoa(int(s.att.Kind())))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(len(s.att.Data())))
		b.WriteString("B")
	}
	b.WriteString(" key=")
	if s.key == nil {
		b.WriteString("AuthKey(unset)")
	} else {
		b.WriteString("AuthKey(id=" + s.key.id.String() + ")")
	}
	b.WriteString("}")
	return b.String()
}

// GoString implements fmt.GoStringer with the redacted summary.
func (s Session) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints the redacted summary.
func (s Session) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue implements slog.LogValuer with the redacted summary.
func (s Session) LogValue() slog.Value { return slog.StringValue(s.String()) }

type jsonAttachment struct {
	Kind envelope.Kind `json:"kind"`
	Size int           `json:"size"`
}

// MarshalJSON implements json.Marshaler: the session's Info in codec's
// vocabulary (the CLI's inspect --json keys: format, dc_id, media_dc, …),
// the labels, creation time and attachment size, and the auth_key_id
// (null without a key), never the key.
func (s Session) MarshalJSON() ([]byte, error) {
	j := struct {
		codec.Info
		Labels     map[string]string `json:"labels,omitempty"`
		CreatedAt  *time.Time        `json:"created_at,omitempty"`
		Attachment *jsonAttachment   `json:"attachment,omitempty"`
		AuthKeyID  *string           `json:"auth_key_id"`
	}{Info: s.Info, Labels: s.Labels}
	if s.key != nil {
		id := s.key.id.String()
		j.AuthKeyID = &id
	}
	if !s.CreatedAt.IsZero() {
		t := s.CreatedAt
		j.CreatedAt = &t
	}
	if s.att != nil {
		j.Attachment = &jsonAttachment{s.att.Kind(), len(s.att.Data())}
	}
	return json.Marshal(j)
}

// MarshalText implements encoding.TextMarshaler with the redacted summary.
func (s Session) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
