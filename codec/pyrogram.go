package codec

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"unsafe"
)

// Pyrogram string sessions (docs/formats.md#pyrogram-string and
// docs/formats.md#pyrogram-legacy-string): a big-endian struct.pack, then
// base64.urlsafe_b64encode(…).decode().rstrip("="): the URL-safe alphabet
// without padding. There is no version marker; Pyrogram 2.x picks the
// layout by the text length (351 or 356 characters: old, else v2).
//
//	https://github.com/pyrogram/pyrogram/blob/master/pyrogram/storage/storage.py
//	https://github.com/pyrogram/pyrogram/blob/master/pyrogram/storage/memory_storage.py
//	https://github.com/pyrogram/pyrogram/blob/v1.3.0/pyrogram/storage/storage.py (old 64-bit)
//
// v2, '>BI?256sQ?' (Pyrogram 2.0+, kurigram, pyrofork, hydrogram, irenogram):
//
//	| offset | size | type   | field     |
//	|--------|------|--------|-----------|
//	| 0      | 1    | u8     | DC id     |
//	| 1      | 4    | u32 BE | api_id    |
//	| 5      | 1    | bool   | test_mode |
//	| 6      | 256  | bytes  | auth key  |
//	| 262    | 8    | u64 BE | user_id   |
//	| 270    | 1    | bool   | is_bot    |
//
// old 32-bit, '>B?256sI?' (Pyrogram 0.15–1.2; 1.3–1.4 for user ids below
// 2147483647) and old 64-bit, '>B?256sQ?' (1.3–1.4 for larger ids):
//
//	| offset | size | type         | field     |
//	|--------|------|--------------|-----------|
//	| 0      | 1    | u8           | DC id     |
//	| 1      | 1    | bool         | test_mode |
//	| 2      | 256  | bytes        | auth key  |
//	| 258    | 4/8  | u32/u64 BE   | user_id   |
//	| 262/266| 1    | bool         | is_bot    |

const (
	pyrogramLenV2    = 1 + 4 + 1 + AuthKeySize + 8 + 1 // 271 bytes, 362 characters
	pyrogramLenOld32 = 1 + 1 + AuthKeySize + 4 + 1     // 263 bytes, 351 characters
	pyrogramLenOld64 = 1 + 1 + AuthKeySize + 8 + 1     // 267 bytes, 356 characters

	// maxUserIDOld is Pyrogram 1.3's MAX_USER_ID_OLD: user ids below it
	// are written in the 32-bit layout.
	maxUserIDOld = 2147483647
)

// parsePyrogram decodes a Pyrogram 2.x string session (also written by the
// kurigram, pyrofork, hydrogram and irenogram forks): the unpadded URL-safe
// base64 of '>BI?256sQ?', 271 bytes.
//
// Either base64 alphabet is accepted, with or without padding. The session
// has DC, APIID, TestMode, UserID and IsBot, all known; Layout is "v2";
// ServerAddress, Port and IPv6 are unknown (Pyrogram derives the address
// from the DC id and test mode). A pre-2.0 string (263 or 267 bytes) is
// refused with [ErrBadLength]: use [DecodeAs] or [Decode].
// DC id 0, a bool byte other than 0 or 1 (Python would read it as True;
// Pyrogram never writes one) and a user id above 2⁶³−1 are refused with
// [ErrBadField], an all-zero key with [ErrZeroKey].
func parsePyrogram(text string) (*Session, error) {
	var buf [pyrogramLenV2 + 2]byte
	b, err := pyrogramPayload(text, Pyrogram, buf[:0])
	if err != nil {
		return nil, err
	}
	sess, err := pyrogramFromPayload(b)
	clear(b)
	return sess, err
}

// parsePyrogramLegacy decodes a pre-2.0 Pyrogram string session: the
// unpadded URL-safe base64 of '>B?256sI?' (263 bytes, Layout "old-32") or
// '>B?256sQ?' (267 bytes, Layout "old-64").
//
// Either base64 alphabet is accepted, with or without padding (Pyrogram 2
// itself fails on an old 32-bit string with its '=' padding present). The
// session has DC, TestMode, UserID and IsBot, all known; APIID,
// ServerAddress, Port and IPv6 are unknown; Source is [PyrogramLegacy]. A
// 2.x string (271 bytes) is refused with [ErrBadLength]: use
// [DecodeAs] or [Decode]. Field checks are those of [DecodeAs].
func parsePyrogramLegacy(text string) (*Session, error) {
	var buf [pyrogramLenV2 + 2]byte
	b, err := pyrogramPayload(text, PyrogramLegacy, buf[:0])
	if err != nil {
		return nil, err
	}
	sess, err := pyrogramLegacyFromPayload(b)
	clear(b)
	return sess, err
}

