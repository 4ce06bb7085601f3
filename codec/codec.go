package codec

// MaxInputLen is the longest text, in bytes, that the decoders look at.
// Longer input is refused with [ErrTooLarge] before any decoding. The
// longest real session (gotd JSON with a full DC list) is a few KiB.
const MaxInputLen = 64 << 10

// Decode detects the format of text (see [Detect]) and decodes it.
func Decode(text string) (*Session, error) {
	// Well-formed text is decoded once: the payload Detect judged is the
	// one DecodeAs would decode (same text checks, same bytes).
	var buf [maxStringPayload + 2]byte // longer payloads take the checked path
	if f, b, ok := detectFast(text, buf[:0]); ok {
		var sess *Session
		var err error
		switch f {
		case Telethon:
			sess, err = telethonFromPayload(b)
		case GramJS:
			sess, err = gramjsFromPayload(b)
		case Pyrogram:
			sess, err = pyrogramFromPayload(b)
		case PyrogramLegacy:
			sess, err = pyrogramLegacyFromPayload(b)
		default:
			clear(b)
			return DecodeAs(f, text)
		}
		clear(b)
		return sess, err
	}
	f, err := detectChecked(text)
	if err != nil {
		return nil, err
	}
	return DecodeAs(f, text)
}

// DecodeAs decodes text as format f, without detection. PyrogramLegacy and
// Pyrogram are distinct: each refuses the other's layouts.
func DecodeAs(f Format, text string) (*Session, error) {
	switch f {
	case Mtkruto:
		return parseMtkruto(text)
	case Telethon:
		return parseTelethon(text)
	case Pyrogram:
		return parsePyrogram(text)
	case PyrogramLegacy:
		return parsePyrogramLegacy(text)
	case GramJS:
		return parseGramJS(text)
	case Mtcute:
		return parseMtcute(text)
	case Gotd:
		return parseGotd(text)
	}
	return nil, errorf(FormatUnknown, -1, ErrUnknownFormat, "")
}

// Encode encodes s in format f. See the per-format Encode methods for what
// each one requires.
func (s *Session) Encode(f Format) (string, error) {
	switch f {
	case Telethon:
		return s.EncodeTelethon()
	case Pyrogram:
		return s.EncodePyrogram()
	case PyrogramLegacy:
		return s.EncodePyrogramLegacy()
	case GramJS:
		return s.EncodeGramJS()
	case Mtcute:
		return s.EncodeMtcute()
	case Gotd:
		return s.EncodeGotd()
	case Mtkruto:
		return s.encodeMtkruto()
	}
	return "", errorf(FormatUnknown, -1, ErrUnknownFormat, "")
}
