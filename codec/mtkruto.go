package codec

import (
	"encoding/base64"
	"encoding/binary"
	"math"
)

// MTKruto auth strings (docs/formats.md#mtkruto-string), as written by
// MTKruto's StorageOperations.exportAuthString and read by importAuthString
// (storage/0_storage.ts), and by @mtcute/convert 0.29.7's
// serializeMtkrutoSession / parseMtkrutoSession (packages/convert/src/mtkruto):
//
//	https://github.com/MTKruto/MTKruto/blob/main/storage/0_storage.ts
//	https://github.com/MTKruto/MTKruto/blob/main/utilities/0_rle.ts
//	https://github.com/mtcute/mtcute/blob/master/packages/convert/src/mtkruto/serialize.ts
//
// The text is unpadded URL-safe base64 of the run-length encoding of a
// little-endian TL stream:
//
//	| size  | type      | field                                          | layout         |
//	|-------|-----------|------------------------------------------------|----------------|
//	| 4n    | TL string | DC: "1"…"5", or "1-test"…"3-test"               | all            |
//	| 260   | TL bytes  | auth key: fe 00 01 00 + 256 bytes              | all            |
//	| 4     | i32 LE    | api_id                                         | api-id, full   |
//	| 1     | u8        | is_bot, 0 or 1                                 | full           |
//	| 8     | i64 LE    | user id                                        | full           |
//
// @mtcute/convert writes the "dc-key" layout and ignores anything after the
// key when reading; MTKruto versions wrote "api-id" (api_id when known) and
// now "full", which the current importAuthString requires. The run-length
// encoding (rleEncode) replaces every run of n zero bytes by 00 n, with runs
// longer than 255 split into 00 ff and the rest.

const (
	// mtkrutoMaxPayload bounds the run-length-decoded stream: the longest
	// DC string ("N-test", 8 bytes framed), the key and the full trailer.
	mtkrutoMaxPayload = 8 + 4 + AuthKeySize + 4 + 1 + 8

	// mtkrutoMaxText bounds the base64-decoded bytes: every zero byte of
	// the stream costs at most two, so twice the stream is plenty.
	mtkrutoMaxText = 2 * mtkrutoMaxPayload

	mtkrutoTrailerAPI  = 4
	mtkrutoTrailerFull = 4 + 1 + 8
)

// parseMtkruto decodes an MTKruto auth string. Either base64 alphabet is
// accepted, with or without padding. The run-length encoding must be the
// canonical one MTKruto writes (no zero count, no two runs that would be one,
// no dangling 00), the TL framing canonical with zero padding, the key 256
// bytes, and after it nothing, an api_id, or an api_id, is_bot and user id;
// anything else is refused. DC holds the DC id and TestMode whether it was a
// "-test" DC; APIID, IsBot and UserID are known when the string holds them.
// Layout is "dc-key", "api-id" or "full".
func parseMtkruto(text string) (*Session, error) {
	s, err := normalize(text, Mtkruto)
	if err != nil {
		return nil, err
	}
	if err := checkMaxDecoded(s, Mtkruto, 0, mtkrutoMaxText); err != nil {
		return nil, err
	}
	var buf [mtkrutoMaxText]byte
	b, _, err := decodeBase64(s, Mtkruto, 0, buf[:0])
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return decodeMtkrutoPayload(b)
}

// mtkrutoStream is an MTKruto payload whose structure has been checked:
// run-length encoding, TL framing, key length and trailer length. Its
// field values have not.
type mtkrutoStream struct {
	raw    [mtkrutoMaxPayload]byte
	src    [mtkrutoMaxPayload]uint16 // src[i]: offset in the text payload that produced raw[i]
	n      int                       // bytes of raw in use
	dcLen  int                       // length of the DC string at raw[1:]
	keyOff int                       // offset of the key's TL header in raw
	off    int                       // offset of the trailer in raw
	layout string
}

// at maps an offset in the run-length-decoded stream to the offset in the
// text payload that produced it (len(b) past the end).
func (m *mtkrutoStream) at(off, total int) int {
	if off >= m.n {
		return total
	}
	return int(m.src[off])
}

// wipe clears the decoded stream, which holds the key.
func (m *mtkrutoStream) wipe() { clear(m.raw[:]) }

