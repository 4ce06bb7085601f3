package codec

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

// mtcute version 3 string sessions (docs/formats.md#mtcute-string), as
// written by writeStringSession and read
// by readStringSession in @mtcute/core (checked against npm @mtcute/core
// 0.29.7):
//
//	https://github.com/mtcute/mtcute/blob/master/packages/core/src/highlevel/utils/string-session.ts
//	https://github.com/mtcute/mtcute/blob/master/packages/core/src/utils/dcs.ts (serializeBasicDcOption)
//	https://github.com/mtcute/mtcute/blob/master/packages/tl-runtime/src/writer.ts (bytes, int53, boolean)
//
// The text is the payload in URL-safe base64 without padding. The payload is
// a little-endian TL stream:
//
//	| size     | type      | field                                              |
//	|----------|-----------|----------------------------------------------------|
//	| 1        | u8        | version, 3                                         |
//	| 4        | i32 LE    | flags: 1 self, 2 legacy test mode, 4 media DC       |
//	| 4n       | TL bytes  | main DC blob (below)                               |
//	| 4n       | TL bytes  | media DC blob, only with flag 4                    |
//	| 8        | i64 LE    | self user id (int53), only with flag 1             |
//	| 4        | TL Bool   | self is bot (0x997275b5 true, 0xbc799737 false)    |
//	| 260      | TL bytes  | auth key: fe 00 01 00 + 256 bytes                  |
//
// A DC blob (serializeBasicDcOption) is:
//
//	| size | type      | field                                                |
//	|------|-----------|------------------------------------------------------|
//	| 1    | u8        | blob version: 2 (1 is read, without test mode)        |
//	| 1    | u8        | DC id                                                |
//	| 1    | u8        | flags: 1 IPv6, 2 media only, 4 test mode (version 2)  |
//	| 4n   | TL string | IP address (or host name)                            |
//	| 4    | i32 LE    | port                                                 |
//
// TL bytes are a length byte L < 254 and L bytes, or fe + 3-byte LE length
// and the bytes, then zero padding to a multiple of 4 counted from the
// length byte.

const (
	mtcuteVersion = 3

	mtcuteFlagSelf       = 1
	mtcuteFlagLegacyTest = 2
	mtcuteFlagMedia      = 4
	mtcuteFlagsKnown     = mtcuteFlagSelf | mtcuteFlagLegacyTest | mtcuteFlagMedia

	mtcuteDCIPv6      = 1
	mtcuteDCMediaOnly = 2
	mtcuteDCTestMode  = 4
	mtcuteDCKnown     = mtcuteDCIPv6 | mtcuteDCMediaOnly | mtcuteDCTestMode

	tlBoolTrue  = 0x997275b5
	tlBoolFalse = 0xbc799737

	// maxInt53 is the largest integer a JavaScript number holds exactly;
	// mtcute reads and writes user ids as such numbers. Negative ids are
	// refused both ways: user ids are positive, and mtcute's int53 writer
	// mis-encodes some negative numbers (-2³², -(2⁵³−1)) that its reader
	// would then read back as other numbers.
	maxInt53 = 1<<53 - 1

	// mtcuteMaxAddrLen is the longest address mtcute can write: it
	// serializes a DC blob into a fixed 64-byte buffer, so 3 + the padded
	// TL string + the 4-byte port must fit in 64 bytes.
	mtcuteMaxAddrLen = 55

	// mtcuteMaxPayload bounds what EncodeMtcute writes: two full DC blobs,
	// self and the key, well under mtcute's own 512-byte writer buffer.
	mtcuteMaxPayload = 1 + 4 + 2*64 + 12 + 4 + AuthKeySize
)

