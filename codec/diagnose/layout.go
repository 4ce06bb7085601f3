package diagnose

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strconv"

	"github.com/tgsession/tgsession/codec"
)

// Layout facts of the string formats, restated from docs/formats.md (codec
// keeps its own copies unexported; these only label findings and bound the
// simulations).
const (
	// docs/formats.md#telethon-string: '>B4sH256s' and '>B16sH256s'.
	telethonLenV4 = 1 + 4 + 2 + codec.AuthKeySize  // 263 bytes, 352 characters
	telethonLenV6 = 1 + 16 + 2 + codec.AuthKeySize // 275 bytes, 368 characters

	// docs/formats.md#pyrogram-string and #pyrogram-legacy-string.
	pyrogramLenV2    = 1 + 4 + 1 + codec.AuthKeySize + 8 + 1 // 271 bytes, 362 characters
	pyrogramLenOld32 = 1 + 1 + codec.AuthKeySize + 4 + 1     // 263 bytes, 351 characters
	pyrogramLenOld64 = 1 + 1 + codec.AuthKeySize + 8 + 1     // 267 bytes, 356 characters

	// docs/formats.md#gramjs-string: the shortest payload has a 1-byte
	// address; GramJS reads an address length above 100 as Telethon IPv6.
	gramjsMinLen  = 1 + 2 + 1 + 2 + codec.AuthKeySize
	gramjsMaxAddr = 100

	// maxStringPayload bounds the payload of the Telethon, GramJS and
	// Pyrogram strings: a GramJS string with a 253-byte host name.
	maxStringPayload = 1 + 2 + 253 + 2 + codec.AuthKeySize

	// docs/formats.md#mtcute-string: version byte and TL bool constructors.
	mtcuteVersion = 3
	tlBoolTrue    = 0x997275b5
	tlBoolFalse   = 0xbc799737
)

// b64val maps a character of either base64 alphabet to its 6-bit value, and
// every other byte to 0xff.
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// strictBase64 decodes s as codec's decoders accept base64
// (docs/formats.md#conventions): either alphabet but not both, '=' padding
// absent or exactly right, and no non-zero trailing bits. ok is false for
// any other text.
func strictBase64(s string) (b []byte, ok bool) {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	pad := len(s) - n
	url, std := false, false
	for i := 0; i < n; i++ {
		c := s[i]
		if b64val[c] == 0xff {
			return nil, false
		}
		url = url || c == '-' || c == '_'
		std = std || c == '+' || c == '/'
	}
	if url && std || pad > 2 || pad > 0 && (n+pad)%4 != 0 {
		return nil, false
	}
	enc := base64.RawStdEncoding
	if url {
		enc = base64.RawURLEncoding
	}
	b, err := enc.Strict().DecodeString(s[:n])
	if err != nil {
		return nil, false
	}
	return b, true
}

// gramjsLayout reports whether b, the payload after a '1' prefix, has the
// GramJS layout: an address length that accounts for every byte with a
// 256-byte key and an address codec accepts. It asks codec.Detect, which
// decides exactly that for payloads of other lengths than Telethon's.
func gramjsLayout(b []byte) bool {
	if len(b) < gramjsMinLen || len(b) == telethonLenV4 || len(b) == telethonLenV6 {
		return false
	}
	f, err := codec.Detect("1" + base64.StdEncoding.EncodeToString(b))
	return err == nil && f == codec.GramJS
}

func describeByte(c byte) string {
	switch {
	case c == 0:
		return "NUL byte"
	case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		return "whitespace inside the text"
	case c < ' ' || c == 0x7f:
		return "control character"
	default:
		return "non-ASCII byte"
	}
}

func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}

// ipFromPacked returns the address held in 4 or 16 packed bytes.
func ipFromPacked(b []byte) netip.Addr {
	if len(b) == 4 {
		return netip.AddrFrom4([4]byte(b))
	}
	return netip.AddrFrom16([16]byte(b))
}

// plausibleIP reports whether a is an address a Telegram session can point
// to (docs/formats.md#telethon-string): not unspecified, not in 0.0.0.0/8,
// and not in the reserved ::/8 except IPv4-mapped addresses (checked the
// same way) and the loopback ::1.
func plausibleIP(a netip.Addr) bool {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		return a.As4()[0] != 0
	}
	return a.As16()[0] != 0 || a.IsLoopback()
}

// appendPythonIP renders a the way Python 3.11's ipaddress .compressed
// does: dotted decimal for IPv4; for IPv6, lowercase hex groups without
// leading zeros and the first longest run of two or more zero groups
// replaced by "::", with no special form for IPv4-mapped addresses.
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
