package diagnose

import (
	"strconv"
	"strings"
)

// LibraryError explains an error message that a Telegram library
// printed for a session (paste the message, not the session): which library
// raises it, and what input causes it. It reports false for a message it
// does not recognise.
func LibraryError(msg string) (string, bool) {
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