// parseMtcute decodes an mtcute version 3 string session, as exported by
// mtcute's exportSession. It accepts URL-safe or standard base64, with or
// without padding, as mtcute does.
//
// The payload is checked completely: the version byte must be 3 (else
// [ErrUnsupportedVersion]), no unknown flag bits, canonical TL framing with
// zero padding, DC blobs of version 1 or 2 with no trailing bytes, a valid
// DC id, port and IP address or host name, a user id in 0…2⁵³−1, a valid
// TL Bool, a 256-byte non-zero key and nothing after it. Where mtcute is
// more lenient (it ignores unknown flags, padding contents, trailing bytes,
// the key's length and a zero key) this parser refuses, so that every
// accepted text is a real session that re-encodes to a stable canonical
// text. Legacy-flag and version-1-blob texts, which mtcute still reads,
// are accepted and re-encode in the current form.
//
// The main DC fills DC, ServerAddress, Port, IPv6 and TestMode; a separate
// media DC fills Media; self fills UserID and IsBot (unknown without it).
// A main DC marked media-only is refused with [ErrBadField]: mtcute would
// load it, but a [Session] cannot hold it.
func parseMtcute(text string) (*Session, error) {
	s, err := normalize(text, Mtcute)
	if err != nil {
		return nil, err
	}
	var buf [512]byte
	b, _, err := decodeBase64(s, Mtcute, 0, buf[:0])
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return decodeMtcutePayload(b)
}

// mtcuteAlloc puts a decoded session, its media DC and its key in a single
// allocation.
type mtcuteAlloc struct {
	s     Session
	media DCOption
	ref   keyRef
	key   [AuthKeySize]byte
}

// mtcuteDC is a parsed DC blob; addr is an offset range into the payload.
type mtcuteDC struct {
	id, flags        byte
	test             bool
	addrOff, addrEnd int
	port             uint16
}

// decodeMtcutePayload decodes the base64-decoded bytes of an mtcute string
// session. It never keeps b.
func decodeMtcutePayload(b []byte) (*Session, error) {
	if len(b) == 0 {
		return nil, payloadErrorf(Mtcute, 0, ErrBadLength, "empty payload")
	}
	if b[0] != mtcuteVersion {
		return nil, payloadErrorf(Mtcute, 0, ErrUnsupportedVersion, "version %d, want 3", b[0])
	}
	if len(b) < 5 {
		return nil, payloadErrorf(Mtcute, len(b), ErrBadLength, "truncated flags")
	}
	flags := binary.LittleEndian.Uint32(b[1:5])
	if flags&^mtcuteFlagsKnown != 0 {
		return nil, payloadErrorf(Mtcute, 1, ErrBadField, "unknown flag bits %#x", flags&^mtcuteFlagsKnown)
	}
	off := 5

	main, off, err := mtcuteReadDC(b, off, "main DC", "main DC address")
	if err != nil {
		return nil, err
	}
	if main.flags&mtcuteDCMediaOnly != 0 {
		return nil, payloadErrorf(Mtcute, 5, ErrBadField, "main DC is marked media-only")
	}
	media := main
	hasMedia := flags&mtcuteFlagMedia != 0
	mediaOff := off
	if hasMedia {
		if media, off, err = mtcuteReadDC(b, off, "media DC", "media DC address"); err != nil {
			return nil, err
		}
	}
	if flags&mtcuteFlagLegacyTest != 0 {
		main.test, media.test = true, true
	} else if main.test != media.test {
		return nil, payloadErrorf(Mtcute, mediaOff, ErrBadField, "main and media DC test modes differ")
	}

	var userID int64
	var isBot bool
	hasSelf := flags&mtcuteFlagSelf != 0
	if hasSelf {
		if len(b)-off < 12 {
			return nil, payloadErrorf(Mtcute, len(b), ErrBadLength, "truncated self")
		}
		userID = int64(binary.LittleEndian.Uint64(b[off:]))
		if userID < 0 || userID > maxInt53 {
			return nil, payloadErrorf(Mtcute, off, ErrBadField, "user id outside 0 to 2^53-1")
		}
		switch binary.LittleEndian.Uint32(b[off+8:]) {
		case tlBoolTrue:
			isBot = true
		case tlBoolFalse:
		default:
			return nil, payloadErrorf(Mtcute, off+8, ErrBadField, "is-bot is not a TL Bool")
		}
		off += 12
	}

	keyOff := off
	key, off, err := tlBytes(b, off, "auth key")
	if err != nil {
		return nil, err
	}
	if len(key) != AuthKeySize {
		return nil, payloadErrorf(Mtcute, keyOff, ErrBadKey, "auth key is %d bytes", len(key))
	}
	if off != len(b) {
		return nil, payloadErrorf(Mtcute, off, ErrBadLength, "%d bytes after the auth key", len(b)-off)
	}
	if isZero(key) {
		return nil, payloadErrorf(Mtcute, keyOff, ErrZeroKey, "")
	}

	mainAddr, ok := mtcuteAddr(b[main.addrOff:main.addrEnd])
	if !ok {
		return nil, payloadErrorf(Mtcute, main.addrOff, ErrBadField, "main DC address is not an IP address or host name")
	}
	var mediaAddr string
	if hasMedia {
		if mediaAddr, ok = mtcuteAddr(b[media.addrOff:media.addrEnd]); !ok {
			return nil, payloadErrorf(Mtcute, media.addrOff, ErrBadField, "media DC address is not an IP address or host name")
		}
	}

	a := new(mtcuteAlloc)
	copy(a.key[:], key)
	s := &a.s
	*s = Session{
		Info: Info{
			Source:        Mtcute,
			Layout:        "v3",
			DC:            int(main.id),
			ServerAddress: mainAddr,
			Port:          main.port,
			IPv6:          Some(main.flags&mtcuteDCIPv6 != 0),
			TestMode:      Some(main.test),
		},
		Key: authKeyIn(&a.ref, &a.key),
	}
	if hasMedia {
		a.media = DCOption{
			ID:            int(media.id),
			ServerAddress: mediaAddr,
			Port:          media.port,
			IPv6:          media.flags&mtcuteDCIPv6 != 0,
			MediaOnly:     media.flags&mtcuteDCMediaOnly != 0,
			TestMode:      media.test,
		}
		s.Media = &a.media
	}
	if hasSelf {
		s.UserID, s.IsBot = Some(userID), Some(isBot)
	}
	return s, nil
}

