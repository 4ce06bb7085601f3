package codec

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Diagnosis explains what a session text is and why it does or does not
// load, without revealing it: every string in a Diagnosis is built from
// lengths, offsets, format names and non-secret session fields (DC id,
// address, port, user id), never from the text or key bytes.
type Diagnosis struct {
	// Format is the format [Decode] found or, when decoding fails, the
	// format the text most likely is (FormatUnknown if none fits).
	Format Format
	// Library names the library that most likely wrote the text.
	Library string
	// Decodes reports whether [Decode] accepts the text.
	Decodes bool
	// Err is the error [Decode] returned, nil if Decodes.
	Err error
	// Findings are observations about the text: what was trimmed, its
	// lengths, alphabet and padding compared with what the library
	// writes, and notable field values.
	Findings []string
	// Peers says what each real library would do with the text exactly
	// as given (not trimmed).
	Peers []PeerResult
}

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

// Diagnose examines text, which failed to load somewhere (or may), and
// explains it: which library most likely wrote it, the error [Decode]
// returns, observations about the text, and what Telethon, Pyrogram 2.x and
// 1.x, GramJS, mtcute and gotd would each do with it, simulated exactly from
// their sources (FORMATS.md): for example, that a Telethon string given to
// Pyrogram 2 raises "struct.error: unpack requires a buffer of 271 bytes",
// or that Telethon reads a GramJS string for a 14-character address with a
// garbled IPv6 address. The simulation of Python's and Node.js's base64
// decoders is exact for ASCII text; for text with non-ASCII characters it
// is approximate.
//
// Diagnose never returns nil.
func Diagnose(text string) *Diagnosis {
	d := &Diagnosis{}
	if len(text) > MaxInputLen {
		d.Err = errorf(FormatUnknown, -1, ErrTooLarge, "%d bytes, limit %d", len(text), MaxInputLen)
		d.Library = "none"
		d.Findings = []string{fmt.Sprintf("the input is %d bytes, far longer than any session string (a few hundred characters) or gotd session file (a few KiB); it was not examined", len(text))}
		return d
	}
	body := trimFindings(text, d)
	if body == "" {
		d.Err = errorf(FormatUnknown, -1, ErrEmpty, "")
		d.Library = "none"
		d.Findings = append(d.Findings, "the text is empty: Telethon and GramJS treat an empty string as a new session without a key, Pyrogram starts a new login")
		d.Peers = simulatePeers(text, peerView{})
		return d
	}

	var view peerView
	sess, err := Decode(text)
	if err == nil {
		d.Decodes = true
		d.Format = sess.Source
		view = newPeerView(sess)
		sessionFindings(sess, d)
		sess.Wipe()
	} else {
		d.Err = err
		var amb *AmbiguousError
		if f, derr := Detect(text); derr == nil {
			d.Format = f // the layout fits; a field value does not
		} else if errors.As(derr, &amb) && len(amb.Candidates) > 0 {
			d.Format = amb.Candidates[0]
		} else {
			d.Format = guessFormat(body)
		}
	}
	d.Library = d.Format.Library()
	if lib, finding := foreignKind(body); finding != "" {
		if lib != "" {
			d.Library = lib
		}
		d.Findings = append(d.Findings, finding)
	}
	textFindings(body, d)
	d.Peers = simulatePeers(text, view)
	return d
}