// mtkrutoStructure run-length-decodes b into m and checks the structure of
// an MTKruto auth string. Errors are structural: ErrBadLength, ErrBadKey, or
// ErrBadField for a non-canonical encoding. The caller wipes m.
func mtkrutoStructure(b []byte, m *mtkrutoStream) error {
	raw := m.raw[:]
	n := 0
	for i := 0; i < len(b); i++ {
		if b[i] != 0 {
			if n == len(raw) {
				return payloadErrorf(Mtkruto, i, ErrBadLength, "run-length-decoded stream longer than %d bytes", len(raw))
			}
			raw[n], m.src[n] = b[i], uint16(i)
			n++
			continue
		}
		if i+1 == len(b) {
			return payloadErrorf(Mtkruto, i, ErrBadLength, "zero run without a count at the end")
		}
		c := int(b[i+1])
		if c == 0 {
			return payloadErrorf(Mtkruto, i+1, ErrBadField, "zero run of length 0")
		}
		if c < 0xff && i+2 < len(b) && b[i+2] == 0 {
			return payloadErrorf(Mtkruto, i+2, ErrBadField, "non-canonical run-length encoding (two adjacent zero runs)")
		}
		if n+c > len(raw) {
			return payloadErrorf(Mtkruto, i, ErrBadLength, "run-length-decoded stream longer than %d bytes", len(raw))
		}
		for j := 0; j < c; j++ {
			raw[n], m.src[n] = 0, uint16(i)
			n++
		}
		i++
	}
	m.n = n
	p := raw[:n]
	at := func(off int) int { return m.at(off, len(b)) }

	// DC string: digits, optionally "-test" (checked exactly later).
	if n == 0 {
		return payloadErrorf(Mtkruto, 0, ErrBadLength, "empty payload")
	}
	dcLen := int(p[0])
	if dcLen == 0 || dcLen > 10 {
		return payloadErrorf(Mtkruto, at(0), ErrBadField, "DC string length %d", dcLen)
	}
	off := (1 + dcLen + 3) &^ 3
	if off > n {
		return payloadErrorf(Mtkruto, len(b), ErrBadLength, "truncated DC string")
	}
	for i := 1 + dcLen; i < off; i++ {
		if p[i] != 0 {
			return payloadErrorf(Mtkruto, at(i), ErrBadField, "non-zero TL padding after the DC string")
		}
	}
	m.dcLen = dcLen
	digits := p[1 : 1+dcLen]
	if len(digits) > 5 && string(digits[len(digits)-5:]) == "-test" {
		digits = digits[:len(digits)-5]
	}
	if len(digits) == 0 {
		return payloadErrorf(Mtkruto, at(1), ErrBadField, "DC string is not a DC id")
	}
	for i, c := range digits {
		if c < '0' || c > '9' {
			return payloadErrorf(Mtkruto, at(1+i), ErrBadField, "DC string is not a DC id")
		}
	}

	// Auth key: TL bytes of exactly 256 bytes (4 + 256, so no padding).
	m.keyOff = off
	if n-off < 4 {
		return payloadErrorf(Mtkruto, len(b), ErrBadLength, "truncated before the auth key")
	}
	keyLen := int(p[off])
	switch keyLen {
	case 0xfe:
		keyLen = int(p[off+1]) | int(p[off+2])<<8 | int(p[off+3])<<16
		if keyLen < 0xfe {
			return payloadErrorf(Mtkruto, at(off), ErrBadField, "auth key uses a long TL length for %d bytes", keyLen)
		}
		off += 4
	case 0xff:
		return payloadErrorf(Mtkruto, at(off), ErrBadField, "auth key has TL length byte 0xff")
	default:
		off++
	}
	if keyLen != AuthKeySize {
		return payloadErrorf(Mtkruto, at(m.keyOff), ErrBadKey, "auth key is %d bytes", keyLen)
	}
	if n-off < AuthKeySize {
		return payloadErrorf(Mtkruto, len(b), ErrBadLength, "truncated auth key")
	}
	off += AuthKeySize
	m.off = off

	switch n - off {
	case 0:
		m.layout = "dc-key"
	case mtkrutoTrailerAPI:
		m.layout = "api-id"
	case mtkrutoTrailerFull:
		m.layout = "full"
	default:
		return payloadErrorf(Mtkruto, at(off), ErrBadLength, "%d bytes after the auth key, want 0, %d or %d", n-off, mtkrutoTrailerAPI, mtkrutoTrailerFull)
	}
	return nil
}