// mtcuteAddr returns the address in b as a string, and whether it is a
// valid one ([validAddress]). Well-known addresses take no allocation.
func mtcuteAddr(b []byte) (string, bool) {
	if s, ok := knownAddrs().text[string(b)]; ok {
		return s, true
	}
	s := string(b)
	return s, validAddress(s)
}

// mtcuteReadDC reads a TL bytes field at off holding a DC blob.
func mtcuteReadDC(b []byte, off int, what, whatAddr string) (mtcuteDC, int, error) {
	var dc mtcuteDC
	blob, next, err := tlBytes(b, off, what)
	if err != nil {
		return dc, 0, err
	}
	start := off + 1 // the blob's offset in b, for errors
	if b[off] == 0xfe {
		start = off + 4
	}
	if len(blob) < 3 {
		return dc, 0, payloadErrorf(Mtcute, start, ErrBadLength, "%s blob is %d bytes", what, len(blob))
	}
	switch v := blob[0]; v {
	case 1, 2:
		dc.test = v == 2 && blob[2]&mtcuteDCTestMode != 0
	default:
		return dc, 0, payloadErrorf(Mtcute, start, ErrUnsupportedVersion, "%s blob version %d", what, v)
	}
	dc.id, dc.flags = blob[1], blob[2]
	if dc.id == 0 {
		return dc, 0, payloadErrorf(Mtcute, start+1, ErrBadField, "%s id 0", what)
	}
	if dc.flags&^mtcuteDCKnown != 0 {
		return dc, 0, payloadErrorf(Mtcute, start+2, ErrBadField, "%s has unknown flag bits %#x", what, dc.flags&^mtcuteDCKnown)
	}
	addr, p, err := tlBytes(blob, 3, whatAddr)
	if err != nil {
		// Re-base the offset from the blob to the payload.
		if pe, ok := err.(*ParseError); ok && pe.Offset >= 0 {
			pe.Offset += start
		}
		return dc, 0, err
	}
	if len(addr) == 0 {
		return dc, 0, payloadErrorf(Mtcute, start+3, ErrBadField, "%s address is empty", what)
	}
	dc.addrOff = start + 4
	dc.addrEnd = dc.addrOff + len(addr)
	if len(blob)-p != 4 {
		if len(blob)-p < 4 {
			return dc, 0, payloadErrorf(Mtcute, start+p, ErrBadLength, "%s blob truncated before the port", what)
		}
		return dc, 0, payloadErrorf(Mtcute, start+p+4, ErrBadLength, "%s blob has %d bytes after the port", what, len(blob)-p-4)
	}
	port := int32(binary.LittleEndian.Uint32(blob[p:]))
	if port <= 0 || port > 0xffff {
		return dc, 0, payloadErrorf(Mtcute, start+p, ErrBadField, "%s port %d out of range", what, port)
	}
	dc.port = uint16(port)
	return dc, next, nil
}

