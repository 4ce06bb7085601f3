package redis

import (
	"strconv"
	"unicode/utf8"
)

// pyJSON builds text exactly as Python's json.dumps(obj) does with its
// defaults (ensure_ascii=True, separators ", " and ": ", no indent), for a
// dict whose values are ints, strings and None, in insertion order.
type pyJSON struct {
	b     []byte
	first bool
}

func newPyJSON(n int) *pyJSON { return &pyJSON{b: append(make([]byte, 0, n), '{'), first: true} }

func (p *pyJSON) key(k string) {
	if !p.first {
		p.b = append(p.b, ", "...)
	}
	p.first = false
	p.b = appendPyString(p.b, k)
	p.b = append(p.b, ": "...)
}

func (p *pyJSON) int(k string, v int64) {
	p.key(k)
	p.b = strconv.AppendInt(p.b, v, 10)
}

func (p *pyJSON) str(k, v string) {
	p.key(k)
	p.b = appendPyString(p.b, v)
}

// strOrNull writes v, or null when v is empty (Telethon's None).
func (p *pyJSON) strOrNull(k, v string) {
	if v == "" {
		p.key(k)
		p.b = append(p.b, "null"...)
		return
	}
	p.str(k, v)
}

func (p *pyJSON) bytes() []byte { return append(p.b, '}') }

// appendPyString appends s as a JSON string the way Python's
// json.encoder.py_encode_basestring_ascii does: '"' and '\\' and the short
// escapes \n \r \t \b \f, every other character outside ' '..'~' as
// \uXXXX in lowercase hex (UTF-16 surrogate pairs above U+FFFF). Invalid
// UTF-8 is written as U+FFFD (Python strings cannot hold it).
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= ' ' && r <= '~':
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = u(b, 0xd800|(r>>10)&0x3ff)
			b = u(b, 0xdc00|r&0x3ff)
		case r == utf8.RuneError:
			b = u(b, 0xfffd)
		default:
			b = u(b, r)
		}
	}
	return append(b, '"')
}