// pyrogramPayload normalizes and decodes text for format f into dst.
func pyrogramPayload(text string, f Format, dst []byte) ([]byte, error) {
	return decodeText(text, f, false, pyrogramLenV2, dst)
}

// pyrogramFromPayload decodes a v2 payload. It never keeps b.
func pyrogramFromPayload(b []byte) (*Session, error) {
	switch len(b) {
	case pyrogramLenV2:
	case pyrogramLenOld32, pyrogramLenOld64:
		return nil, payloadErrorf(Pyrogram, -1, ErrBadLength, "decoded %d bytes: this is a pre-2.0 Pyrogram string (format %s), not the 2.x layout (%d bytes)", len(b), PyrogramLegacy, pyrogramLenV2)
	default:
		return nil, payloadErrorf(Pyrogram, -1, ErrBadLength, "decoded %d bytes, want %d", len(b), pyrogramLenV2)
	}
	if b[0] == 0 {
		return nil, payloadErrorf(Pyrogram, 0, ErrBadField, "DC id 0")
	}
	test, err := pyBool(b, 5, Pyrogram, "test_mode")
	if err != nil {
		return nil, err
	}
	user, err := pyUint64(b, 262, Pyrogram)
	if err != nil {
		return nil, err
	}
	bot, err := pyBool(b, 270, Pyrogram, "is_bot")
	if err != nil {
		return nil, err
	}
	key := b[6:262]
	if isZero(key) {
		return nil, payloadErrorf(Pyrogram, 6, ErrZeroKey, "")
	}
	sess := newSessionWithKey(key)
	sess.Source = Pyrogram
	sess.Layout = "v2"
	sess.DC = int(b[0])
	sess.APIID = Some(binary.BigEndian.Uint32(b[1:]))
	sess.TestMode = Some(test)
	sess.UserID = Some(user)
	sess.IsBot = Some(bot)
	return sess, nil
}

// pyrogramLegacyFromPayload decodes an old 32- or 64-bit payload. It never
// keeps b.
func pyrogramLegacyFromPayload(b []byte) (*Session, error) {
	var layout string
	switch len(b) {
	case pyrogramLenOld32:
		layout = "old-32"
	case pyrogramLenOld64:
		layout = "old-64"
	case pyrogramLenV2:
		return nil, payloadErrorf(PyrogramLegacy, -1, ErrBadLength, "decoded %d bytes: this is a Pyrogram 2.x string (format %s), not a pre-2.0 layout (%d or %d bytes)", len(b), Pyrogram, pyrogramLenOld32, pyrogramLenOld64)
	default:
		return nil, payloadErrorf(PyrogramLegacy, -1, ErrBadLength, "decoded %d bytes, want %d (old 32-bit layout) or %d (old 64-bit layout)", len(b), pyrogramLenOld32, pyrogramLenOld64)
	}
	if b[0] == 0 {
		return nil, payloadErrorf(PyrogramLegacy, 0, ErrBadField, "DC id 0")
	}
	test, err := pyBool(b, 1, PyrogramLegacy, "test_mode")
	if err != nil {
		return nil, err
	}
	var user int64
	if layout == "old-32" {
		user = int64(binary.BigEndian.Uint32(b[258:]))
	} else if user, err = pyUint64(b, 258, PyrogramLegacy); err != nil {
		return nil, err
	}
	bot, err := pyBool(b, len(b)-1, PyrogramLegacy, "is_bot")
	if err != nil {
		return nil, err
	}
	key := b[2:258]
	if isZero(key) {
		return nil, payloadErrorf(PyrogramLegacy, 2, ErrZeroKey, "")
	}
	sess := newSessionWithKey(key)
	sess.Source = PyrogramLegacy
	sess.Layout = layout
	sess.DC = int(b[0])
	sess.TestMode = Some(test)
	sess.UserID = Some(user)
	sess.IsBot = Some(bot)
	return sess, nil
}

