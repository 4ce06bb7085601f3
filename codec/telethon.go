package codec

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strconv"
	"sync"
	"unsafe"
)

// Telethon StringSession (docs/formats.md#telethon-string), as Telethon 1.x
// writes and reads it (checked
// against Debian python3-telethon 1.25.1; the code is unchanged since v1.2):
//
//	https://github.com/LonamiWebs/Telethon/blob/v1/telethon/sessions/string.py
//
// The payload is struct.pack('>B{4|16}sH256s', dc_id, ip, port, key), and
// the text is '1' + base64.urlsafe_b64encode(payload): the URL-safe
// alphabet, with padding.
//
//	| offset | size | type   | field                                      |
//	|--------|------|--------|--------------------------------------------|
//	| 0      | 1    | u8     | DC id                                      |
//	| 1      | 4/16 | bytes  | IP address, ipaddress.ip_address(…).packed |
//	| 5/17   | 2    | u16 BE | port                                       |
//	| 7/19   | 256  | bytes  | auth key                                   |

const (
	telethonLenV4 = 1 + 4 + 2 + AuthKeySize  // 263 bytes, 352 characters
	telethonLenV6 = 1 + 16 + 2 + AuthKeySize // 275 bytes, 368 characters

	// maxStringPayload bounds the payload of every format this file and
	// gramjs.go/pyrogram.go decode: a GramJS string with a 253-byte host
	// name is 1+2+253+2+256 = 514 bytes.
	maxStringPayload = 1 + 2 + maxHostLen + 2 + AuthKeySize
)

// parseTelethon decodes a Telethon StringSession: '1' followed by the
// base64 of '>B4sH256s' (IPv4, 263 bytes) or '>B16sH256s' (IPv6, 275
// bytes).
//
// Telethon picks the layout by the text length alone (352 characters after
// the prefix means IPv4); this parser picks it by the decoded length, so
// that missing padding or the standard base64 alphabet do not change the
// result. The session has DC, ServerAddress (rendered as Python's
// ipaddress .compressed form, e.g. "2001:67c:4e8:f002::a", and
// "::ffff:102:304" for an IPv4-mapped address as Python 3.11 does), Port and
// IPv6 (true for the 16-byte layout); Layout is "ipv4" or "ipv6".
// TestMode, UserID, APIID and IsBot are unknown.
//
// Unlike Telethon, it refuses DC id 0, port 0 and an address in 0.0.0.0/8
// or ::/8 (other than IPv4-mapped addresses and ::1) with [ErrBadField]:
// no Telegram session holds those, and a GramJS string for a 14-character
// address has exactly the IPv6 layout's length, with its address length in
// that place. An all-zero key, which Telethon loads as "no key", is refused
// with [ErrZeroKey].
func parseTelethon(text string) (*Session, error) {
	var buf [telethonLenV6 + 2]byte
	b, err := decodeText(text, Telethon, true, telethonLenV6, buf[:0])
	if err != nil {
		return nil, err
	}
	sess, err := telethonFromPayload(b)
	clear(b)
	return sess, err
}

// telethonFromPayload decodes a Telethon payload. It never keeps b.
func telethonFromPayload(b []byte) (*Session, error) {
	var ipLen int
	var layout string
	switch len(b) {
	case telethonLenV4:
		ipLen, layout = 4, "ipv4"
	case telethonLenV6:
		ipLen, layout = 16, "ipv6"
	default:
		return nil, payloadErrorf(Telethon, -1, ErrBadLength, "decoded %d bytes, want %d (IPv4 layout) or %d (IPv6 layout)", len(b), telethonLenV4, telethonLenV6)
	}
	if b[0] == 0 {
		return nil, payloadErrorf(Telethon, 0, ErrBadField, "DC id 0")
	}
	ip := ipFromPacked(b[1 : 1+ipLen])
	if !plausibleIP(ip) {
		if gramjsStructureValid(b) {
			return nil, payloadErrorf(Telethon, 1, ErrBadField, "the IP address field holds a GramJS address length and text: this is a GramJS string")
		}
		return nil, payloadErrorf(Telethon, 1, ErrBadField, "IP address is unspecified or in 0.0.0.0/8 or ::/8")
	}
	port := binary.BigEndian.Uint16(b[1+ipLen:])
	if port == 0 {
		return nil, payloadErrorf(Telethon, 1+ipLen, ErrBadField, "port 0")
	}
	key := b[3+ipLen:]
	if isZero(key) {
		return nil, payloadErrorf(Telethon, 3+ipLen, ErrZeroKey, "")
	}
	sess := newSessionWithKey(key)
	sess.Source = Telethon
	sess.Layout = layout
	sess.DC = int(b[0])
	sess.ServerAddress = pythonIPString(ip)
	sess.Port = port
	sess.IPv6 = Some(ipLen == 16)
	return sess, nil
}

