package codec

import (
	"encoding/binary"
	"strings"
)

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

// b64dec maps a base64 data character of either alphabet to its 6-bit
// value, with decURL set for '-' and '_' and decStd for '+' and '/'; every
// other byte (whitespace, control, non-ASCII, '=', quotes) maps to decBad,
// which has both flags. The OR of the entries of a text therefore has both
// flags exactly when the text holds a bad character or mixes the two
// alphabets, so one pass both decodes and validates.
var b64dec = func() (t [256]byte) {
	for i := range t {
		switch v := b64val[i]; {
		case v == 0xff:
			t[i] = decBad
		case i == '-' || i == '_':
			t[i] = v | decURL
		case i == '+' || i == '/':
			t[i] = v | decStd
		default:
			t[i] = v
		}
	}
	return t
}()

const (
	decURL = 0x40
	decStd = 0x80
	decBad = decURL | decStd
)

// fastDecode is the path taken by well-formed text: when text needs no
// normalisation (no surrounding whitespace, quotes or BOM), starts with the
// '1' version prefix if prefixed, and the rest is canonical base64 of one
// alphabet, correctly padded or unpadded, decoding to at most max bytes, it
// decodes it into dst (which needs max+2 bytes of capacity) in one pass and
// returns the bytes and true. It returns false for any other text, which
// the caller then passes through normalize, the checks and decodeBase64,
// in that order, for the exact error; for text it accepts those return
// exactly the bytes it returns.
func fastDecode(text string, prefixed bool, max int, dst []byte) ([]byte, bool) {
	s := text
	if prefixed {
		if len(s) == 0 || s[0] != '1' {
			return nil, false
		}
		s = s[1:]
	} else if len(s) == 0 {
		return nil, false
	}
	n := len(s)
	if n > 0 && s[n-1] == '=' {
		n--
		if n > 0 && s[n-1] == '=' {
			n--
		}
		if (len(s))%4 != 0 {
			return nil, false
		}
	}
	if n%4 == 1 || n > (max*4+2)/3 {
		return nil, false
	}
	need := n/4*3 + (n%4*6)/8
	if cap(dst) < need+2 {
		return nil, false
	}
	out := dst[:need+2]
	var acc byte
	j := 0
	i := 0
	for ; i+8 <= n; i += 8 {
		c := s[i : i+8]
		a0, a1, a2, a3 := b64dec[c[0]], b64dec[c[1]], b64dec[c[2]], b64dec[c[3]]
		a4, a5, a6, a7 := b64dec[c[4]], b64dec[c[5]], b64dec[c[6]], b64dec[c[7]]
		acc |= a0 | a1 | a2 | a3 | a4 | a5 | a6 | a7
		v := uint64(a0&0x3f)<<58 | uint64(a1&0x3f)<<52 | uint64(a2&0x3f)<<46 | uint64(a3&0x3f)<<40 |
			uint64(a4&0x3f)<<34 | uint64(a5&0x3f)<<28 | uint64(a6&0x3f)<<22 | uint64(a7&0x3f)<<16
		if j+8 > len(out) {
			clear(out)
			return nil, false
		}
		binary.BigEndian.PutUint64(out[j:], v)
		j += 6
	}
	for ; i+4 <= n; i += 4 {
		c := s[i : i+4]
		a0, a1, a2, a3 := b64dec[c[0]], b64dec[c[1]], b64dec[c[2]], b64dec[c[3]]
		acc |= a0 | a1 | a2 | a3
		v := uint32(a0&0x3f)<<18 | uint32(a1&0x3f)<<12 | uint32(a2&0x3f)<<6 | uint32(a3&0x3f)
		o := out[j : j+3 : j+3]
		o[0], o[1], o[2] = byte(v>>16), byte(v>>8), byte(v)
		j += 3
	}
	switch n - i {
	case 2:
		a0, a1 := b64dec[s[i]], b64dec[s[i+1]]
		acc |= a0 | a1
		if a1&0x0f != 0 {
			clear(out)
			return nil, false
		}
		out[j] = (a0&0x3f)<<2 | (a1&0x3f)>>4
	case 3:
		a0, a1, a2 := b64dec[s[i]], b64dec[s[i+1]], b64dec[s[i+2]]
		acc |= a0 | a1 | a2
		if a2&0x03 != 0 {
			clear(out)
			return nil, false
		}
		v := uint32(a0&0x3f)<<18 | uint32(a1&0x3f)<<12 | uint32(a2&0x3f)<<6
		out[j], out[j+1] = byte(v>>16), byte(v>>8)
	}
	if acc&decBad == decBad {
		clear(out)
		return nil, false
	}
	out[need], out[need+1] = 0, 0 // the 8-byte stores' overrun
	return out[:need], true
}

// decodeText decodes a base64 string session of format f, with the '1'
// version prefix if prefixed, to at most max bytes, into dst (which needs
// max+2 bytes of capacity): the fast path, then for any text it refuses,
// normalize, the version prefix check, checkMaxDecoded and decodeBase64, in
// that order.
func decodeText(text string, f Format, prefixed bool, max int, dst []byte) ([]byte, error) {
	if b, ok := fastDecode(text, prefixed, max, dst); ok {
		return b, nil
	}
	s, err := normalize(text, f)
	if err != nil {
		return nil, err
	}
	base := 0
	if prefixed {
		if err := checkVersionPrefix(s, f); err != nil {
			return nil, err
		}
		base = 1
	}
	if err := checkMaxDecoded(s[base:], f, base, max); err != nil {
		return nil, err
	}
	b, _, err := decodeBase64(s[base:], f, base, dst[:0])
	return b, err
}
