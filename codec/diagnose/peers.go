package diagnose

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
)

// Simulations of what each real library does with a session text.

// PeerResult is what one real library does with a session text, simulated
// from its source code: either the exception or error message it raises,
// or what it reads. Values that could come from key bytes (because the
// library reads the text in a layout other than the one it has) are not
// shown.
type PeerResult struct {
	// Library names the library and the call, e.g. "Telethon 1.x
	// StringSession".
	Library string
	// Result is the library's error message, or "ok: …" with what it
	// reads.
	Result string
	// OK reports whether the library loads the text without an error.
	OK bool
}

// peerView decides which values read by a simulated library may be shown:
// only those outside the key bytes of the layout [codec.Decode] found, and only
// when the library decodes the same number of bytes in a layout family
// (prefixed or not) that Decode also found.
type peerView struct {
	ok       bool
	prefixed bool
	n        int // payload length
	lo, hi   int // key byte range
}

func newPeerView(s *codec.Session) peerView {
	switch s.Source {
	case codec.Telethon:
		n := telethonLenV4
		if s.Layout == "ipv6" {
			n = telethonLenV6
		}
		return peerView{ok: true, prefixed: true, n: n, lo: n - codec.AuthKeySize, hi: n}
	case codec.GramJS:
		n := gramjsMinLen - 1 + len(s.ServerAddress)
		return peerView{ok: true, prefixed: true, n: n, lo: n - codec.AuthKeySize, hi: n}
	case codec.Pyrogram:
		return peerView{ok: true, n: pyrogramLenV2, lo: 6, hi: 6 + codec.AuthKeySize}
	case codec.PyrogramLegacy:
		n := pyrogramLenOld32
		if s.Layout == "old-64" {
			n = pyrogramLenOld64
		}
		return peerView{ok: true, n: n, lo: 2, hi: 2 + codec.AuthKeySize}
	}
	return peerView{}
}

// show reports whether bytes [a, b) of an n-byte payload read by a library
// of the given family may be shown.
func (v peerView) show(prefixed bool, n, a, b int) bool {
	return v.ok && v.prefixed == prefixed && v.n == n && (b <= v.lo || a >= v.hi)
}

const hidden = "(not shown: in this layout those bytes may be key bytes)"

// simulatePeers runs every library simulation on the raw text.
func simulatePeers(text string, v peerView) []PeerResult {
	return []PeerResult{
		peerTelethon(text, v),
		peerPyrogram2(text, v),
		peerPyrogram1(text, v, false),
		peerPyrogram1(text, v, true),
		peerGramJS(text, v),
		peerMtcute(text),
		peerGotd(text, v),
	}
}

// peerTelethon simulates Telethon 1.x StringSession(text).__init__.
func peerTelethon(text string, v peerView) PeerResult {
	r := PeerResult{Library: "Telethon 1.x StringSession"}
	if text == "" {
		r.OK, r.Result = true, "ok: an empty string is a new session without a key (Telethon starts a login)"
		return r
	}
	if text[0] != '1' {
		r.Result = "ValueError: Not a valid string"
		return r
	}
	rest := text[1:]
	ipLen := 16
	if pyLen(rest) == 352 {
		ipLen = 4
	}
	data, perr := pyURLSafeB64Decode(rest)
	if perr != "" {
		r.Result = perr
		return r
	}
	defer clear(data)
	need := 1 + ipLen + 2 + codec.AuthKeySize
	if len(data) != need {
		r.Result = fmt.Sprintf("struct.error: unpack requires a buffer of %d bytes", need)
		return r
	}
	r.OK = true
	var b strings.Builder
	b.WriteString("ok: ")
	if v.show(true, need, 0, 1+ipLen+2) {
		ip := ipFromPacked(data[1 : 1+ipLen])
		fmt.Fprintf(&b, "DC %d, address %s, port %d", data[0], appendPythonIP(nil, ip), binary.BigEndian.Uint16(data[1+ipLen:]))
		if ipLen == 16 && v.n == need && v.prefixed && !plausibleIP(ip) {
			b.WriteString(" (a garbled address: these bytes are GramJS's address length and text)")
		}
	} else {
		layout := "IPv6"
		if ipLen == 4 {
			layout = "IPv4"
		}
		fmt.Fprintf(&b, "reads the %s layout; DC, address and port %s", layout, hidden)
	}
	if isZero(data[need-codec.AuthKeySize:]) {
		b.WriteString("; the key is all zeros, so Telethon loads no key and starts a login")
	}
	r.Result = b.String()
	return r
}

