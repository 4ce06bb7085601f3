package codec

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
)

// GramJS StringSession (docs/formats.md#gramjs-string), as the npm package
// "telegram" writes it (checked
// against telegram 2.26.22):
//
//	https://github.com/gram-js/gramjs/blob/master/gramjs/sessions/StringSession.ts
//
// The text is '1' + Buffer.toString("base64") of the payload: the standard
// alphabet, with padding.
//
//	| offset | size | type   | field                                          |
//	|--------|------|--------|------------------------------------------------|
//	| 0      | 1    | u8     | DC id                                          |
//	| 1      | 2    | i16 BE | address length L (writeInt16BE)                |
//	| 3      | L    | text   | address: IP literal or host name, as set       |
//	| 3+L    | 2    | i16 BE | port (writeInt16BE: 32767 at most)             |
//	| 5+L    | 256  | bytes  | auth key                                       |
//
// GramJS's reader also accepts Telethon strings: 352 characters after the
// prefix select Telethon's IPv4 layout, an i16 above 100 at offset 1
// Telethon's IPv6 layout. [DecodeAs] reads only the GramJS layout;
// [Detect] tells the two apart.

const (
	// maxHostLen is the longest DNS name, and so the longest address text
	// accepted.
	maxHostLen = 253

	// gramjsMinLen is the shortest payload: a 1-byte address.
	gramjsMinLen = 1 + 2 + 1 + 2 + AuthKeySize

	// gramjsMinAddr and gramjsMaxAddr bound the address length that
	// GramJS reads back as its own layout: with 1–3 bytes the text is 352
	// characters long and GramJS reads it as a Telethon IPv4 string, and
	// above 100 it reads a Telethon IPv6 one.
	gramjsMinAddr = 4
	gramjsMaxAddr = 100
)

// parseGramJS decodes a GramJS StringSession: '1' followed by the base64 of
// u8 DC id, i16 BE address length, the address text, i16 BE port and the
// 256-byte key.
//
// The session has DC, ServerAddress (the address text exactly as stored:
// an IP literal, possibly fully expanded IPv6, or a host name such as
// "vesta.web.telegram.org" from a browser session), Port and IPv6 (whether
// the address contains ':'). TestMode, UserID, APIID and IsBot are unknown.
//
// The address must be 4 to 100 bytes long (GramJS reads any other length
// as a Telethon string), ASCII, and an IP literal (not unspecified, not in
// 0.0.0.0/8 or ::/8 except IPv4-mapped and ::1) or a host name of
// letters, digits, hyphens and dots; the key must be exactly 256 bytes and
// not all zeros. The port is read as unsigned, like mtcute does: GramJS
// itself reads a port of 32768 or more as negative (codec/diagnose explains such a text). A
// Telethon string is refused: use [DecodeAs] or [Decode].
func parseGramJS(text string) (*Session, error) {
	var buf [maxStringPayload + 2]byte
	b, err := decodeText(text, GramJS, true, maxStringPayload, buf[:0])
	if err != nil {
		return nil, err
	}
	sess, err := gramjsFromPayload(b)
	clear(b)
	return sess, err
}

// gramjsFromPayload decodes a GramJS payload. It never keeps b.
func gramjsFromPayload(b []byte) (*Session, error) {
	if len(b) < gramjsMinLen {
		return nil, payloadErrorf(GramJS, -1, ErrBadLength, "decoded %d bytes, a GramJS string has at least %d", len(b), gramjsMinLen)
	}
	l := int(binary.BigEndian.Uint16(b[1:]))
	if want := 1 + 2 + l + 2 + AuthKeySize; want != len(b) {
		hint := ""
		if len(b) == telethonLenV4 || len(b) == telethonLenV6 {
			hint = " (the length of a Telethon string)"
		}
		return nil, payloadErrorf(GramJS, 1, ErrBadLength, "address length field says %d bytes, which needs %d decoded bytes, but there are %d%s", l, want, len(b), hint)
	}
	if l < gramjsMinAddr || l > gramjsMaxAddr {
		// GramJS itself reads such a string as a Telethon one (see
		// gramjsMinAddr), so it cannot be a working GramJS session, and
		// EncodeGramJS refuses to write it.
		return nil, payloadErrorf(GramJS, 1, ErrBadField, "%d-byte address: GramJS reads strings with addresses shorter than %d or longer than %d bytes as Telethon strings", l, gramjsMinAddr, gramjsMaxAddr)
	}
	if b[0] == 0 {
		return nil, payloadErrorf(GramJS, 0, ErrBadField, "DC id 0")
	}
	address, ok := knownAddrs().text[string(b[3:3+l])]
	if !ok {
		if address = string(b[3 : 3+l]); !validAddress(address) {
			return nil, payloadErrorf(GramJS, 3, ErrBadField, "%d-byte address is not an IP address or host name", l)
		}
	}
	port := binary.BigEndian.Uint16(b[3+l:])
	if port == 0 {
		return nil, payloadErrorf(GramJS, 3+l, ErrBadField, "port 0")
	}
	key := b[5+l:]
	if isZero(key) {
		return nil, payloadErrorf(GramJS, 5+l, ErrZeroKey, "")
	}
	sess := newSessionWithKey(key)
	sess.Source = GramJS
	sess.DC = int(b[0])
	sess.ServerAddress = address
	sess.Port = port
	sess.IPv6 = Some(strings.IndexByte(address, ':') >= 0)
	return sess, nil
}

