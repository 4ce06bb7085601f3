package diagnose

import (
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Python's and Node.js's base64 decoders and string lengths, as the
// simulated libraries use them.

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