// decodeMtkrutoPayload decodes the base64-decoded bytes of an MTKruto auth
// string. It never keeps b. Offsets in errors are into b.
func decodeMtkrutoPayload(b []byte) (*Session, error) {
	var m mtkrutoStream
	defer m.wipe()
	if err := mtkrutoStructure(b, &m); err != nil {
		return nil, err
	}
	p := m.raw[:m.n]
	off := m.off
	at := func(off int) int { return m.at(off, len(b)) }

	dc, test, ok := mtkrutoParseDC(p[1 : 1+m.dcLen])
	if !ok {
		return nil, payloadErrorf(Mtkruto, at(1), ErrBadField, "DC string is not one of 1-5 or 1-test to 3-test")
	}
	var apiID int32
	var isBot bool
	var userID int64
	if m.layout != "dc-key" {
		apiID = int32(binary.LittleEndian.Uint32(p[off:]))
		if apiID <= 0 {
			return nil, payloadErrorf(Mtkruto, at(off), ErrBadField, "api_id %d is not positive", apiID)
		}
	}
	if m.layout == "full" {
		switch p[off+4] {
		case 0:
		case 1:
			isBot = true
		default:
			return nil, payloadErrorf(Mtkruto, at(off+4), ErrBadField, "is_bot byte is %d, not 0 or 1", p[off+4])
		}
		userID = int64(binary.LittleEndian.Uint64(p[off+5:]))
		if userID <= 0 || userID > maxInt53 {
			return nil, payloadErrorf(Mtkruto, at(off+5), ErrBadField, "user id outside 1 to 2^53-1")
		}
	}
	key := p[m.off-AuthKeySize : m.off]
	if isZero(key) {
		return nil, payloadErrorf(Mtkruto, at(m.keyOff), ErrZeroKey, "")
	}
	sess := newSessionWithKey(key)
	sess.Source = Mtkruto
	sess.Layout = m.layout
	sess.DC = dc
	sess.TestMode = Some(test)
	if m.layout != "dc-key" {
		sess.APIID = Some(uint32(apiID))
	}
	if m.layout == "full" {
		sess.UserID, sess.IsBot = Some(userID), Some(isBot)
	}
	return sess, nil
}

// mtkrutoParseDC parses MTKruto's DC type: "1" to "5", "1-test" to "3-test".
func mtkrutoParseDC(t []byte) (dc int, test bool, ok bool) {
	switch {
	case len(t) == 1 && t[0] >= '1' && t[0] <= '5':
		return int(t[0] - '0'), false, true
	case len(t) == 6 && t[0] >= '1' && t[0] <= '3' && string(t[1:]) == "-test":
		return int(t[0] - '0'), true, true
	}
	return 0, false, false
}

// encodeMtkruto encodes s as an MTKruto auth string: the "full" layout, as
// current MTKruto's exportAuthString writes it, when APIID and UserID are
// both known (IsBot false if unknown); the "api-id" layout when only APIID
// is; else the "dc-key" layout, byte for byte as @mtcute/convert's
// serializeMtkrutoSession writes it. An unknown TestMode is written as
// false. A DC MTKruto does not know (other than 1–5, or 1–3 for test), an
// api_id above 2³¹−1 or a user id outside 1…2⁵³−1 returns an error wrapping
// [ErrCannotEncode]. ServerAddress, Port, IPv6 and Media are not written.
func (s *Session) encodeMtkruto() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	test := s.TestMode.Or(false)
	if test && s.DC > 3 || s.DC > 5 {
		return "", encodeErrorf(Mtkruto, "DC %d: MTKruto knows DCs 1-5 and test DCs 1-3", s.DC)
	}
	apiID, hasAPI := s.APIID.Get()
	userID, hasUser := s.UserID.Get()
	if hasAPI && (apiID == 0 || apiID > math.MaxInt32) {
		return "", encodeErrorf(Mtkruto, "api_id %d outside 1 to 2^31-1", apiID)
	}
	full := hasAPI && hasUser
	if full && (userID <= 0 || userID > maxInt53) {
		return "", encodeErrorf(Mtkruto, "user id outside 1 to 2^53-1")
	}

	var raw [mtkrutoMaxPayload]byte
	defer clear(raw[:])
	p := raw[:0]
	if test {
		p = append(p, 6, byte('0'+s.DC), '-', 't', 'e', 's', 't', 0)
	} else {
		p = append(p, 1, byte('0'+s.DC), 0, 0)
	}
	p = append(p, 0xfe, AuthKeySize&0xff, AuthKeySize>>8, 0)
	p = append(p, s.Key.p[:]...)
	if hasAPI {
		p = binary.LittleEndian.AppendUint32(p, apiID)
	}
	if full {
		p = append(p, pyBoolByte(s.IsBot.Or(false)))
		p = binary.LittleEndian.AppendUint64(p, uint64(userID))
	}

	var rle [mtkrutoMaxText]byte
	defer clear(rle[:])
	r := mtkrutoRLE(rle[:0], p)
	var out [(mtkrutoMaxText*4 + 2) / 3]byte
	defer clear(out[:])
	n := base64.RawURLEncoding.EncodedLen(len(r))
	base64.RawURLEncoding.Encode(out[:n], r)
	return string(out[:n]), nil
}

// mtkrutoRLE appends MTKruto's run-length encoding of p to dst: every run
// of zero bytes becomes 00 and its length, runs longer than 255 split.
func mtkrutoRLE(dst, p []byte) []byte {
	run := 0
	for _, c := range p {
		if c == 0 {
			if run == 0xff {
				dst = append(dst, 0, 0xff)
				run = 0
			}
			run++
			continue
		}
		if run > 0 {
			dst = append(dst, 0, byte(run))
			run = 0
		}
		dst = append(dst, c)
	}
	if run > 0 {
		dst = append(dst, 0, byte(run))
	}
	return dst
}