// gramjsStructureValid reports whether b has the GramJS layout: an address
// length that accounts for every byte with a 256-byte key, and an address
// that is an IP literal or host name. DC id, port and key values are not
// checked.
func gramjsStructureValid(b []byte) bool {
	if len(b) < gramjsMinLen {
		return false
	}
	l := int(binary.BigEndian.Uint16(b[1:]))
	return 1+2+l+2+AuthKeySize == len(b) && validAddressBytes(b[3:3+l])
}

// EncodeGramJS encodes s as a GramJS StringSession, byte for byte as
// GramJS's StringSession.save does: '1' + standard padded base64 of u8 DC
// id, i16 BE address length, the address text, i16 BE port and the key.
//
// It needs ServerAddress and Port ([*MissingFieldError] otherwise). It
// returns an error wrapping [ErrCannotEncode] for a DC id above 255, a port
// above 32767 (GramJS writes the port with writeInt16BE, which throws a
// RangeError), an address that is not an IP literal or host name, and an
// address shorter than 4 or longer than 100 bytes, which GramJS would write
// but then read back as a Telethon string. TestMode, UserID, APIID, IsBot
// and Media are not written (a converter reports them as dropped).
func (s *Session) EncodeGramJS() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.DC > 0xff {
		return "", encodeErrorf(GramJS, "DC id %d does not fit in a byte", s.DC)
	}
	if s.ServerAddress == "" {
		return "", &MissingFieldError{Format: GramJS, Field: "server_address"}
	}
	if s.Port == 0 {
		return "", &MissingFieldError{Format: GramJS, Field: "port"}
	}
	if s.Port > 0x7fff {
		return "", encodeErrorf(GramJS, "port %d is above 32767: GramJS stores the port as a signed 16-bit integer", s.Port)
	}
	if !validAddress(s.ServerAddress) {
		return "", encodeErrorf(GramJS, "server address is not an IP address or host name")
	}
	if l := len(s.ServerAddress); l < gramjsMinAddr || l > gramjsMaxAddr {
		return "", encodeErrorf(GramJS, "server address is %d bytes: GramJS reads back only %d to %d", l, gramjsMinAddr, gramjsMaxAddr)
	}

	var buf [1 + 2 + gramjsMaxAddr + 2 + AuthKeySize]byte
	defer clear(buf[:])
	b := append(buf[:0], byte(s.DC))
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.ServerAddress)))
	b = append(b, s.ServerAddress...)
	b = binary.BigEndian.AppendUint16(b, s.Port)
	b = append(b, s.Key.p[:]...)

	var out [1 + (len(buf)+2)/3*4]byte
	defer clear(out[:])
	out[0] = '1'
	n := 1 + base64.StdEncoding.EncodedLen(len(b))
	base64.StdEncoding.Encode(out[1:n], b)
	return string(out[:n]), nil
}

// validAddressBytes is validAddress for bytes, without allocating except
// for an IPv6 address that is not well known.
func validAddressBytes(b []byte) bool { return validAddr(b) }

// validAddress reports whether s is an address a session can hold: an IP
// literal without a zone that [plausibleIP] accepts, or an ASCII host name
// of at most 253 bytes made of dot-separated labels of 1–63 letters, digits
// and inner hyphens, whose last label is not all digits (so that a
// malformed IPv4 address such as "1.2.3.04" is not taken for a name).
func validAddress(s string) bool { return validAddr(s) }

func validAddr[T string | []byte](s T) bool {
	if len(s) == 0 || len(s) > maxHostLen {
		return false
	}
	if _, ok := knownAddrs().text[string(s)]; ok {
		return true
	}
	colon := false
	for i := 0; i < len(s); i++ {
		colon = colon || s[i] == ':'
	}
	if colon {
		a, err := netip.ParseAddr(string(s))
		return err == nil && a.Zone() == "" && plausibleIP(a)
	}
	if isDigitsAndDots(s) {
		a, ok := parseIPv4(s)
		return ok && plausibleIP(a)
	}
	label, digits := 0, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if label == 0 || s[i-1] == '-' {
				return false
			}
			label, digits = 0, true
			continue
		case c == '-':
			if label == 0 {
				return false
			}
			digits = false
		case c >= '0' && c <= '9':
		case c|0x20 >= 'a' && c|0x20 <= 'z':
			digits = false
		default:
			return false
		}
		if label++; label > 63 {
			return false
		}
	}
	return label > 0 && s[len(s)-1] != '-' && !digits
}

// parseIPv4 parses dotted-decimal IPv4 as strictly as netip.ParseAddr:
// four decimal parts of at most 255, without leading zeros.
func parseIPv4[T string | []byte](s T) (netip.Addr, bool) {
	var a [4]byte
	part, n, v := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if n == 0 || part > 3 {
				return netip.Addr{}, false
			}
			a[part] = byte(v)
			part, n, v = part+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || (n > 0 && v == 0) {
			return netip.Addr{}, false
		}
		if v = v*10 + int(c-'0'); v > 255 {
			return netip.Addr{}, false
		}
		n++
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(a), true
}

func isDigitsAndDots[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