// trimFindings repeats normalize's trimming, recording what it removes, and
// returns the trimmed text (not checked for bad characters).
func trimFindings(text string, d *Diagnosis) string {
	s := text
	if strings.HasPrefix(s, "\uFEFF") {
		s = s[3:]
		d.Findings = append(d.Findings, "removed a UTF-8 byte order mark at the start")
	}
	t := strings.TrimLeft(s, " \t\r\n")
	if len(t) != len(s) {
		d.Findings = append(d.Findings, fmt.Sprintf("removed %d whitespace characters before the text (Telethon and GramJS fail with 'Not a valid string' on a leading space)", len(s)-len(t)))
	}
	s = t
	t = strings.TrimRight(s, " \t\r\n")
	if tail := s[len(t):]; tail != "" {
		switch {
		case tail == "\n" || tail == "\r\n":
			d.Findings = append(d.Findings, "removed a trailing newline, as saving to a file or pasting into an env var often adds (Telethon then fails on an IPv4 string, and Pyrogram with 'Incorrect padding')")
		case strings.Trim(tail, "\r\n") == "":
			d.Findings = append(d.Findings, fmt.Sprintf("removed %d trailing newline characters", len(tail)))
		default:
			d.Findings = append(d.Findings, fmt.Sprintf("removed %d whitespace characters after the text", len(tail)))
		}
	}
	s = t
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		q := "double"
		if s[0] == '\'' {
			q = "single"
		}
		d.Findings = append(d.Findings, fmt.Sprintf("removed a pair of surrounding %s quotes (the libraries take them as part of the text: Telethon and GramJS then fail with 'Not a valid string')", q))
		s = strings.Trim(s[1:len(s)-1], " \t\r\n")
	}
	return s
}

// foreignKind recognises text that is not a session string at all.
func foreignKind(s string) (library, finding string) {
	switch {
	case strings.HasPrefix(s, "tgsession-age-v1:"):
		return "tgsession", "starts with 'tgsession-age-v1:': this is a tgsession sealed value (an age-encrypted session), not a session string; open it with tgsession first"
	case strings.HasPrefix(s, "age-encryption.org/v1"):
		return "age", "starts with the age header 'age-encryption.org/v1': this is an age-encrypted file, not a session string; decrypt it first"
	case strings.HasPrefix(s, "-----BEGIN AGE ENCRYPTED FILE-----"):
		return "age", "is an ASCII-armored age file: decrypt it first"
	case strings.HasPrefix(s, "SQLite format 3"):
		return "SQLite", "starts with 'SQLite format 3': this is a .session database file, not a session string"
	case s != "" && (s[0] == '{' || s[0] == '['):
		return "", "looks like JSON: gotd/td writes its sessions as JSON ({\"Version\":1,\"Data\":{…}}); Telethon, Pyrogram, GramJS and mtcute strings are base64"
	}
	return "", ""
}

// guessFormat returns the format that trimmed text most likely is, from
// its prefix, alphabet and length, for text that does not decode.
func guessFormat(s string) Format {
	if s == "" {
		return FormatUnknown
	}
	if s[0] == '{' {
		return Gotd
	}
	chars, url, std := base64Shape(s)
	if s[0] == '1' {
		rest := chars - 1
		switch {
		case std && !url:
			return GramJS
		case url:
			return Telethon
		case rest >= 350 && rest <= 354 || rest >= 366 && rest <= 370:
			return Telethon
		case looksGramJS(s[1:]):
			return GramJS
		}
		return Telethon
	}
	if strings.HasPrefix(s, "Aw") {
		return Mtcute
	}
	switch n := chars * 3 / 4; {
	case n >= 261 && n <= 265:
		return PyrogramLegacy
	case n >= 266 && n <= 268:
		return PyrogramLegacy
	case n >= 269 && n <= 273:
		return Pyrogram
	case n >= 276 && n <= 400:
		return Mtcute
	}
	return FormatUnknown
}

// looksGramJS reports whether the start of the (possibly damaged) base64
// text s decodes to a GramJS address length of 1–100 followed by that many
// printable bytes, or as many as there are.
func looksGramJS(s string) bool {
	b := nodeBase64Decode(s)
	defer clear(b)
	if len(b) < 4 {
		return false
	}
	l := int(binary.BigEndian.Uint16(b[1:]))
	if l == 0 || l > gramjsMaxAddr {
		return false
	}
	return isPrintable(string(b[3:min(len(b), 3+l)]))
}