// pyBool reads the struct '?' byte at off, refusing anything but 0 and 1.
func pyBool(b []byte, off int, f Format, field string) (bool, error) {
	switch b[off] {
	case 0:
		return false, nil
	case 1:
		return true, nil
	}
	return false, payloadErrorf(f, off, ErrBadField, "%s byte is %d, not 0 or 1", field, b[off])
}

// pyUint64 reads the struct 'Q' user id at off, refusing values that do not
// fit in an int64.
func pyUint64(b []byte, off int, f Format) (int64, error) {
	v := binary.BigEndian.Uint64(b[off:])
	if v > math.MaxInt64 {
		return 0, payloadErrorf(f, off, ErrBadField, "user id above 2^63-1")
	}
	return int64(v), nil
}

// EncodePyrogram encodes s as a Pyrogram 2.x string session, byte for byte
// as Pyrogram's export_session_string does: unpadded URL-safe base64 of
// '>BI?256sQ?'.
//
// It needs UserID and APIID ([*MissingFieldError] otherwise: Pyrogram
// cannot pack None, and a storage with a NULL user id makes Pyrogram start
// a new login). An unknown TestMode or IsBot is written as false. A DC id
// above 255 or a negative user id returns an error wrapping
// [ErrCannotEncode]. ServerAddress, Port, IPv6 and Media are not written
// (a converter reports them as dropped).
func (s *Session) EncodePyrogram() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.DC > 0xff {
		return "", encodeErrorf(Pyrogram, "DC id %d does not fit in a byte", s.DC)
	}
	user, ok := s.UserID.Get()
	if !ok {
		return "", &MissingFieldError{Format: Pyrogram, Field: "user_id"}
	}
	if user < 0 {
		return "", encodeErrorf(Pyrogram, "negative user id (Pyrogram packs it unsigned)")
	}
	api, ok := s.APIID.Get()
	if !ok {
		return "", &MissingFieldError{Format: Pyrogram, Field: "api_id"}
	}
	var buf [pyrogramLenV2]byte
	defer clear(buf[:])
	b := append(buf[:0], byte(s.DC))
	b = binary.BigEndian.AppendUint32(b, api)
	b = append(b, pyBoolByte(s.TestMode.Or(false)))
	b = append(b, s.Key.p[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(user))
	b = append(b, pyBoolByte(s.IsBot.Or(false)))
	return rawURLString(b), nil
}

// EncodePyrogramLegacy encodes s as a pre-2.0 Pyrogram string session, byte
// for byte as Pyrogram 1.3–1.4 did: '>B?256sI?' for a user id below
// 2147483647 (also what Pyrogram 0.15–1.2 wrote), else '>B?256sQ?', as
// unpadded URL-safe base64. The user id is never truncated.
//
// It needs UserID ([*MissingFieldError] otherwise). An unknown TestMode or
// IsBot is written as false. A DC id above 255 or a negative user id
// returns an error wrapping [ErrCannotEncode]. APIID, ServerAddress, Port,
// IPv6 and Media are not written (a converter reports them as dropped).
func (s *Session) EncodePyrogramLegacy() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.DC > 0xff {
		return "", encodeErrorf(PyrogramLegacy, "DC id %d does not fit in a byte", s.DC)
	}
	user, ok := s.UserID.Get()
	if !ok {
		return "", &MissingFieldError{Format: PyrogramLegacy, Field: "user_id"}
	}
	if user < 0 {
		return "", encodeErrorf(PyrogramLegacy, "negative user id (Pyrogram packs it unsigned)")
	}
	var buf [pyrogramLenOld64]byte
	defer clear(buf[:])
	b := append(buf[:0], byte(s.DC), pyBoolByte(s.TestMode.Or(false)))
	b = append(b, s.Key.p[:]...)
	if user < maxUserIDOld {
		b = binary.BigEndian.AppendUint32(b, uint32(user))
	} else {
		b = binary.BigEndian.AppendUint64(b, uint64(user))
	}
	b = append(b, pyBoolByte(s.IsBot.Or(false)))
	return rawURLString(b), nil
}

func pyBoolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// rawURLString returns the unpadded URL-safe base64 of b (at most
// pyrogramLenV2 bytes), clearing its intermediate buffer.
func rawURLString(b []byte) string {
	// Encoded straight into the returned string's bytes: no stack copy to
	// clear, no second copy.
	out := make([]byte, base64.RawURLEncoding.EncodedLen(len(b)))
	base64.RawURLEncoding.Encode(out, b)
	return unsafe.String(unsafe.SliceData(out), len(out))
}