// peerPyrogram2 simulates Pyrogram 2.x MemoryStorage.open (also kurigram,
// pyrofork and irenogram; hydrogram lacks the old-format branch).
func peerPyrogram2(text string, v peerView) PeerResult {
	r := PeerResult{Library: "Pyrogram 2.x (session_string=)"}
	if text == "" {
		r.Result = "an empty session_string is ignored: Pyrogram starts a new login"
		return r
	}
	n := pyLen(text)
	need, old := pyrogramLenV2, false
	switch n {
	case 351:
		need, old = pyrogramLenOld32, true
	case 356:
		need, old = pyrogramLenOld64, true
	}
	data, perr := pyURLSafeB64Decode(text + strings.Repeat("=", (4-n%4)%4))
	if perr != "" {
		r.Result = perr
		return r
	}
	defer clear(data)
	if len(data) != need {
		r.Result = fmt.Sprintf("struct.error: unpack requires a buffer of %d bytes", need)
		return r
	}
	r.OK = true
	r.Result = "ok: " + pyrogramFields(data, old, need == pyrogramLenOld64, v)
	if old {
		r.Result += "; logs 'You are using an old session string format. Use export_session_string to update'"
	}
	return r
}

// peerPyrogram1 simulates Pyrogram 1.x Client(session_name) with a session
// string: 1.0–1.2 (only '>B?256sI?') or, with v13, 1.3–1.4 (351 characters:
// '>B?256sI?', else '>B?256sQ?').
func peerPyrogram1(text string, v peerView, v13 bool) PeerResult {
	r := PeerResult{Library: "Pyrogram 1.0–1.2 (Client(session_string))"}
	if v13 {
		r.Library = "Pyrogram 1.3–1.4 (Client(session_string))"
	}
	if text == ":memory:" {
		r.Result = "':memory:' is an in-memory session: Pyrogram starts a new login"
		return r
	}
	if pyLen(text) < 351 {
		r.Result = "shorter than 351 characters, so Pyrogram 1.x takes it as a session file name, creates a new .session file and starts a new login"
		return r
	}
	var sb strings.Builder
	for _, c := range text {
		if !pyIsSpace(c) {
			sb.WriteRune(c)
		}
	}
	s := sb.String()
	n := pyLen(s)
	need, is64 := pyrogramLenOld32, false
	if v13 && n != 351 {
		need, is64 = pyrogramLenOld64, true
	}
	data, perr := pyURLSafeB64Decode(s + strings.Repeat("=", (4-n%4)%4))
	if perr != "" {
		r.Result = perr
		return r
	}
	defer clear(data)
	if len(data) != need {
		r.Result = fmt.Sprintf("struct.error: unpack requires a buffer of %d bytes", need)
		return r
	}
	r.OK = true
	r.Result = "ok: " + pyrogramFields(data, true, is64, v)
	return r
}

// pyrogramFields renders what Pyrogram unpacks from data.
func pyrogramFields(data []byte, old, is64 bool, v peerView) string {
	n := len(data)
	pyb := func(c byte) string { return strconv.FormatBool(c != 0) }
	if !old {
		if !v.show(false, n, 0, 6) || !v.show(false, n, 262, 271) {
			return "reads the 2.x layout; values " + hidden
		}
		return fmt.Sprintf("DC %d, api_id %d, test_mode %s, user_id %d, is_bot %s",
			data[0], binary.BigEndian.Uint32(data[1:]), pyb(data[5]), binary.BigEndian.Uint64(data[262:]), pyb(data[270]))
	}
	if !v.show(false, n, 0, 2) || !v.show(false, n, 258, n) {
		return "reads an old layout; values " + hidden
	}
	var user uint64
	if is64 {
		user = binary.BigEndian.Uint64(data[258:])
	} else {
		user = uint64(binary.BigEndian.Uint32(data[258:]))
	}
	return fmt.Sprintf("DC %d, test_mode %s, user_id %d, is_bot %s, no api_id", data[0], pyb(data[1]), user, pyb(data[n-1]))
}