// base64Shape counts the base64 data characters of s (not '=' or
// whitespace) and reports whether it uses URL-safe or standard characters.
func base64Shape(s string) (chars int, url, std bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' || c == '_':
			url = true
			chars++
		case c == '+' || c == '/':
			std = true
			chars++
		case b64val[c] != 0xff:
			chars++
		}
	}
	return chars, url, std
}

// textFindings records the shape of trimmed text s: characters, bad
// characters, prefix, alphabet, padding and decoded length.
func textFindings(s string, d *Diagnosis) {
	add := func(format string, args ...any) { d.Findings = append(d.Findings, fmt.Sprintf(format, args...)) }
	if s == "" || s[0] == '{' || s[0] == '[' {
		return
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			add("%s at character %d: Python's and Node's base64 decoders silently skip such characters, which changes the text's length and so how the libraries read it; remove it", describeByte(c), i)
			break
		}
	}
	prefixed := s[0] == '1'
	body := s
	if prefixed {
		body = s[1:]
		add("starts with '1', the version prefix of Telethon and GramJS strings")
	} else {
		add("does not start with '1': not a Telethon or GramJS string (those start with the version prefix '1')")
	}
	n := len(body)
	for n > 0 && body[n-1] == '=' {
		n--
	}
	pad := len(body) - n
	if prefixed {
		add("%d characters after trimming: the prefix, %d base64 characters and %d '='", len(s), n, pad)
	} else {
		add("%d characters after trimming: %d base64 characters and %d '='", len(s), n, pad)
	}
	_, url, std := base64Shape(body)
	switch {
	case url && std:
		add("mixes the URL-safe (- _) and standard (+ /) base64 alphabets, which no library writes")
	case url:
		add("uses the URL-safe base64 alphabet (- and _): Telethon, Pyrogram and mtcute write it; GramJS writes the standard one")
	case std:
		add("uses the standard base64 alphabet (+ and /): GramJS writes it; Telethon, Pyrogram and mtcute write the URL-safe one (Telethon and Pyrogram still accept it, gotd does not)")
	}
	switch {
	case pad > 0 && !prefixed:
		add("has '=' padding: Pyrogram and mtcute write none (Pyrogram 2 still reads a padded 2.x string, but not a padded old 32-bit one)")
	case pad == 0 && prefixed && n%4 != 0:
		add("has no '=' padding although Telethon and GramJS write it: Telethon fails with 'Incorrect padding' and gotd with 'illegal base64 data'")
	}
	var buf [maxStringPayload]byte
	if len(body) <= (maxStringPayload+2)/3*4 {
		if b, _, err := decodeBase64(body, FormatUnknown, 0, buf[:0]); err == nil {
			add("the base64 decodes to %d bytes%s", len(b), lengthHint(len(b), prefixed))
			if prefixed && len(b) >= 3 && d.Format == GramJS {
				if l := int(binary.BigEndian.Uint16(b[1:])); l > 0 && l < len(b) && !gramjsStructureValid(b) && len(b) != telethonLenV4 && len(b) != telethonLenV6 {
					add("read as GramJS, the address length field says %d bytes, which needs %d decoded bytes", l, 1+2+l+2+AuthKeySize)
				}
			}
			clear(b)
		}
	}
}

// lengthHint explains a decoded length.
func lengthHint(n int, prefixed bool) string {
	if prefixed {
		switch n {
		case telethonLenV4:
			return ": Telethon's IPv4 layout (263)"
		case telethonLenV6:
			return ": Telethon's IPv6 layout (275), also a GramJS string with a 14-character address"
		}
		if n >= gramjsMinLen && n <= maxStringPayload {
			return fmt.Sprintf(": a GramJS string would have a %d-byte address; Telethon needs 263 or 275", n-gramjsMinLen+1)
		}
		return ": Telethon needs 263 or 275, GramJS 261 plus the address length"
	}
	switch n {
	case pyrogramLenOld32:
		return ": the old 32-bit Pyrogram layout (263)"
	case pyrogramLenOld64:
		return ": the old 64-bit Pyrogram layout (267)"
	case pyrogramLenV2:
		return ": the Pyrogram 2.x layout (271)"
	}
	return ": Pyrogram needs 263, 267 or 271; mtcute strings are at least 277"
}