// tlBytes reads a TL bytes field at b[off:], returning the data and the
// offset after the padding. It refuses the length byte 0xff, a long-form
// length below 254 (mtcute never writes either) and non-zero padding.
func tlBytes(b []byte, off int, what string) ([]byte, int, error) {
	if off >= len(b) {
		return nil, 0, payloadErrorf(Mtcute, len(b), ErrBadLength, "truncated before %s", what)
	}
	n, hdr := int(b[off]), 1
	switch n {
	case 0xfe:
		if len(b)-off < 4 {
			return nil, 0, payloadErrorf(Mtcute, len(b), ErrBadLength, "truncated %s length", what)
		}
		n, hdr = int(b[off+1])|int(b[off+2])<<8|int(b[off+3])<<16, 4
		if n < 0xfe {
			return nil, 0, payloadErrorf(Mtcute, off, ErrBadField, "%s uses a long TL length for %d bytes", what, n)
		}
	case 0xff:
		return nil, 0, payloadErrorf(Mtcute, off, ErrBadField, "%s has TL length byte 0xff", what)
	}
	end := off + hdr + n
	padded := off + (hdr+n+3)&^3
	if padded > len(b) {
		return nil, 0, payloadErrorf(Mtcute, len(b), ErrBadLength, "truncated %s (%d bytes declared)", what, n)
	}
	for i := end; i < padded; i++ {
		if b[i] != 0 {
			return nil, 0, payloadErrorf(Mtcute, i, ErrBadField, "non-zero TL padding after %s", what)
		}
	}
	return b[off+hdr : end], padded, nil
}

