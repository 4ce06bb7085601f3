// Package envelope is the plaintext inside every age file package vault
// writes: one canonical, versioned, binary serialisation of a session
// (docs/envelope.md specifies it byte by byte). It is package vault's, not
// promised to anyone else.
package envelope

import (
	"encoding/binary"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/verr"
)

// Meta is what an envelope holds besides the auth key: the session's
// non-secret fields, labels, creation time and attachment, and, after
// [Unmarshal], the envelope's version.
type Meta struct {
	codec.Info
	Labels    map[string]string
	CreatedAt time.Time
	Att       *Attachment
	Version   int
}

// The layouts are specified byte by byte in docs/envelope.md. This file
// holds version 1 (still read, and written when vault.Session's
// EnvelopeVersion is 1) and the version dispatch; envelope2.go holds
// version 2, which vault writes by default.
//
// Version 1:
//
//	| off | size | field                                                    |
//	|   0 |    4 | magic "TGSE"                                             |
//	|   4 |    1 | version, 1                                               |
//	|   5 |    3 | reserved, zero                                           |
//	|   8 |  256 | auth key                                                 |
//	| 264 |    8 | created at, i64 BE Unix seconds, 0 = not recorded        |
//	| 272 |    1 | source format code                                       |
//	| 273 |    1 | known bits: ipv6, test, bot, api_id, user_id, media      |
//	| 274 |    1 | value bits: ipv6, test, bot                              |
//	| 275 |    1 | reserved, zero                                           |
//	| 276 |    2 | DC id, u16 BE, 1–65535                                   |
//	| 278 |    2 | port, u16 BE, 0 = unknown                                |
//	| 280 |    4 | api_id, u32 BE, 0 unless known                           |
//	| 284 |    8 | user_id, i64 BE, 0 unless known                          |
//	| 292 |  1+n | server address (u8 length, text)                         |
//	|     |  1+n | layout (u8 length, text)                                 |
//	|     |  6+n | media DC (u16 id, u16 port, u8 flags, u8 length, text),  |
//	|     |      | present only if the media known bit is set               |
//	|     |    1 | label count, 0–16                                        |
//	|     |      | labels: u8 name length, name, u8 value length, value,    |
//	|     |      | names strictly ascending                                 |
const (
	Magic = "TGSE"
	// KeyOffsetV1 is the byte offset of the 256-byte auth key in a version 1
	// envelope, fixed so that Open can move the key straight from the
	// decrypted buffer into locked memory. Version 2 has it at
	// [KeyOffsetV2].
	KeyOffsetV1   = 8
	envelopeFixed = 292
	// maxEnvelopeV1 is the largest version 1 envelope accepted (the
	// largest valid one is 6202 bytes).
	maxEnvelopeV1 = 8192
	// MaxLabels is the maximum number of labels in an envelope.
	MaxLabels = 16
	// maxLabelName and maxLabelValue are the maximum lengths, in bytes, of
	// a label's name and value.
	maxLabelName  = 64
	maxLabelValue = 255
)

const (
	knownIPv6 = 1 << iota
	knownTest
	knownBot
	knownAPIID
	knownUserID
	knownMedia
)

const (
	mediaIPv6 = 1 << iota
	mediaOnly
	mediaTest
)

// formatCodes are the envelope's stable codes for codec formats; they never
// change meaning, whatever codec.Format's numeric values become.
var formatCodes = []struct {
	f    codec.Format
	code byte
}{
	{codec.FormatUnknown, 0},
	{codec.Telethon, 1},
	{codec.Pyrogram, 2},
	{codec.PyrogramLegacy, 3},
	{codec.GramJS, 4},
	{codec.Mtcute, 5},
	{codec.Gotd, 6},
	{codec.Mtkruto, 7},
}

func formatCode(f codec.Format) (byte, bool) {
	for _, c := range formatCodes {
		if c.f == f {
			return c.code, true
		}
	}
	return 0, false
}

func formatOfCode(code byte) (codec.Format, bool) {
	for _, c := range formatCodes {
		if c.code == code {
			return c.f, true
		}
	}
	return codec.FormatUnknown, false
}

