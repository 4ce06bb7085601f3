package codec

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Optional holds a value that a format may or may not carry, so that "not
// known" is never confused with zero. The zero Optional is unknown.
type Optional[T comparable] struct {
	val T
	ok  bool
}

// Some returns a known Optional holding v.
func Some[T comparable](v T) Optional[T] { return Optional[T]{val: v, ok: true} }

// None returns an unknown Optional.
func None[T comparable]() Optional[T] { return Optional[T]{} }

// Get returns the value and whether it is known.
func (o Optional[T]) Get() (T, bool) { return o.val, o.ok }

// Known reports whether the value is known.
func (o Optional[T]) Known() bool { return o.ok }

// Or returns the value if known, else def.
func (o Optional[T]) Or(def T) T {
	if o.ok {
		return o.val
	}
	return def
}

// String returns the value, or "unknown".
func (o Optional[T]) String() string {
	if !o.ok {
		return "unknown"
	}
	return fmt.Sprint(o.val)
}

// MarshalJSON encodes an unknown value as null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.ok {
		return []byte("null"), nil
	}
	return json.Marshal(o.val)
}

// UnmarshalJSON decodes null as unknown.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = Optional[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Some(v)
	return nil
}

// DCOption is a data-centre endpoint other than the session's main one;
// mtcute stores a separate media DC this way.
type DCOption struct {
	ID            int    `json:"dc_id"`
	ServerAddress string `json:"server_address,omitempty"`
	Port          uint16 `json:"port,omitempty"`
	IPv6          bool   `json:"ipv6"`
	MediaOnly     bool   `json:"media_only,omitempty"`
	TestMode      bool   `json:"test_mode,omitempty"`
}

// Info is everything about a session except its auth key: every
// non-secret field that any supported format carries. A field the source
// format lacks is unknown: an empty ServerAddress, a zero Port, or an
// unknown [Optional]. Info holds no secret, so it may be printed, logged
// and stored in clear; [Session] and vault's Session embed it.
//
// Its JSON keys are those of the tgsession CLI's inspect --json output
// (format, dc_id, server_address, port, ipv6, test_mode, api_id, user_id,
// is_bot, layout, media_dc); an unknown value is null or, for the address,
// port, layout and media DC, absent.
type Info struct {
	// Source is the format the session was decoded from, or FormatUnknown.
	Source Format `json:"format"`
	// Layout names the layout within Source, for information only:
	// "ipv4"/"ipv6" (Telethon), "v2", "old-32", "old-64" (Pyrogram).
	Layout string `json:"layout,omitempty"`

	// DC is the data-centre id the auth key belongs to (1–5 in
	// production). It is always known; 0 is invalid.
	DC int `json:"dc_id"`
	// ServerAddress is the DC's address as the source stored it: an IP
	// literal, or a host name (GramJS browser sessions). Empty if unknown.
	ServerAddress string `json:"server_address,omitempty"`
	// Port is the DC's port, 0 if unknown.
	Port uint16 `json:"port,omitempty"`
	// IPv6 reports whether the address is an IPv6 one (mtcute stores it
	// as a flag; Telethon and GramJS imply it by the address).
	IPv6 Optional[bool] `json:"ipv6"`
	// TestMode reports whether the session belongs to Telegram's test DCs.
	TestMode Optional[bool] `json:"test_mode"`
	// Media is mtcute's separate media DC, nil if absent.
	Media *DCOption `json:"media_dc,omitempty"`

	// APIID is the application id (Pyrogram 2.x stores it).
	APIID Optional[uint32] `json:"api_id"`
	// UserID is the account's user id (Pyrogram, mtcute).
	UserID Optional[int64] `json:"user_id"`
	// IsBot reports whether the account is a bot (Pyrogram, mtcute).
	IsBot Optional[bool] `json:"is_bot"`
}

// Session is the canonical form of a Telegram client session: its
// non-secret [Info] and its auth key.
type Session struct {
	Info

	// Key is the 256-byte auth key.
	Key AuthKey
}

// Clone returns a deep copy of s, with an independent key.
func (s *Session) Clone() *Session {
	c := *s
	c.Key = s.Key.Clone()
	if s.Media != nil {
		m := *s.Media
		c.Media = &m
	}
	return &c
}

// Wipe wipes the auth key.
func (s *Session) Wipe() { s.Key.Wipe() }

// AuthKeyID returns the key's public fingerprint, SHA-1(key)[12:20].
func (s *Session) AuthKeyID() KeyID { return s.Key.ID() }

// Equal reports whether s and o hold the same session fields and key. It
// ignores Source and Layout, which describe where a session came from. The
// key is compared in constant time.
func (s *Session) Equal(o *Session) bool {
	if s == nil || o == nil {
		return s == o
	}
	if (s.Media == nil) != (o.Media == nil) || (s.Media != nil && *s.Media != *o.Media) {
		return false
	}
	return s.DC == o.DC && s.ServerAddress == o.ServerAddress && s.Port == o.Port &&
		s.IPv6 == o.IPv6 && s.TestMode == o.TestMode && s.APIID == o.APIID &&
		s.UserID == o.UserID && s.IsBot == o.IsBot && s.Key.Equal(o.Key)
}

// Validate checks the invariants every encoder relies on: a DC id in
// 1–65535, a set auth key, and a media DC with a valid id.
func (s *Session) Validate() error {
	if s.DC <= 0 || s.DC > 0xffff {
		return fmt.Errorf("codec: DC id %d out of range: %w", s.DC, ErrBadField)
	}
	if !s.Key.IsSet() {
		return fmt.Errorf("codec: session has no auth key: %w", ErrBadKey)
	}
	if s.Media != nil && (s.Media.ID <= 0 || s.Media.ID > 0xffff) {
		return fmt.Errorf("codec: media DC id %d out of range: %w", s.Media.ID, ErrBadField)
	}
	return nil
}

// String returns the fields as one line, e.g. "format=telethon dc=2
// addr=149.154.167.51 port=443": the format, DC, address and port when
// known, "test" for a test-DC session and the user id when known. [Session]
// and vault's Session print it inside their own summaries.
func (s Info) String() string {
	var b strings.Builder
	s.appendTo(&b)
	return b.String()
}

func (s *Info) appendTo(b *strings.Builder) {
	b.WriteString("format=")
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
}

// String returns a one-line summary without secrets, e.g.
// "Session{format=telethon dc=2 addr=149.154.167.51 port=443 key=AuthKey(id=…)}".
func (s Session) String() string {
	var b strings.Builder
	b.WriteString("Session{")
	s.Info.appendTo(&b)
	b.WriteString(" key=")
	b.WriteString(s.Key.String())
	b.WriteString("}")
	return b.String()
}

// MarshalJSON writes the [Info] keys and "auth_key_id", the key's public
// fingerprint in hex (null without a key): the vocabulary of the CLI's
// inspect --json. The key itself is never written.
func (s Session) MarshalJSON() ([]byte, error) {
	var id *string
	if s.Key.IsSet() {
		v := s.Key.ID().String()
		id = &v
	}
	return json.Marshal(struct {
		Info
		AuthKeyID *string `json:"auth_key_id"`
	}{s.Info, id})
}

// GoString implements fmt.GoStringer with the redacted summary.
func (s Session) GoString() string { return s.String() }

// Format implements fmt.Formatter: every verb prints the redacted summary.
func (s Session) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