// peerGramJS simulates GramJS (npm telegram 2.26.22) new StringSession(text)
// and load().
func peerGramJS(text string, v peerView) PeerResult {
	r := PeerResult{Library: "GramJS StringSession"}
	if text == "" {
		r.OK, r.Result = true, "ok: an empty string is a new session (GramJS starts a login)"
		return r
	}
	if text[0] != '1' {
		r.Result = "Error: Not a valid string"
		return r
	}
	rest := text[1:]
	data := nodeBase64Decode(rest)
	defer clear(data)
	off := 0
	read := func(n int) ([]byte, string) {
		end := off + n
		if n < 0 {
			end = off
		}
		if end > len(data) {
			end = len(data)
		}
		got := data[off:end]
		off += n
		if len(got) != n {
			return nil, fmt.Sprintf("Error: No more data left to read (need %d, got %d: …)", n, len(got))
		}
		return got, ""
	}
	fail := func(msg string) PeerResult { r.Result = msg; return r }
	dcb, e := read(1)
	if e != "" {
		return fail(e)
	}
	var addr string
	addrLo, addrHi := 1, 0
	if jsLen(rest) == 352 {
		ip, e := read(4)
		if e != "" {
			return fail(e)
		}
		addr = fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3])
		addrHi = 5
	} else {
		lb, e := read(2)
		if e != "" {
			return fail(e)
		}
		l := int(int16(binary.BigEndian.Uint16(lb)))
		if l > 100 {
			off -= 2
			ip, e := read(16)
			if e != "" {
				return fail(e)
			}
			addr = gramjsIPv6Text(ip)
			addrHi = 17
		} else {
			a, e := read(l)
			if e != "" {
				return fail(e)
			}
			addr, addrLo, addrHi = string(a), 3, 3+l
		}
	}
	pb, e := read(2)
	if e != "" {
		return fail(e)
	}
	port := int(int16(binary.BigEndian.Uint16(pb)))
	keyLen := len(data) - off
	r.OK = true
	var b strings.Builder
	b.WriteString("ok: ")
	if v.show(true, len(data), 0, off) {
		if !utf8.ValidString(addr) || !isPrintable(addr) {
			addr = fmt.Sprintf("(%d bytes that are not text)", addrHi-addrLo)
		}
		fmt.Fprintf(&b, "DC %d, address %s, port %d", dcb[0], addr, port)
		if port < 0 {
			fmt.Fprintf(&b, " (GramJS reads the port as a signed 16-bit integer: %d is %d)", port, port+0x10000)
		}
	} else {
		b.WriteString("DC, address and port " + hidden)
	}
	if keyLen != codec.AuthKeySize {
		fmt.Fprintf(&b, "; the key is %d bytes, not 256, so Telegram will refuse it", keyLen)
	}
	r.Result = b.String()
	return r
}

// gramjsIPv6Text renders 16 bytes as GramJS does for a Telethon IPv6
// string: hex groups with leading zeros stripped, then every run of colons
// collapsed to "::" (which can produce more than one "::").
func gramjsIPv6Text(ip []byte) string {
	var b strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		if g := binary.BigEndian.Uint16(ip[i:]); g != 0 {
			b.WriteString(strconv.FormatUint(uint64(g), 16))
		}
	}
	s := b.String()
	for strings.Contains(s, ":::") {
		s = strings.ReplaceAll(s, ":::", "::")
	}
	return s
}

// peerMtcute simulates mtcute's readStringSession (@mtcute/core 0.29.7),
// including its lenient TL reader: reads past the end of a TL bytes value
// return fewer bytes instead of failing, and only 4-byte integer reads past
// the end throw. Values are shown only when this package's strict mtcute
// decoder also accepts the text.
func peerMtcute(text string) PeerResult {
	r := PeerResult{Library: "mtcute readStringSession"}
	data := nodeBase64Decode(text)
	defer clear(data)
	if len(data) == 0 {
		r.Result = "Error: Invalid session string (version = undefined)"
		return r
	}
	if data[0] != mtcuteVersion {
		r.Result = fmt.Sprintf("Error: Invalid session string (version = %d)", data[0])
		return r
	}
	if msg := mtcuteLenientRead(data); msg != "" {
		r.Result = msg
		return r
	}
	r.OK = true
	s, err := codec.DecodeAs(codec.Mtcute, base64.RawURLEncoding.EncodeToString(data))
	if err != nil {
		r.Result = "ok: mtcute loads it, but its values are not shown: the text fails tgsession's stricter check (" + err.Error() + ")"
		return r
	}
	r.Result = fmt.Sprintf("ok: DC %d, address %s, port %d", s.DC, s.ServerAddress, s.Port)
	s.Wipe()
	return r
}

