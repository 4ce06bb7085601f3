package codec

import "strings"

// normalize prepares pasted text for decoding, as users paste it into env
// vars and .env files: it refuses input longer than MaxInputLen, trims
// surrounding whitespace (space, tab, CR, LF, and a UTF-8 BOM), then one pair
// of matching surrounding quotes (" or ') and whitespace inside them. Any
// remaining whitespace, control character, NUL or non-ASCII byte is refused
// with ErrBadCharacter at its offset: such bytes are silently skipped by
// Python's and Go's base64 decoders, which makes the result depend on the
// decoder, so they are never accepted.
//
// f is used only to label errors.
func normalize(text string, f Format) (string, error) {
	if len(text) > MaxInputLen {
		return "", errorf(f, -1, ErrTooLarge, "%d bytes, limit %d", len(text), MaxInputLen)
	}
	s := strings.TrimPrefix(text, "\uFEFF")
	s = strings.Trim(s, " \t\r\n")
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = strings.Trim(s[1:len(s)-1], " \t\r\n")
	}
	if s == "" {
		return "", errorf(f, -1, ErrEmpty, "")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return "", errorf(f, i, ErrBadCharacter, "%s", describeByte(c))
		}
	}
	return s, nil
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

// Alphabet records which base64 alphabet and padding a text used, so that
// diagnostics can say how it differs from what a library writes.
type alphabet struct {
	url    bool // '-' or '_' seen
	std    bool // '+' or '/' seen
	padded bool // '=' padding present
}

// decodeBase64 decodes s, which must already be normalized, appending the
// bytes to dst[:0] (pass a stack buffer with enough capacity to avoid a heap
// copy of the key; the caller clears it). It accepts the standard and the
// URL-safe alphabet (but not a mix of both in one text), with or without
// correct '=' padding, and refuses non-canonical encodings (non-zero trailing
// bits), padding anywhere but the end, or a length that no base64 text can
// have. Offsets in errors are relative to s plus base, the number of
// characters that preceded s in the normalized text.
func decodeBase64(s string, f Format, base int, dst []byte) ([]byte, alphabet, error) {
	var a alphabet
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	pad := len(s) - n
	a.padded = pad > 0
	// One branch-free pass classifies the text; a second one, only for
	// bad text, finds the offending character.
	var class byte
	for i := 0; i < n; i++ {
		class |= b64class[s[i]]
	}
	a.url, a.std = class&classURL != 0, class&classStd != 0
	if class&classBad != 0 {
		for i := 0; i < n; i++ {
			switch c := s[i]; {
			case c == '=':
				return nil, a, errorf(f, base+i, ErrBadPadding, "'=' before the end")
			case b64class[c]&classBad != 0:
				return nil, a, errorf(f, base+i, ErrBadCharacter, "not a base64 character")
			}
		}
	}
	if a.url && a.std {
		return nil, a, errorf(f, -1, ErrBadCharacter, "mixes the standard and URL-safe base64 alphabets")
	}
	if n%4 == 1 {
		return nil, a, errorf(f, -1, ErrBadLength, "%d base64 characters is not a valid base64 length", n)
	}
	if pad > 2 || (pad > 0 && (n+pad)%4 != 0) {
		return nil, a, errorf(f, base+n, ErrBadPadding, "wrong amount of '=' padding")
	}
	out := dst[:0]
	if need := n/4*3 + (n%4*6)/8; cap(out) < need {
		out = make([]byte, 0, need)
	}
	i := 0
	for ; i+4 <= n; i += 4 {
		v := uint32(b64val[s[i]])<<18 | uint32(b64val[s[i+1]])<<12 | uint32(b64val[s[i+2]])<<6 | uint32(b64val[s[i+3]])
		out = append(out, byte(v>>16), byte(v>>8), byte(v))
	}
	switch n - i {
	case 2:
		v := uint32(b64val[s[i]])<<18 | uint32(b64val[s[i+1]])<<12
		if v&0xffff != 0 {
			return nil, a, errorf(f, base+n-1, ErrBadPadding, "non-canonical base64 (trailing bits set)")
		}
		out = append(out, byte(v>>16))
	case 3:
		v := uint32(b64val[s[i]])<<18 | uint32(b64val[s[i+1]])<<12 | uint32(b64val[s[i+2]])<<6
		if v&0xff != 0 {
			return nil, a, errorf(f, base+n-1, ErrBadPadding, "non-canonical base64 (trailing bits set)")
		}
		out = append(out, byte(v>>16), byte(v>>8))
	}
	return out, a, nil
}

// b64class flags each byte: classURL for '-' and '_', classStd for '+'
// and '/', classBad for anything that is not a base64 data character
// (including '=').
var b64class = func() (t [256]byte) {
	for i := range t {
		if b64val[i] == 0xff {
			t[i] = classBad
		}
	}
	t['-'], t['_'] = classURL, classURL
	t['+'], t['/'] = classStd, classStd
	return t
}()

const (
	classURL = 1 << iota
	classStd
	classBad
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