// sessionFindings records notable values of a decoded session.
func sessionFindings(s *Session, d *Diagnosis) {
	add := func(format string, args ...any) { d.Findings = append(d.Findings, fmt.Sprintf(format, args...)) }
	layout := ""
	if s.Layout != "" {
		layout = ", layout " + s.Layout
	}
	add("decodes as %s (%s%s), DC %d, auth_key_id %s", s.Source, s.Source.Library(), layout, s.DC, s.Key.ID())
	if s.DC > 5 {
		add("DC id %d is not one of the production DCs 1–5", s.DC)
	}
	if s.ServerAddress != "" && !isIPLiteral(s.ServerAddress) {
		add("the address %s is a host name: a GramJS session made in a browser (web socket host); Telethon needs the DC's IP address and Node GramJS connects over TCP to an IP", s.ServerAddress)
	}
	if s.Source == GramJS && s.Port > 0x7fff {
		add("port %d is above 32767: GramJS itself reads it as %d (a signed 16-bit integer) and cannot save it", s.Port, int(s.Port)-0x10000)
	}
	if s.Source == GramJS && len(s.ServerAddress) == 14 {
		add("a GramJS string with a 14-character address is exactly as long as a Telethon IPv6 string: Telethon and @mtcute/convert's parseTelethonSession read it without error but with a garbled IPv6 address")
	}
	if isTestDCAddress(s.ServerAddress) {
		add("the address %s is one of Telegram's test DCs", s.ServerAddress)
	}
	if v, ok := s.UserID.Get(); ok && v == 0 {
		add("user id 0: written by a converter that did not know the account (mtcute's convertToPyrogramSession does this); Pyrogram loads it, but the value is wrong")
	}
	switch s.Layout {
	case "old-32", "old-64":
		add("a pre-2.0 Pyrogram layout (%s): Pyrogram 2.x reads it with a warning, hydrogram cannot read it, and @mtcute/convert fails on the 32-bit one", s.Layout)
	}
}

func isIPLiteral(s string) bool {
	return net.ParseIP(s) != nil
}

func isTestDCAddress(s string) bool {
	switch s {
	case "149.154.175.10", "149.154.167.40", "149.154.175.117",
		"2001:b28:f23d:f001::e", "2001:67c:4e8:f002::e", "2001:b28:f23d:f003::e":
		return true
	}
	return false
}

// peerView decides which values read by a simulated library may be shown:
// only those outside the key bytes of the layout [Decode] found, and only
// when the library decodes the same number of bytes in a layout family
// (prefixed or not) that Decode also found.
type peerView struct {
	ok       bool
	prefixed bool
	n        int // payload length
	lo, hi   int // key byte range
}

