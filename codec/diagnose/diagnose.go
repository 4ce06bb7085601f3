// Package diagnose explains session text that fails to load, and the error
// messages Telegram libraries print for such text, without revealing it.
//
// [Text] says which library most likely wrote a text, why [codec.Decode]
// refuses it, and what Telethon, Pyrogram 2.x and 1.x, GramJS, mtcute and
// gotd would each do with it, simulated from their sources (the layouts and
// the libraries' readers are described in docs/formats.md). [LibraryError]
// explains a message such as "struct.error: unpack requires a buffer of 271
// bytes". Every string these functions return is built from lengths,
// offsets, format names and non-secret session fields, never from the text
// or key bytes.
//
// The package imports the standard library and codec only. The layout
// facts it needs (payload lengths, the strict base64 rules) are restated in
// layout.go from docs/formats.md rather than shared through codec's
// exported API, which stays small.
package diagnose

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// Diagnosis explains what a session text is and why it does or does not
// load, without revealing it: every string in a Diagnosis is built from
// lengths, offsets, format names and non-secret session fields (DC id,
// address, port, user id), never from the text or key bytes.
type Diagnosis struct {
	// Format is the format [codec.Decode] found or, when decoding fails, the
	// format the text most likely is (FormatUnknown if none fits).
	Format codec.Format
	// Library names the library that most likely wrote the text.
	Library string
	// Decodes reports whether [codec.Decode] accepts the text.
	Decodes bool
	// Err is the error [codec.Decode] returned, nil if Decodes.
	Err error
	// Findings are observations about the text: what was trimmed, its
	// lengths, alphabet and padding compared with what the library
	// writes, and notable field values.
	Findings []string
	// Peers says what each real library would do with the text exactly
	// as given (not trimmed).
	Peers []PeerResult
}

// Text examines text, which failed to load somewhere (or may), and
// explains it: which library most likely wrote it, the error [codec.Decode]
// returns, observations about the text, and what Telethon, Pyrogram 2.x and
// 1.x, GramJS, mtcute and gotd would each do with it, simulated exactly from
// their sources (docs/formats.md): for example, that a Telethon string given to
// Pyrogram 2 raises "struct.error: unpack requires a buffer of 271 bytes",
// or that Telethon reads a GramJS string for a 14-character address with a
// garbled IPv6 address. The simulation of Python's and Node.js's base64
// decoders is exact for ASCII text; for text with non-ASCII characters it
// is approximate.
//
// Text never returns nil.
func Text(text string) *Diagnosis {
	d := &Diagnosis{}
	if len(text) > codec.MaxInputLen {
		_, d.Err = codec.Decode(text) // refused with ErrTooLarge before any decoding
		d.Library = "none"
		d.Findings = []string{fmt.Sprintf("the input is %d bytes, far longer than any session string (a few hundred characters) or gotd session file (a few KiB); it was not examined", len(text))}
		return d
	}
	body := trimFindings(text, d)
	if body == "" {
		_, d.Err = codec.Decode(text) // refused with ErrEmpty
		d.Library = "none"
		d.Findings = append(d.Findings, "the text is empty: Telethon and GramJS treat an empty string as a new session without a key, Pyrogram starts a new login")
		d.Peers = simulatePeers(text, peerView{})
		return d
	}

	var view peerView
	sess, err := codec.Decode(text)
	if err == nil {
		d.Decodes = true
		d.Format = sess.Source
		view = newPeerView(sess)
		sessionFindings(sess, d)
		sess.Wipe()
	} else {
		d.Err = err
		var amb *codec.AmbiguousError
		if f, derr := codec.Detect(text); derr == nil {
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
func guessFormat(s string) codec.Format {
	if s == "" {
		return codec.FormatUnknown
	}
	if s[0] == '{' {
		return codec.Gotd
	}
	chars, url, std := base64Shape(s)
	if s[0] == '1' {
		rest := chars - 1
		switch {
		case std && !url:
			return codec.GramJS
		case url:
			return codec.Telethon
		case rest >= 350 && rest <= 354 || rest >= 366 && rest <= 370:
			return codec.Telethon
		case looksGramJS(s[1:]):
			return codec.GramJS
		}
		return codec.Telethon
	}
	if strings.HasPrefix(s, "Aw") {
		return codec.Mtcute
	}
	// An MTKruto payload starts with the TL string "1"…"5" (01 31…35: "AT")
	// or "1-test"…"3-test" (06 31…33 2d: "BjEt", "BjIt", "BjMt"), which no
	// Pyrogram string for a real api_id does (docs/formats.md#mtkruto-string).
	for _, p := range []string{"AT", "BjEt", "BjIt", "BjMt"} {
		if strings.HasPrefix(s, p) {
			return codec.Mtkruto
		}
	}
	switch n := chars * 3 / 4; {
	case n >= 261 && n <= 265:
		return codec.PyrogramLegacy
	case n >= 266 && n <= 268:
		return codec.PyrogramLegacy
	case n >= 269 && n <= 273:
		return codec.Pyrogram
	case n >= 276 && n <= 400:
		return codec.Mtcute
	}
	return codec.FormatUnknown
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
	if len(body) <= (maxStringPayload+2)/3*4 {
		if b, ok := strictBase64(body); ok {
			add("the base64 decodes to %d bytes%s", len(b), lengthHint(len(b), prefixed))
			if prefixed && len(b) >= 3 && d.Format == codec.GramJS {
				if l := int(binary.BigEndian.Uint16(b[1:])); l > 0 && l < len(b) && len(b) != telethonLenV4 && len(b) != telethonLenV6 && !gramjsLayout(b) {
					add("read as GramJS, the address length field says %d bytes, which needs %d decoded bytes", l, 1+2+l+2+codec.AuthKeySize)
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
func sessionFindings(s *codec.Session, d *Diagnosis) {
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
	if s.Source == codec.GramJS && s.Port > 0x7fff {
		add("port %d is above 32767: GramJS itself reads it as %d (a signed 16-bit integer) and cannot save it", s.Port, int(s.Port)-0x10000)
	}
	if s.Source == codec.GramJS && len(s.ServerAddress) == 14 {
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
