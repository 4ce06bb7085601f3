package codec

import "fmt"

// Format identifies a string-session format. The names returned by
// [Format.String] are the ones the tgsession CLI accepts for --to.
type Format int

const (
	// FormatUnknown is the zero Format.
	FormatUnknown Format = iota
	// Telethon is Telethon's StringSession: '1' + url-safe padded base64 of
	// '>B4sH256s' (IPv4) or '>B16sH256s' (IPv6).
	Telethon
	// Pyrogram is the Pyrogram 2.x string (also kurigram, pyrofork,
	// hydrogram, irenogram): unpadded url-safe base64 of '>BI?256sQ?'.
	Pyrogram
	// PyrogramLegacy is the pre-2.0 Pyrogram string: '>B?256sI?' (Pyrogram
	// ≤ 1.2, and 1.3–1.4 for user ids below 2147483647) or '>B?256sQ?'
	// (1.3–1.4 for larger user ids).
	PyrogramLegacy
	// GramJS is GramJS's StringSession: '1' + padded standard base64 of
	// u8 dc, i16 address length, address text, i16 port, key.
	GramJS
	// Mtcute is the mtcute version 3 string session.
	Mtcute
	// Gotd is the gotd/td session JSON, {"Version":1,"Data":{...}}.
	Gotd
	// Mtkruto is MTKruto's auth string: unpadded url-safe base64 of the
	// run-length-encoded TL string DC and TL bytes key (docs/formats.md).
	// It is not in Formats until the CLI lists it.
	Mtkruto
)

// allFormats lists every concrete format, in a stable order.
var allFormats = [...]Format{Telethon, Pyrogram, PyrogramLegacy, GramJS, Mtcute, Gotd, Mtkruto}

// Formats returns every concrete format, in a stable order. The slice is a
// new copy on each call; changing it changes nothing in this package.
func Formats() []Format {
	out := allFormats
	return out[:]
}

var formatNames = [...]string{
	FormatUnknown:  "unknown",
	Telethon:       "telethon",
	Pyrogram:       "pyrogram",
	PyrogramLegacy: "pyrogram-legacy",
	GramJS:         "gramjs",
	Mtcute:         "mtcute",
	Gotd:           "gotd",
	Mtkruto:        "mtkruto",
}

var formatLibraries = [...]string{
	FormatUnknown:  "unknown",
	Telethon:       "Telethon",
	Pyrogram:       "Pyrogram 2.x (or a fork: kurigram, pyrofork, hydrogram, irenogram)",
	PyrogramLegacy: "Pyrogram 1.x",
	GramJS:         "GramJS",
	Mtcute:         "mtcute",
	Gotd:           "gotd/td",
	Mtkruto:        "MTKruto",
}

// String returns the format's CLI name, e.g. "pyrogram-legacy".
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// Library returns a human-readable name of the library that writes f.
func (f Format) Library() string {
	if f < 0 || int(f) >= len(formatLibraries) {
		return "unknown"
	}
	return formatLibraries[f]
}

// ParseFormat returns the Format named name, as printed by [Format.String].
func ParseFormat(name string) (Format, error) {
	for _, f := range allFormats {
		if f.String() == name {
			return f, nil
		}
	}
	return FormatUnknown, fmt.Errorf("codec: unknown format name (want one of telethon, pyrogram, pyrogram-legacy, gramjs, mtcute, gotd, mtkruto): %w", ErrUnknownFormat)
}

// MarshalText implements encoding.TextMarshaler.
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It accepts the names
// [ParseFormat] accepts and "unknown", which [FormatUnknown] marshals to.
func (f *Format) UnmarshalText(b []byte) error {
	if string(b) == "unknown" {
		*f = FormatUnknown
		return nil
	}
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}