// validText reports whether s may be stored as an envelope text field:
// valid UTF-8, at most 255 bytes, no control characters.
func validText(s string) bool {
	if len(s) > 255 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// ValidLabelName reports whether s is 1–64 bytes of [A-Za-z0-9._-].
func ValidLabelName(s string) bool {
	if len(s) == 0 || len(s) > maxLabelName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// checkLabels validates labels for an envelope.
func checkLabels(labels map[string]string) error {
	if len(labels) > MaxLabels {
		return verr.Errorf(verr.ErrMalformed, "%d labels, limit %d", len(labels), MaxLabels)
	}
	for k, v := range labels {
		if !ValidLabelName(k) {
			return verr.Errorf(verr.ErrMalformed, "label name of %d bytes: want 1–%d of A–Z a–z 0–9 . _ -", len(k), maxLabelName)
		}
		if !validText(v) {
			return verr.Errorf(verr.ErrMalformed, "label %s: value must be at most %d bytes of UTF-8 without control characters", k, maxLabelValue)
		}
	}
	return nil
}

// checkMeta validates the metadata of m for an envelope.
func checkMeta(m *Meta) error {
	if m.DC < 1 || m.DC > 0xffff {
		return verr.Errorf(verr.ErrMalformed, "DC id %d out of range 1–65535", m.DC)
	}
	if _, ok := formatCode(m.Source); !ok {
		return verr.Errorf(verr.ErrUnsupported, "source format %s has no envelope code", m.Source)
	}
	if !validText(m.ServerAddress) {
		return verr.Errorf(verr.ErrMalformed, "server address of %d bytes cannot be stored", len(m.ServerAddress))
	}
	if !validText(m.Layout) {
		return verr.Errorf(verr.ErrMalformed, "layout name of %d bytes cannot be stored", len(m.Layout))
	}
	if md := m.Media; md != nil {
		if md.ID < 1 || md.ID > 0xffff {
			return verr.Errorf(verr.ErrMalformed, "media DC id %d out of range 1–65535", md.ID)
		}
		if !validText(md.ServerAddress) {
			return verr.Errorf(verr.ErrMalformed, "media DC address of %d bytes cannot be stored", len(md.ServerAddress))
		}
	}
	return checkLabels(m.Labels)
}

func boolBits(o codec.Optional[bool], known, value byte) (k, v byte) {
	if b, ok := o.Get(); ok {
		k = known
		if b {
			v = value
		}
	}
	return k, v
}

// Marshal serialises the metadata of m, with the attachment att
// (nil for none), as an envelope of the given version (1 or 2), and lets
// putKey write the 256-byte key at the version's key offset. The caller
// must wipe the returned buffer.
func Marshal(m *Meta, att *Attachment, version int, putKey func(dst []byte) error) ([]byte, error) {
	switch version {
	case 1:
		if att != nil {
			return nil, verr.Errorf(verr.ErrUnsupported, "envelope version 1 cannot hold an attachment (the rest of a stored session file)")
		}
		return marshalEnvelopeV1(m, putKey)
	case 2:
		return marshalEnvelopeV2(m, att, putKey)
	}
	return nil, verr.Errorf(verr.ErrUnsupported, "envelope version %d (this build writes versions 1 and 2)", version)
}

// Unmarshal parses envelope b: its metadata into a new Session
// (without a key; for version 2 with its attachment), and checks that b is
// canonical. It returns the offset of the key in b, checked to be
// non-zero.
func Unmarshal(b []byte) (*Meta, int, error) {
	if len(b) < 5 || string(b[:4]) != Magic {
		return nil, 0, envelopeError(verr.ErrMalformed, 0, "missing magic")
	}
	switch b[4] {
	case 1:
		m, err := unmarshalEnvelopeV1(b)
		if err == nil {
			m.Version = 1
		}
		return m, KeyOffsetV1, err
	case 2:
		m, err := unmarshalEnvelopeV2(b)
		if err == nil {
			m.Version = 2
		}
		return m, KeyOffsetV2, err
	}
	return nil, 0, envelopeError(verr.ErrUnsupported, 4, "version %d (this build reads versions 1 and 2)", b[4])
}

// marshalEnvelopeV1 writes a version 1 envelope.
func marshalEnvelopeV1(m *Meta, putKey func(dst []byte) error) ([]byte, error) {
	if err := checkMeta(m); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Labels))
	size := envelopeFixed + 1 + len(m.ServerAddress) + 1 + len(m.Layout) + 1
	if m.Media != nil {
		size += 6 + len(m.Media.ServerAddress)
	}
	for k, v := range m.Labels {
		names = append(names, k)
		size += 2 + len(k) + len(v)
	}
	sort.Strings(names)
	if size > maxEnvelopeV1 {
		return nil, verr.Errorf(codec.ErrTooLarge, "envelope of %d bytes, limit %d", size, maxEnvelopeV1)
	}

	b := make([]byte, size)
	copy(b, Magic)
	b[4] = 1
	if err := putKey(b[KeyOffsetV1 : KeyOffsetV1+codec.AuthKeySize]); err != nil {
		clear(b)
		return nil, err
	}
	if isZero(b[KeyOffsetV1 : KeyOffsetV1+codec.AuthKeySize]) {
		clear(b)
		return nil, verr.Errorf(verr.ErrMalformed, "auth key is all zeros")
	}
	var created int64
	if !m.CreatedAt.IsZero() {
		created = m.CreatedAt.Unix()
	}
	binary.BigEndian.PutUint64(b[264:], uint64(created))
	b[272], _ = formatCode(m.Source)
	var known, value byte
	k, v := boolBits(m.IPv6, knownIPv6, knownIPv6)
	known, value = known|k, value|v
	k, v = boolBits(m.TestMode, knownTest, knownTest)
	known, value = known|k, value|v
	k, v = boolBits(m.IsBot, knownBot, knownBot)
	known, value = known|k, value|v
	if id, ok := m.APIID.Get(); ok {
		known |= knownAPIID
		binary.BigEndian.PutUint32(b[280:], id)
	}
	if id, ok := m.UserID.Get(); ok {
		known |= knownUserID
		binary.BigEndian.PutUint64(b[284:], uint64(id))
	}
	if m.Media != nil {
		known |= knownMedia
	}
	b[273], b[274] = known, value
	binary.BigEndian.PutUint16(b[276:], uint16(m.DC))
	binary.BigEndian.PutUint16(b[278:], m.Port)

	off := envelopeFixed
	putText := func(s string) {
		b[off] = byte(len(s))
		off += 1 + copy(b[off+1:], s)
	}
	putText(m.ServerAddress)
	putText(m.Layout)
	if md := m.Media; md != nil {
		binary.BigEndian.PutUint16(b[off:], uint16(md.ID))
		binary.BigEndian.PutUint16(b[off+2:], md.Port)
		var f byte
		if md.IPv6 {
			f |= mediaIPv6
		}
		if md.MediaOnly {
			f |= mediaOnly
		}
		if md.TestMode {
			f |= mediaTest
		}
		b[off+4] = f
		off += 5
		putText(md.ServerAddress)
	}
	b[off] = byte(len(names))
	off++
	for _, k := range names {
		putText(k)
		putText(m.Labels[k])
	}
	if off != size {
		panic("vault: internal error: envelope size mismatch")
	}
	return b, nil
}