func newPeerView(s *Session) peerView {
	switch s.Source {
	case Telethon:
		n := telethonLenV4
		if s.Layout == "ipv6" {
			n = telethonLenV6
		}
		return peerView{ok: true, prefixed: true, n: n, lo: n - AuthKeySize, hi: n}
	case GramJS:
		n := gramjsMinLen - 1 + len(s.ServerAddress)
		return peerView{ok: true, prefixed: true, n: n, lo: n - AuthKeySize, hi: n}
	case Pyrogram:
		return peerView{ok: true, n: pyrogramLenV2, lo: 6, hi: 6 + AuthKeySize}
	case PyrogramLegacy:
		n := pyrogramLenOld32
		if s.Layout == "old-64" {
			n = pyrogramLenOld64
		}
		return peerView{ok: true, n: n, lo: 2, hi: 2 + AuthKeySize}
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
	need := 1 + ipLen + 2 + AuthKeySize
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
	if isZero(data[need-AuthKeySize:]) {
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
	if keyLen != AuthKeySize {
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
	s, err := decodeMtcutePayload(data)
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

// pyLen returns the length of s as Python's len counts a str: in code
// points.
func pyLen(s string) int { return utf8.RuneCountInString(s) }

// jsLen returns the length of s as JavaScript's String.length counts it: in
// UTF-16 code units.
func jsLen(s string) int {
	n := 0
	for _, c := range s {
		n += utf16.RuneLen(c)
	}
	return n
}

// pyIsSpace reports whether Python's re \s matches c in a str pattern.
func pyIsSpace(c rune) bool {
	return c >= 0x1c && c <= 0x1f || unicode.IsSpace(c)
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// pyURLSafeB64Decode simulates Python 3.11's base64.urlsafe_b64decode: the
// text must be ASCII, '-' and '_' are read as '+' and '/', and the rest is
// binascii.a2b_base64(s, strict_mode=False). It returns the bytes, or the
// exception Python raises as "Type: message".
func pyURLSafeB64Decode(s string) ([]byte, string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return nil, "ValueError: string argument should contain only ASCII characters"
		}
	}
	out := make([]byte, 0, len(s)*3/4+3)
	quad, pads := 0, 0
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				if pads++; quad+pads >= 4 {
					return out, ""
				}
			}
			continue
		}
		v := b64val[c]
		if v == 0xff {
			continue
		}
		pads = 0
		switch quad {
		case 0:
			quad, left = 1, v
		case 1:
			quad = 2
			out = append(out, left<<2|v>>4)
			left = v & 0x0f
		case 2:
			quad = 3
			out = append(out, left<<4|v>>2)
			left = v & 0x03
		case 3:
			quad = 0
			out = append(out, left<<6|v)
			left = 0
		}
	}
	switch quad {
	case 0:
		return out, ""
	case 1:
		n := len(out)/3*4 + 1
		clear(out)
		return nil, fmt.Sprintf("binascii.Error: Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", n)
	}
	clear(out)
	return nil, "binascii.Error: Incorrect padding"
}

// nodeBase64Decode simulates Node.js's Buffer.from(s, "base64") and
// Buffer.from(s, "base64url") (both accept both alphabets): characters
// outside the alphabets are skipped, and '=' stops decoding. Characters
// beyond ASCII are approximated by skipping them.
func nodeBase64Decode(s string) []byte {
	// base64_decoded_size
	size := len(s)
	if size >= 2 && s[size-1] == '=' {
		size--
		if s[size-1] == '=' {
			size--
		}
	}
	dstlen := 0
	if size >= 2 {
		rem := size % 4
		dstlen = size / 4 * 3
		if rem != 0 {
			if !(dstlen == 0 && rem == 1) {
				dstlen += 1
				if rem == 3 {
					dstlen++
				}
			}
		}
	} else if len(s) < 2 {
		return nil
	}
	dst := make([]byte, dstlen)
	i, k := 0, 0
	// slow decodes one group of four legal characters, skipping illegal
	// ones; it returns false when decoding stops.
	slow := func() bool {
		var hi, lo byte
		for g := 0; g < 4; g++ {
			for {
				if i >= len(s) {
					return false
				}
				c := s[i]
				lo = b64val[c]
				i++
				if lo < 64 {
					break
				}
				if c == '=' || i >= len(s) {
					return false
				}
			}
			switch g {
			case 1:
				dst[k] = (hi&0x3f)<<2 | (lo&0x30)>>4
				k++
			case 2:
				dst[k] = (hi&0x0f)<<4 | (lo&0x3c)>>2
				k++
			case 3:
				dst[k] = (hi&0x03)<<6 | lo&0x3f
				k++
			}
			if i >= len(s) || k >= dstlen {
				return false
			}
			hi = lo
		}
		return true
	}
	maxK := dstlen / 3 * 3
	maxI := len(s) / 4 * 4
	for i < maxI && k < maxK {
		a, b, c, d := b64val[s[i]], b64val[s[i+1]], b64val[s[i+2]], b64val[s[i+3]]
		if (a|b|c|d)&0x80 != 0 {
			if !slow() {
				return dst[:k]
			}
			maxI = i + (len(s)-i)/4*4
			continue
		}
		dst[k] = a<<2 | b>>4
		dst[k+1] = b<<4 | c>>2
		dst[k+2] = c<<6 | d
		i += 4
		k += 3
	}
	if i < len(s) && k < dstlen {
		slow()
	}
	return dst[:k]
}