// EncodeTelethon encodes s as a Telethon StringSession, byte for byte as
// Telethon's StringSession.save does: '1' + URL-safe padded base64 of
// '>B4sH256s' for an IPv4 address or '>B16sH256s' for an IPv6 one
// (including an IPv4-mapped one such as "::ffff:1.2.3.4").
//
// It needs ServerAddress and Port ([*MissingFieldError] otherwise). The
// address must be an IP literal without a zone, not unspecified and not in
// 0.0.0.0/8 or ::/8 (except IPv4-mapped and ::1), and the DC id must fit in
// a byte; otherwise the error wraps [ErrCannotEncode]. Telethon stores the
// address as 4 or 16 raw bytes, so a host name (a GramJS browser session)
// cannot be written: set ServerAddress to the DC's IP first. The layout
// follows the address, not the IPv6 field. TestMode, UserID, APIID, IsBot
// and Media are not written (a converter reports them as dropped).
func (s *Session) EncodeTelethon() (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	if s.DC > 0xff {
		return "", encodeErrorf(Telethon, "DC id %d does not fit in a byte", s.DC)
	}
	if s.ServerAddress == "" {
		return "", &MissingFieldError{Format: Telethon, Field: "server_address"}
	}
	if s.Port == 0 {
		return "", &MissingFieldError{Format: Telethon, Field: "port"}
	}
	ip, err := netip.ParseAddr(s.ServerAddress)
	if err != nil {
		return "", encodeErrorf(Telethon, "server address is not an IP address (Telethon stores 4 or 16 address bytes, not a host name)")
	}
	if ip.Zone() != "" || !plausibleIP(ip) {
		return "", encodeErrorf(Telethon, "server address is unspecified, has a zone, or is in 0.0.0.0/8 or ::/8")
	}

	var buf [telethonLenV6]byte
	defer clear(buf[:])
	b := append(buf[:0], byte(s.DC))
	if ip.Is4() {
		a := ip.As4()
		b = append(b, a[:]...)
	} else {
		a := ip.As16()
		b = append(b, a[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, s.Port)
	b = append(b, s.Key.p[:]...)

	// Encoded straight into the returned string's bytes: no stack copy to
	// clear, no second copy.
	out := make([]byte, 1+base64.URLEncoding.EncodedLen(len(b)))
	out[0] = '1'
	base64.URLEncoding.Encode(out[1:], b)
	return unsafe.String(&out[0], len(out)), nil
}

// checkVersionPrefix checks the '1' that starts Telethon and GramJS
// strings. s is normalized, so not empty.
func checkVersionPrefix(s string, f Format) error {
	switch c := s[0]; {
	case c == '1':
		return nil
	case c >= '0' && c <= '9':
		return errorf(f, 0, ErrUnsupportedVersion, "version prefix %c (only version 1 exists)", c)
	default:
		return errorf(f, 0, ErrUnknownFormat, "missing the '1' version prefix")
	}
}

// checkMaxDecoded refuses base64 text s (after any prefix, base characters
// into the normalized text) that is too long to decode to at most max
// bytes, before decoding it. Trailing '=' are not counted (decodeBase64
// judges the padding), and a bad character is reported as decodeBase64
// would, in preference to the length.
func checkMaxDecoded(s string, f Format, base, max int) error {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	limit := (max*4 + 2) / 3
	if n <= limit {
		return nil
	}
	var url, std bool
	for i := 0; i < n; i++ {
		switch c := s[i]; {
		case c == '-' || c == '_':
			url = true
		case c == '+' || c == '/':
			std = true
		case c == '=':
			return errorf(f, base+i, ErrBadPadding, "'=' before the end")
		case b64val[c] == 0xff:
			return errorf(f, base+i, ErrBadCharacter, "not a base64 character")
		}
	}
	if url && std {
		return errorf(f, -1, ErrBadCharacter, "mixes the standard and URL-safe base64 alphabets")
	}
	what := "a " + f.String() + " string"
	if f == FormatUnknown {
		what = "any session string"
	}
	return errorf(f, -1, ErrBadLength, "%d base64 characters, more than %s has (%d)", n, what, limit)
}

// ipFromPacked returns the address held in 4 or 16 packed bytes.
func ipFromPacked(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}

// plausibleIP reports whether a is an address a Telegram session can point
// to: not unspecified, not in 0.0.0.0/8 ("this network"), and not in the
// reserved ::/8 except for IPv4-mapped addresses (whose IPv4 part is checked
// the same way) and the loopback ::1.
func plausibleIP(a netip.Addr) bool {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		return a.As4()[0] != 0
	}
	return a.As16()[0] != 0 || a.IsLoopback()
}

// pythonIPString renders a the way Python 3.11's ipaddress .compressed
// does: dotted decimal for IPv4; for IPv6, lowercase hex groups without
// leading zeros and the first longest run of two or more zero groups
// replaced by "::", with no special form for IPv4-mapped addresses
// ("::ffff:102:304", where Go writes "::ffff:1.2.3.4"). Well-known Telegram
// addresses are returned without allocating.
func pythonIPString(a netip.Addr) string {
	if a.Is4() {
		if s, ok := knownAddrs().v4[a.As4()]; ok {
			return s
		}
	} else if s, ok := knownAddrs().v6[a.As16()]; ok {
		return s
	}
	var buf [39]byte
	return string(appendPythonIP(buf[:0], a))
}

func appendPythonIP(dst []byte, a netip.Addr) []byte {
	if a.Is4() {
		v := a.As4()
		for i, o := range v {
			if i > 0 {
				dst = append(dst, '.')
			}
			dst = strconv.AppendUint(dst, uint64(o), 10)
		}
		return dst
	}
	v := a.As16()
	var h [8]uint16
	for i := range h {
		h[i] = binary.BigEndian.Uint16(v[2*i:])
	}
	best, bestLen, run := -1, 0, 0
	for i, x := range h {
		if x != 0 {
			run = 0
			continue
		}
		if run++; run > bestLen {
			best, bestLen = i-run+1, run
		}
	}
	if bestLen < 2 {
		best = -1
	}
	for i := 0; i < 8; {
		if i == best {
			dst = append(dst, ':', ':')
			i += bestLen
			continue
		}
		if i > 0 && i != best+bestLen {
			dst = append(dst, ':')
		}
		dst = strconv.AppendUint(dst, uint64(h[i]), 16)
		i++
	}
	return dst
}

// wellKnownAddresses are the DC addresses the libraries hard-code or write
// (docs/formats.md#dc-table and #gramjs-string). Decoders return these strings instead of
// allocating new ones.
var wellKnownAddresses = []string{
	// Production IPv4, every library's table.
	"149.154.175.53", "149.154.175.52", "149.154.175.56", "149.154.175.50", "149.154.175.211",
	"149.154.167.51", "149.154.167.50", "149.154.167.41", "149.154.167.35", "149.154.167.151",
	"149.154.167.222", "149.154.175.100", "149.154.167.91", "149.154.167.92", "149.154.167.255",
	"149.154.164.250", "149.154.166.120", "91.108.56.130", "91.108.56.190", "91.108.56.191",
	"91.108.56.179", "91.108.56.165", "149.154.171.255", "91.105.192.100",
	// Test DCs.
	"149.154.175.10", "149.154.167.40", "149.154.175.117",
	// IPv6, compressed (Pyrogram, Telethon) and fully expanded (GramJS,
	// gotd, mtcute).
	"2001:b28:f23d:f001::a", "2001:67c:4e8:f002::a", "2001:67c:4e8:f002::b",
	"2001:b28:f23d:f003::a", "2001:67c:4e8:f004::a", "2001:67c:4e8:f004::b",
	"2001:b28:f23f:f005::a", "2a0a:f280:203:a:5000::100",
	"2001:b28:f23d:f001::e", "2001:67c:4e8:f002::e", "2001:b28:f23d:f003::e",
	"2001:0b28:f23d:f001:0000:0000:0000:000a", "2001:067c:04e8:f002:0000:0000:0000:000a",
	"2001:067c:04e8:f002:0000:0000:0000:000b", "2001:0b28:f23d:f003:0000:0000:0000:000a",
	"2001:067c:04e8:f004:0000:0000:0000:000a", "2001:067c:04e8:f004:0000:0000:0000:000b",
	"2001:0b28:f23f:f005:0000:0000:0000:000a", "2a0a:f280:0203:000a:5000:0000:0000:0100",
	"2001:0b28:f23d:f001:0000:0000:0000:000e", "2001:067c:04e8:f002:0000:0000:0000:000e",
	"2001:0b28:f23d:f003:0000:0000:0000:000e",
	// GramJS in a browser stores the web socket host names.
	"pluto.web.telegram.org", "venus.web.telegram.org", "aurora.web.telegram.org",
	"vesta.web.telegram.org", "flora.web.telegram.org",
	"pluto-1.web.telegram.org", "venus-1.web.telegram.org", "aurora-1.web.telegram.org",
	"vesta-1.web.telegram.org", "flora-1.web.telegram.org",
}

// knownAddrs holds the well-known addresses by packed IPv4 and IPv6 bytes
// (rendered as pythonIPString does) and by text. It is built on first use,
// so that a process that never decodes a session pays nothing for it.
var knownAddrs = sync.OnceValue(func() *addrTables {
	t := &addrTables{
		v4:   make(map[[4]byte]string),
		v6:   make(map[[16]byte]string),
		text: make(map[string]string),
	}
	for _, s := range wellKnownAddresses {
		t.text[s] = s
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue // a host name
		}
		c := string(appendPythonIP(nil, a))
		t.text[c] = c
		if a.Is4() {
			t.v4[a.As4()] = c
		} else {
			t.v6[a.As16()] = c
		}
	}
	return t
})

type addrTables struct {
	v4   map[[4]byte]string
	v6   map[[16]byte]string
	text map[string]string
}