// envelopeError reports a malformed envelope at byte offset off. It never
// includes envelope bytes.
func envelopeError(sentinel error, off int, format string, args ...any) error {
	return fmt.Errorf("vault: envelope: "+format+" (at byte %d): %w", append(args, off, sentinel)...)
}

// unmarshalEnvelopeV1 parses the metadata of version 1 envelope b into a
// new Session (without a key) and checks that b is canonical: exactly what
// marshalEnvelopeV1 writes for that metadata. The key stays in
// b[KeyOffsetV1:KeyOffsetV1+256], checked to be non-zero.
func unmarshalEnvelopeV1(b []byte) (*Meta, error) {
	if len(b) > maxEnvelopeV1 {
		return nil, envelopeError(codec.ErrTooLarge, maxEnvelopeV1, "envelope of %d bytes", len(b))
	}
	if len(b) < envelopeFixed+3 {
		return nil, envelopeError(verr.ErrMalformed, len(b), "truncated: %d bytes", len(b))
	}
	for i := 5; i < 8; i++ {
		if b[i] != 0 {
			return nil, envelopeError(verr.ErrMalformed, i, "reserved byte is not zero")
		}
	}
	if isZero(b[KeyOffsetV1 : KeyOffsetV1+codec.AuthKeySize]) {
		return nil, envelopeError(verr.ErrMalformed, KeyOffsetV1, "auth key is all zeros")
	}
	m := &Meta{}
	if created := int64(binary.BigEndian.Uint64(b[264:])); created != 0 {
		m.CreatedAt = time.Unix(created, 0).UTC()
	}
	f, ok := formatOfCode(b[272])
	if !ok {
		return nil, envelopeError(verr.ErrUnsupported, 272, "unknown source format code %d", b[272])
	}
	m.Source = f
	known, value := b[273], b[274]
	if known&^(knownIPv6|knownTest|knownBot|knownAPIID|knownUserID|knownMedia) != 0 {
		return nil, envelopeError(verr.ErrMalformed, 273, "unknown known-bits set")
	}
	if value&^(knownIPv6|knownTest|knownBot) != 0 || value&^known != 0 {
		return nil, envelopeError(verr.ErrMalformed, 274, "value bit set without its known bit")
	}
	if b[275] != 0 {
		return nil, envelopeError(verr.ErrMalformed, 275, "reserved byte is not zero")
	}
	optBool := func(bit byte) codec.Optional[bool] {
		if known&bit == 0 {
			return codec.None[bool]()
		}
		return codec.Some(value&bit != 0)
	}
	m.IPv6, m.TestMode, m.IsBot = optBool(knownIPv6), optBool(knownTest), optBool(knownBot)
	m.DC = int(binary.BigEndian.Uint16(b[276:]))
	if m.DC == 0 {
		return nil, envelopeError(verr.ErrMalformed, 276, "DC id 0")
	}
	m.Port = binary.BigEndian.Uint16(b[278:])
	apiID := binary.BigEndian.Uint32(b[280:])
	if known&knownAPIID != 0 {
		m.APIID = codec.Some(apiID)
	} else if apiID != 0 {
		return nil, envelopeError(verr.ErrMalformed, 280, "api_id set but not marked known")
	}
	userID := int64(binary.BigEndian.Uint64(b[284:]))
	if known&knownUserID != 0 {
		m.UserID = codec.Some(userID)
	} else if userID != 0 {
		return nil, envelopeError(verr.ErrMalformed, 284, "user_id set but not marked known")
	}

	off := envelopeFixed
	text := func(what string) (string, error) {
		if off >= len(b) {
			return "", envelopeError(verr.ErrMalformed, off, "truncated before %s", what)
		}
		n := int(b[off])
		if off+1+n > len(b) {
			return "", envelopeError(verr.ErrMalformed, off, "%s of %d bytes overruns the envelope", what, n)
		}
		s := string(b[off+1 : off+1+n])
		if !validText(s) {
			return "", envelopeError(verr.ErrMalformed, off+1, "%s is not UTF-8 text without control characters", what)
		}
		off += 1 + n
		return s, nil
	}
	var err error
	if m.ServerAddress, err = text("server address"); err != nil {
		return nil, err
	}
	if m.Layout, err = text("layout"); err != nil {
		return nil, err
	}
	if known&knownMedia != 0 {
		if off+5 > len(b) {
			return nil, envelopeError(verr.ErrMalformed, off, "truncated media DC")
		}
		md := &codec.DCOption{
			ID:   int(binary.BigEndian.Uint16(b[off:])),
			Port: binary.BigEndian.Uint16(b[off+2:]),
		}
		if md.ID == 0 {
			return nil, envelopeError(verr.ErrMalformed, off, "media DC id 0")
		}
		fl := b[off+4]
		if fl&^(mediaIPv6|mediaOnly|mediaTest) != 0 {
			return nil, envelopeError(verr.ErrMalformed, off+4, "unknown media flag bits")
		}
		md.IPv6, md.MediaOnly, md.TestMode = fl&mediaIPv6 != 0, fl&mediaOnly != 0, fl&mediaTest != 0
		off += 5
		if md.ServerAddress, err = text("media DC address"); err != nil {
			return nil, err
		}
		m.Media = md
	}
	if off >= len(b) {
		return nil, envelopeError(verr.ErrMalformed, off, "truncated before label count")
	}
	n := int(b[off])
	if n > MaxLabels {
		return nil, envelopeError(verr.ErrMalformed, off, "%d labels, limit %d", n, MaxLabels)
	}
	off++
	if n > 0 {
		m.Labels = make(map[string]string, n)
	}
	prev := ""
	for i := 0; i < n; i++ {
		start := off
		k, err := text("label name")
		if err != nil {
			return nil, err
		}
		if !ValidLabelName(k) {
			return nil, envelopeError(verr.ErrMalformed, start, "label %d: invalid name", i)
		}
		if i > 0 && k <= prev {
			return nil, envelopeError(verr.ErrMalformed, start, "label %d: names not in strictly ascending order", i)
		}
		prev = k
		v, err := text("label value")
		if err != nil {
			return nil, err
		}
		m.Labels[k] = v
	}
	if off != len(b) {
		return nil, envelopeError(verr.ErrMalformed, off, "%d trailing bytes", len(b)-off)
	}
	return m, nil
}

func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}