// mtcuteLenientRead walks an mtcute v3 payload as readStringSession does
// and returns the error it throws, or "" if it loads.
func mtcuteLenientRead(b []byte) string {
	const rangeErr = "RangeError: Offset is outside the bounds of the DataView"
	pos := 1
	u32 := func(data []byte, pos *int) (uint32, bool) {
		if *pos < 0 || *pos+4 > len(data) {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(data[*pos:])
		*pos += 4
		return v, true
	}
	// tlBytes is TlBinaryReader.bytes: a missing length byte reads the
	// rest, and a short value is returned short.
	tlBytes := func(data []byte, pos *int) []byte {
		at := func(i int) int {
			if i >= 0 && i < len(data) {
				return int(data[i])
			}
			return 0
		}
		sub := func(start, end int) []byte {
			start, end = max(0, min(start, len(data))), max(0, min(end, len(data)))
			if end < start {
				return nil
			}
			return data[start:end]
		}
		if *pos >= len(data) {
			// The length byte is undefined: raw(undefined) reads the
			// rest; padding is NaN and skips nothing.
			*pos++
			start := *pos
			*pos = len(data)
			return sub(start, len(data))
		}
		first := int(data[*pos])
		*pos++
		var length, padding int
		if first == 254 {
			length = at(*pos) | at(*pos+1)<<8 | at(*pos+2)<<16
			*pos += 3
			padding = length % 4
		} else {
			length = first
			padding = (length + 1) % 4
		}
		start := *pos
		*pos += length
		out := sub(start, *pos)
		if padding > 0 {
			*pos += 4 - padding
		}
		return out
	}
	// dc is parseBasicDcOption: ok false for a null result.
	type dcOpt struct{ test bool }
	parseDC := func(blob []byte) (dcOpt, bool, string) {
		if len(blob) < 1 || (blob[0] != 1 && blob[0] != 2) {
			return dcOpt{}, false, ""
		}
		p := 3
		tlBytes(blob, &p)
		if _, ok := u32(blob, &p); !ok {
			return dcOpt{}, true, rangeErr
		}
		flags := 0
		if len(blob) > 2 {
			flags = int(blob[2])
		}
		return dcOpt{test: blob[0] == 2 && flags&4 != 0}, true, ""
	}
	flags, ok := u32(b, &pos)
	if !ok {
		return rangeErr
	}
	main, ok, msg := parseDC(tlBytes(b, &pos))
	if msg != "" {
		return msg
	}
	if !ok {
		return "Error: Invalid session string (failed to parse primaryDc)"
	}
	media := main
	if flags&4 != 0 {
		media, ok, msg = parseDC(tlBytes(b, &pos))
		if msg != "" {
			return msg
		}
		if !ok {
			return "Error: Invalid session string (failed to parse primaryMediaDc)"
		}
	}
	if flags&2 == 0 && main.test != media.test {
		return "Error: Primary DC and primary media DC must have the same test mode flag"
	}
	if flags&1 != 0 {
		if pos+8 > len(b) {
			return rangeErr
		}
		pos += 8
		v, ok := u32(b, &pos)
		if !ok {
			return rangeErr
		}
		if v != tlBoolTrue && v != tlBoolFalse {
			return "Error: Expected either boolTrue or boolFalse, got 0x… (the value is not shown: it may be key bytes)"
		}
	}
	tlBytes(b, &pos)
	return ""
}

// peerGotd simulates gotd/td v0.93.0 session.TelethonSession(text).
func peerGotd(text string, v peerView) PeerResult {
	r := PeerResult{Library: "gotd/td session.TelethonSession"}
	if len(text) < 1 {
		r.Result = "given string too small: 0"
		return r
	}
	if text[0] != '1' {
		if text[0] >= ' ' && text[0] < 0x7f {
			r.Result = fmt.Sprintf("unexpected version %q, latest supported is '1'", text[0])
		} else {
			r.Result = "unexpected version (a non-printable byte), latest supported is '1'"
		}
		return r
	}
	data, err := base64.URLEncoding.DecodeString(text[1:])
	defer clear(data)
	if err != nil {
		r.Result = "decode hex: " + err.Error()
		return r
	}
	var ipLen int
	switch len(data) {
	case telethonLenV4:
		ipLen = 4
	case telethonLenV6:
		ipLen = 16
	default:
		r.Result = fmt.Sprintf("decoded hex has invalid length: %d", len(data))
		return r
	}
	r.OK = true
	if v.show(true, len(data), 0, 3+ipLen) {
		ip := net.IP(data[1 : 1+ipLen])
		r.Result = fmt.Sprintf("ok: DC %d, Addr %s", data[0], net.JoinHostPort(ip.String(), strconv.Itoa(int(binary.BigEndian.Uint16(data[1+ipLen:])))))
	} else {
		r.Result = "ok: DC and Addr " + hidden
	}
	return r
}