// ExplainLibraryError explains an error message that a Telegram library
// printed for a session (paste the message, not the session): which library
// raises it, and what input causes it. It reports false for a message it
// does not recognise.
func ExplainLibraryError(msg string) (string, bool) {
	m := strings.ToLower(msg)
	for _, e := range libraryErrors {
		if strings.Contains(m, e.match) {
			if e.fn != nil {
				return e.fn(m), true
			}
			return e.text, true
		}
	}
	return "", false
}

var libraryErrors = []struct {
	match string
	text  string
	fn    func(string) string
}{
	{match: "unpack requires a buffer of 263 bytes", text: "Python struct.unpack for a 263-byte layout. From Pyrogram 1.0–1.2 (or Pyrogram 1.3+/2.x given a 351-character string): the text is not an old 32-bit Pyrogram string, most often a Pyrogram 2.x string given to an old Pyrogram (update Pyrogram or convert the string to pyrogram-legacy). From Telethon: a string whose text after the '1' is 352 characters long does not decode to 263 bytes, because it holds characters that are not base64."},
	{match: "unpack requires a buffer of 267 bytes", text: "Python struct.unpack for the old 64-bit Pyrogram layout (267 bytes): Pyrogram 1.3+ or 2.x was given a 356-character string that is not an old 64-bit Pyrogram string (truncated, or another library's string)."},
	{match: "unpack requires a buffer of 271 bytes", text: "Python struct.unpack for the Pyrogram 2.x layout (271 bytes): Pyrogram 2 (or kurigram, pyrofork, hydrogram) was given a string that is not a Pyrogram 2.x string: a Telethon or GramJS string (they start with '1'), an old 32-bit Pyrogram string with its '=' padding left on (352 characters), or a truncated string. Convert it with tgsession."},
	{match: "unpack requires a buffer of 275 bytes", text: "Python struct.unpack for Telethon's IPv6 layout (275 bytes): Telethon reads every string whose text after the '1' is not exactly 352 characters as IPv6. So this is a Telethon IPv4 string with something extra (a trailing newline or space, an extra '=', a line break inside), or not a Telethon string at all: a Pyrogram string, or a GramJS string whose address is not 14 characters long (e.g. a browser host name). Trim it, or convert it with tgsession."},
	{match: "unpack requires a buffer of", text: "Python struct.unpack got a payload of the wrong length: the library (Telethon or Pyrogram) was given another library's string, or a damaged one."},
	{match: "not a valid string", text: "Telethon (ValueError) or GramJS (Error): the first character is not the version prefix '1'. The text has a leading space or quote, or it is not a Telethon/GramJS string (a Pyrogram or mtcute string has no prefix). Trim it, or convert it with tgsession."},
	{match: "incorrect padding", text: "Python's base64 decoder (binascii.Error): the number of base64 characters is wrong. From Telethon: the trailing '=' was stripped (Telethon writes and requires it) or the string is truncated. From Pyrogram: there is a trailing newline or other whitespace, or the string is truncated."},
	{match: "cannot be 1 more than a multiple of 4", text: "Python's base64 decoder (binascii.Error): the text has a number of base64 characters no base64 string can have: it is truncated, has a stray character, or is not a session string."},
	{match: "string argument should contain only ascii characters", text: "Python's base64 decoder (ValueError): the text has a non-ASCII character, such as a typographic quote, a non-breaking space or an invisible character pasted with it."},
	{match: "no more data left to read", text: "GramJS's BinaryReader: the string is shorter than the layout GramJS chose. Typically a Telethon IPv4 string with its '=' stripped or a trailing newline (GramJS then no longer sees 352 characters and reads the GramJS layout), or a truncated string. Trim it, or convert it with tgsession."},
	{match: "invalid session string (version = ", fn: explainMtcuteVersion},
	{match: "offset is outside the bounds of the dataview", text: "@mtcute/convert's parsePyrogramSession fails this way on every old 32-bit Pyrogram string (351 characters), a bug in @mtcute/convert; tgsession reads it."},
	{match: "the value of \"value\" is out of range", text: "Node.js writeInt16BE in GramJS StringSession.save: the port (or address length) is above 32767, which GramJS cannot store. Use a port of at most 32767 (Telegram's are 443 and 80)."},
	{match: "does not appear to be an ipv4 or ipv6 address", text: "Telethon's StringSession.save (ValueError): the server address is a host name (a GramJS browser session stores one such as vesta.web.telegram.org); Telethon can only store an IP address. Set the DC's IP address first."},
	{match: "illegal base64 data at input byte", text: "Go's strict base64 decoder, e.g. gotd/td's TelethonSession: the text is not padded URL-safe base64 as Telethon writes it: the '=' padding was stripped, the standard alphabet (+ /) was used, or there is a stray character at that offset."},
	{match: "decoded hex has invalid length", text: "gotd/td's TelethonSession: the text decodes to a length other than 263 or 275 bytes, so it is not a Telethon string (gotd reads only Telethon strings, not Pyrogram, GramJS or mtcute ones)."},
	{match: "no such column: version", text: "SQLite: the .session file has no 'version' column where the library expects one: a Pyrogram .session file (version table column 'number') was given to Telethon, or a Telethon file to a tool expecting another schema."},
	{match: "no such column: number", text: "SQLite: the .session file has no 'number' column in its version table: a Telethon .session file (column 'version') was given to Pyrogram, or the file's schema is from another Pyrogram fork or version."},
	{match: "table entities has 6 columns but 5 values were supplied", text: "Telethon's sqlite session: the file's entities table has the 'date' column of schema version 7 (Telethon 1.17+), but an older Telethon is writing 5 values. Update Telethon, or convert the file to the schema that version expects."},
	{match: "auth_key_unregistered", text: "Telegram's server (not a format problem): the auth key is not, or no longer, registered: the session was logged out, revoked, or never finished logging in. No conversion can revive it."},
	{match: "auth_key_duplicated", text: "Telegram's server (not a format problem): the same auth key was used from two places at once (two processes, or a local and a deployed copy); Telegram then invalidates it. Use one session per running client."},
}

func explainMtcuteVersion(m string) string {
	const base = "mtcute's readStringSession: the first decoded byte is not 3, so this is not an mtcute v3 string."
	i := strings.Index(m, "version = ")
	v := strings.TrimRight(m[i+len("version = "):], ") .\n")
	switch n, err := strconv.Atoi(v); {
	case v == "undefined":
		return base + " The string is empty."
	case err != nil:
		return base
	case n >= 212 && n <= 215:
		return base + " A first byte of 212–215 is the '1' prefix decoded as base64: this is a Telethon or GramJS string; convert it with tgsession (or @mtcute/convert)."
	case n == 1 || n == 2:
		return base + " It is either a Pyrogram string for DC " + v + " or an mtcute v1/v2 string from mtcute 0.18 or older, which mtcute 0.19+ no longer reads."
	case n >= 3 && n <= 5:
		return base + " It is most likely a Pyrogram string for DC " + v + "."
	}
	return base + " It is another library's string, or damaged."
}
