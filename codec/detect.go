package codec

import (
	"errors"
	"strings"
)

// Detect returns the format of text, from its structure alone: it never
// tries one decoder after another and never guesses
// (docs/formats.md#detection, #length-collision).
//
// After the surrounding whitespace and quotes are removed (as every decoder
// does), text starting with '{' is [Gotd] JSON. Text starting with '1' is
// a [Telethon] or [GramJS] string, told apart by the decoded payload: 263
// or 275 bytes is Telethon's layout, and a payload whose second and third
// bytes are a length that accounts for every byte with an address that is
// an IP literal or host name is GramJS's. The two meet at 275 bytes (a
// GramJS string for a 14-character IPv4 address is as long as a Telethon
// IPv6 string), where the GramJS reading wins if the Telethon reading's
// address is in ::/8, which no Telethon session holds; if both readings were
// plausible, Detect would return an [*AmbiguousError] naming both (with
// the layouts as they are, no text does). Other text is base64: 263 or 267
// bytes is [PyrogramLegacy], 271 bytes [Pyrogram], and a first byte of 3
// [Mtcute] (whose TL structure is then checked completely), and a
// canonical run-length encoding of a TL string DC id and a 256-byte key
// [Mtkruto] (docs/formats.md#mtkruto-string; such a payload of 271 bytes
// that is also a valid Pyrogram 2.x one, about one dc-key layout string
// in 30,000, is an [*AmbiguousError]). A Pyrogram
// string for DC 212–215 (ids no Telegram DC has) also starts with '1'; it
// is detected as Pyrogram only when it is neither a Telethon nor a GramJS
// string.
//
// If Detect returns a format f, [DecodeAs](f, text) either succeeds or
// fails on a field value (DC id 0, port 0, a zero key, a bad bool byte);
// it never decodes the wrong layout. Otherwise Detect returns a
// [*ParseError] wrapping [ErrUnknownFormat], [ErrBadLength],
// [ErrUnsupportedVersion] or a text error from normalization and base64
// decoding, or an [*AmbiguousError].
func Detect(text string) (Format, error) {
	var buf [maxStringPayload + 2]byte // longer payloads take the checked path
	if f, b, ok := detectFast(text, buf[:0]); ok {
		clear(b)
		return f, nil
	}
	return detectChecked(text)
}

// detectFast decides the format of well-formed text (see fastDecode) that
// has exactly one candidate, from the payload it decodes into buf, which it
// returns for the caller to use and clear. It returns false for any other
// text, which detectChecked then judges; for the texts it accepts,
// detectChecked returns the same format.
func detectFast(text string, buf []byte) (Format, []byte, bool) {
	if len(text) == 0 {
		return FormatUnknown, nil, false
	}
	if text[0] == '1' {
		b, ok := fastDecode(text, true, maxStringPayload, buf)
		if !ok {
			return FormatUnknown, nil, false
		}
		var cbuf [2]Format
		if cands := prefixedCandidates(b, cbuf[:0]); len(cands) == 1 {
			return cands[0], b, true
		}
		clear(b)
		return FormatUnknown, nil, false
	}
	// Only a Pyrogram length can be decided here: other text (mtcute,
	// MTKruto) is judged by detectChecked without decoding it twice.
	n := len(text)
	for i := 0; i < 2 && n > 0 && text[n-1] == '='; i++ {
		n--
	}
	if pyrogramCandidate(n/4*3+(n%4*6)/8) == FormatUnknown {
		return FormatUnknown, nil, false
	}
	b, ok := fastDecode(text, false, maxAnyPayload, buf)
	if !ok {
		return FormatUnknown, nil, false
	}
	if f := pyrogramCandidate(len(b)); f != FormatUnknown && !isMtkruto(b) {
		return f, b, true
	}
	clear(b)
	return FormatUnknown, nil, false
}

// detectChecked is Detect for any text.
func detectChecked(text string) (Format, error) {
	// gotd session JSON may be pretty-printed (gotd's loader accepts any
	// JSON layout), so it is recognised before normalize, which refuses
	// whitespace inside the text; DecodeAs(Gotd) applies its own limits.
	if t := strings.TrimLeft(strings.TrimPrefix(text, "\uFEFF"), " \t\r\n"); strings.HasPrefix(t, "{") {
		if len(text) > MaxInputLen {
			return FormatUnknown, errorf(FormatUnknown, -1, ErrTooLarge, "%d bytes, limit %d", len(text), MaxInputLen)
		}
		return Gotd, nil
	}
	s, err := normalize(text, FormatUnknown)
	if err != nil {
		return FormatUnknown, err
	}
	if s[0] == '{' {
		return Gotd, nil
	}
	var buf [maxStringPayload]byte
	return detect(s, buf[:0])
}

// maxAnyPayload bounds the decoded length of any base64 string session
// (the longest, an mtcute string with two DC blobs and self, is about 400
// bytes), so that Detect never decodes long text.
const maxAnyPayload = 1024