// EncodeMtcute encodes s as an mtcute version 3 string session, byte for
// byte as mtcute's writeStringSession does: DC blobs of version 2, the media
// DC iff s.Media is not nil, self iff UserID is known (with IsBot false if
// unknown), unpadded URL-safe base64.
//
// It needs ServerAddress and Port (a [*MissingFieldError] otherwise), DC
// ids of at most 255, addresses of at most 55 bytes (mtcute's writer cannot
// write longer ones), a user id in 0…2⁵³−1 and a media DC with the
// main DC's test mode, which mtcute's reader requires; otherwise it returns
// an error wrapping [ErrCannotEncode]. An unknown IPv6 is inferred from the
// address and an unknown TestMode is written as false.
func (s *Session) EncodeMtcute() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.ServerAddress == "" {
		return "", &MissingFieldError{Format: Mtcute, Field: "server_address"}
	}
	if s.Port == 0 {
		return "", &MissingFieldError{Format: Mtcute, Field: "port"}
	}
	test := s.TestMode.Or(false)
	main := DCOption{
		ID:            s.DC,
		ServerAddress: s.ServerAddress,
		Port:          s.Port,
		IPv6:          s.IPv6.Or(isIPv6Literal(s.ServerAddress)),
		TestMode:      test,
	}
	if err := mtcuteCheckDC(&main, "main DC"); err != nil {
		return "", err
	}
	flags := uint32(0)
	if s.Media != nil {
		if err := mtcuteCheckDC(s.Media, "media DC"); err != nil {
			return "", err
		}
		if s.Media.TestMode != test {
			return "", encodeErrorf(Mtcute, "media DC test mode differs from the main DC's, which mtcute refuses to load")
		}
		flags |= mtcuteFlagMedia
	}
	userID, hasSelf := s.UserID.Get()
	if hasSelf {
		if userID < 0 || userID > maxInt53 {
			return "", encodeErrorf(Mtcute, "user id outside 0 to 2^53-1")
		}
		flags |= mtcuteFlagSelf
	}

	var buf [mtcuteMaxPayload]byte
	defer clear(buf[:])
	b := append(buf[:0], mtcuteVersion)
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = mtcuteAppendDC(b, &main)
	if s.Media != nil {
		b = mtcuteAppendDC(b, s.Media)
	}
	if hasSelf {
		b = binary.LittleEndian.AppendUint64(b, uint64(userID))
		bot := uint32(tlBoolFalse)
		if s.IsBot.Or(false) {
			bot = tlBoolTrue
		}
		b = binary.LittleEndian.AppendUint32(b, bot)
	}
	b = append(b, 0xfe, AuthKeySize&0xff, AuthKeySize>>8, 0)
	b = append(b, s.Key.p[:]...)

	var out [(mtcuteMaxPayload*4 + 2) / 3]byte
	defer clear(out[:])
	n := base64.RawURLEncoding.EncodedLen(len(b))
	base64.RawURLEncoding.Encode(out[:n], b)
	return string(out[:n]), nil
}

// mtcuteCheckDC checks that mtcute can write and read back dc.
func mtcuteCheckDC(dc *DCOption, what string) error {
	if dc.ID <= 0 || dc.ID > 0xff {
		return encodeErrorf(Mtcute, "%s id %d does not fit in a byte", what, dc.ID)
	}
	if dc.ServerAddress == "" || dc.Port == 0 {
		return encodeErrorf(Mtcute, "%s has no address or port", what)
	}
	if len(dc.ServerAddress) > mtcuteMaxAddrLen {
		return encodeErrorf(Mtcute, "%s address is %d bytes, mtcute writes at most %d", what, len(dc.ServerAddress), mtcuteMaxAddrLen)
	}
	if !validAddress(dc.ServerAddress) {
		return encodeErrorf(Mtcute, "%s address is not an IP address or host name", what)
	}
	return nil
}

// mtcuteAppendDC appends dc as TL bytes holding a version-2 DC blob. The
// address is at most mtcuteMaxAddrLen bytes, so the blob is at most 63 bytes
// and takes the short TL length form.
func mtcuteAppendDC(b []byte, dc *DCOption) []byte {
	var flags byte
	if dc.IPv6 {
		flags |= mtcuteDCIPv6
	}
	if dc.MediaOnly {
		flags |= mtcuteDCMediaOnly
	}
	if dc.TestMode {
		flags |= mtcuteDCTestMode
	}
	n := len(dc.ServerAddress)
	blobLen := 3 + (1+n+3)&^3 + 4
	b = append(b, byte(blobLen), 2, byte(dc.ID), flags, byte(n))
	b = append(b, dc.ServerAddress...)
	b = appendZeros(b, (4-(1+n)%4)%4)
	b = binary.LittleEndian.AppendUint32(b, uint32(dc.Port))
	return appendZeros(b, (4-(1+blobLen)%4)%4)
}

func appendZeros(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, 0)
	}
	return b
}

// isIPv6Literal reports whether s is an IPv6 address literal.
func isIPv6Literal(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}