// detect implements Detect on normalized text, decoding into buf.
func detect(s string, buf []byte) (Format, error) {
	var cands []Format
	var cbuf [3]Format
	cands = cbuf[:0]
	var prefixed []byte
	var prefixedErr error

	if s[0] == '1' {
		if err := checkMaxDecoded(s[1:], FormatUnknown, 1, maxStringPayload); err != nil {
			prefixedErr = err
		} else {
			b, _, err := decodeBase64(s[1:], FormatUnknown, 1, buf)
			if err != nil {
				prefixedErr = err
			} else {
				cands = prefixedCandidates(b, cands)
				prefixed = b
			}
		}
		// The '1' may also be the first base64 character of a Pyrogram
		// string for DC 212–215, DC ids that do not exist: that reading
		// counts only when the text is neither a Telethon nor a GramJS
		// string. (Its first decoded byte is 212–215, so it is never an
		// mtcute string.)
		if len(cands) == 0 && len(s) <= (pyrogramLenV2+2)/3*4 {
			var wbuf [pyrogramLenV2 + 3]byte
			if w, _, err := decodeBase64(s, FormatUnknown, 0, wbuf[:0]); err == nil {
				if f := pyrogramCandidate(len(w)); f != FormatUnknown {
					cands = append(cands, f)
				}
				clear(w)
			}
		}
		n := len(prefixed)
		clear(prefixed)
		switch {
		case len(cands) == 1:
			return cands[0], nil
		case len(cands) > 1:
			return FormatUnknown, &AmbiguousError{Candidates: append([]Format(nil), cands...)}
		case prefixedErr != nil:
			return FormatUnknown, prefixedErr
		}
		return FormatUnknown, errorf(FormatUnknown, -1, ErrUnknownFormat,
			"starts with the '1' prefix of Telethon and GramJS strings but decodes to %d bytes: Telethon has %d or %d, and the GramJS address length field does not match",
			n, telethonLenV4, telethonLenV6)
	}

	if err := checkMaxDecoded(s, FormatUnknown, 0, maxAnyPayload); err != nil {
		return FormatUnknown, err
	}
	b, _, err := decodeBase64(s, FormatUnknown, 0, buf)
	if err != nil {
		if verr := otherVersionError(s); verr != nil {
			return FormatUnknown, verr
		}
		return FormatUnknown, err
	}
	defer clear(b)
	kruto := isMtkruto(b)
	if f := pyrogramCandidate(len(b)); f != FormatUnknown {
		if kruto && pyrogramPlausible(f, b) {
			return FormatUnknown, &AmbiguousError{Candidates: []Format{f, Mtkruto}}
		} else if kruto {
			return Mtkruto, nil
		}
		return f, nil
	}
	if kruto {
		return Mtkruto, nil
	}
	if len(b) > 0 && b[0] == mtcuteVersion {
		sess, err := decodeMtcutePayload(b)
		if err == nil {
			sess.Wipe()
			return Mtcute, nil
		}
		if errors.Is(err, ErrBadField) || errors.Is(err, ErrZeroKey) {
			return Mtcute, nil
		}
		return FormatUnknown, err
	}
	if verr := otherVersionError(s); verr != nil {
		return FormatUnknown, verr
	}
	return FormatUnknown, errorf(FormatUnknown, -1, ErrUnknownFormat,
		"%d characters decode to %d bytes: Pyrogram has %d, %d or %d, mtcute starts with byte 3, MTKruto with a TL string DC id, Telethon and GramJS with the character '1'",
		len(s), len(b), pyrogramLenOld32, pyrogramLenOld64, pyrogramLenV2)
}

// prefixedCandidates appends the formats whose layout fits b, the payload
// after a '1' prefix.
func prefixedCandidates(b []byte, cands []Format) []Format {
	gramjs := gramjsStructureValid(b)
	if len(b) == telethonLenV4 || len(b) == telethonLenV6 {
		telethon := plausibleIP(ipFromPacked(b[1 : len(b)-2-AuthKeySize]))
		switch {
		case gramjs && telethon:
			return append(cands, Telethon, GramJS)
		case gramjs:
			return append(cands, GramJS)
		default:
			// Telethon's layout, even with an implausible address:
			// DecodeAs(Telethon) then reports the bad field.
			return append(cands, Telethon)
		}
	}
	if gramjs {
		return append(cands, GramJS)
	}
	return cands
}

// pyrogramCandidate returns the Pyrogram format with a payload of n bytes.
func pyrogramCandidate(n int) Format {
	switch n {
	case pyrogramLenOld32, pyrogramLenOld64:
		return PyrogramLegacy
	case pyrogramLenV2:
		return Pyrogram
	}
	return FormatUnknown
}

// otherVersionError returns an ErrUnsupportedVersion error for text that is
// a Telethon or GramJS string but for a version digit other than '1'.
func otherVersionError(s string) error {
	c := s[0]
	if c < '0' || c > '9' || c == '1' || len(s) > (maxStringPayload+2)/3*4+1 {
		return nil
	}
	var buf [maxStringPayload]byte
	b, _, err := decodeBase64(s[1:], FormatUnknown, 1, buf[:0])
	if err != nil {
		return nil
	}
	defer clear(b)
	var tmp [2]Format
	if len(prefixedCandidates(b, tmp[:0])) == 0 {
		return nil
	}
	return errorf(FormatUnknown, 0, ErrUnsupportedVersion, "a Telethon or GramJS string with version prefix %c (only version 1 exists)", c)
}

// isMtkruto reports whether b, a base64-decoded payload, has the complete
// structure of an MTKruto auth string (its field values may still be
// invalid). It starts with a TL string of a DC id, so its second byte is a
// digit: no Pyrogram string for a real api_id or test-mode byte has one.
func isMtkruto(b []byte) bool {
	if len(b) < 2 || b[0] == 0 || b[0] > 10 || b[1] < '0' || b[1] > '9' {
		return false
	}
	var m mtkrutoStream
	defer m.wipe()
	return mtkrutoStructure(b, &m) == nil
}

// pyrogramPlausible reports whether b, of a Pyrogram length, decodes as
// Pyrogram format f with valid fields.
func pyrogramPlausible(f Format, b []byte) bool {
	var s *Session
	var err error
	if f == Pyrogram {
		s, err = pyrogramFromPayload(b)
	} else {
		s, err = pyrogramLegacyFromPayload(b)
	}
	if err != nil {
		return false
	}
	s.Wipe()
	return true
}
