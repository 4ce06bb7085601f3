package cli

// This file recognises inputs that are not session strings before any
// decoder sees them, so that "tgsession inspect < session.sealed" says
// what the input is and what to do with it instead of "not a base64
// character". It is the one place that the input layer (readText: used by
// inspect, convert, doctor and seal) asks.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
)

// inputKind is what recognize found.
type inputKind int

const (
	kindText   inputKind = iota // text to decode as a session
	kindSQLite                  // an SQLite database: a .session file
	kindOther                   // something else, described by recognition
)

// recognition describes an input that is not a session string.
type recognition struct {
	kind inputKind
	what string // "a tgsession sealed value", "a PNG image", …
	hint string // what to do instead
}

var (
	sqliteMagic  = []byte("SQLite format 3\x00")
	sealedPrefix = "tgsession-age-v1:"
)

// magics are file signatures at offset 0, in the order checked.
var magics = []struct {
	magic string
	what  string
	hint  string
}{
	{"age-encryption.org/", "an age-encrypted file", `open it with "tgsession open" (age -d decrypts it too)`},
	{"-----BEGIN AGE ENCRYPTED FILE-----", "an armored age-encrypted file", `open it with "tgsession open" (age -d decrypts it too)`},
	{"-----BEGIN OPENSSH PRIVATE KEY-----", "an SSH private key", "it is a secret: keep it out of pipes and files you share; tgsession open takes it with -i FILE --ssh"},
	{"-----BEGIN ", "a PEM block (a key or certificate)", "tgsession reads Telegram sessions, not PEM files"},
	{"TDF$", "a Telegram Desktop (tdata) file", "tdata folders are not supported: log in with a library and convert its session"},
	{"\x37\x7f\x06\x82", "an SQLite write-ahead log (a -wal file)", "give the .session file itself; its -wal file is read with it"},
	{"\x37\x7f\x06\x83", "an SQLite write-ahead log (a -wal file)", "give the .session file itself; its -wal file is read with it"},
	{"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7", "an SQLite rollback journal (a -journal file)", "give the .session file itself"},
	{"\x89PNG\r\n\x1a\n", "a PNG image", ""},
	{"\xff\xd8\xff", "a JPEG image", ""},
	{"GIF87a", "a GIF image", ""},
	{"GIF89a", "a GIF image", ""},
	{"%PDF-", "a PDF document", ""},
	{"PK\x03\x04", "a ZIP archive", "extract the session from it first"},
	{"PK\x05\x06", "an empty ZIP archive", ""},
	{"\x1f\x8b", "a gzip-compressed file", "decompress it first (gunzip)"},
	{"BZh", "a bzip2-compressed file", "decompress it first (bunzip2)"},
	{"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first (unxz)"},
	{"\x28\xb5\x2f\xfd", "a zstd-compressed file", "decompress it first (unzstd)"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract the session from it first"},
	{"\x7fELF", "an executable (ELF)", ""},
	{"MZ", "a Windows executable", ""},
	{"\xfe\xed\xfa", "an executable (Mach-O)", ""},
	{"\xcf\xfa\xed\xfe", "an executable (Mach-O)", ""},
	{"\x80\x04\x95", "a Python pickle", "load it in Python and export the session string"},
	{"\xff\xfe", "UTF-16 text", "convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8"},
	{"\xfe\xff", "UTF-16 text", "convert it to UTF-8 first: iconv -f UTF-16 -t UTF-8"},
}

// recognize says what data is, from its first bytes: a session text (to
// decode), an SQLite database, or something else. It never returns any of
// data. Text that codec detects as a session is a session, whatever its
// first bytes look like.
func recognize(data []byte) recognition {
	r := recognizeMagic(data)
	if r.kind == kindOther && utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
		if _, err := codec.Detect(string(data)); err == nil {
			return recognition{kind: kindText}
		}
	}
	return r
}

func recognizeMagic(data []byte) recognition {
	if bytes.HasPrefix(data, sqliteMagic) {
		return recognition{kind: kindSQLite}
	}
	for _, m := range magics {
		if bytes.HasPrefix(data, []byte(m.magic)) {
			return recognition{kind: kindOther, what: m.what, hint: m.hint}
		}
	}
	if len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP" {
		return recognition{kind: kindOther, what: "a WebP image"}
	}
	// Text: look past what the decoder would trim itself.
	t := strings.TrimLeft(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), " \t\r\n\"'")
	upper := strings.ToUpper(t)
	switch {
	case strings.HasPrefix(t, sealedPrefix):
		return recognition{kind: kindOther, what: "a tgsession sealed value", hint: `open it with "tgsession open" (it needs the age identity it was sealed to)`}
	case strings.HasPrefix(upper, "AGE-SECRET-KEY-") || strings.HasPrefix(upper, "AGE-PLUGIN-"):
		return recognition{kind: kindOther, what: "an age identity (a secret key), not a session", hint: "give identities with -i FILE to tgsession open; treat this one as exposed if it went anywhere public"}
	case strings.HasPrefix(t, "# created: ") && strings.Contains(upper, "AGE-SECRET-KEY-"):
		return recognition{kind: kindOther, what: "an age identity file (a secret key), not a session", hint: "give identity files with -i FILE to tgsession open"}
	case isRecipientText(t):
		return recognition{kind: kindOther, what: "an age recipient (a public key), not a session", hint: "recipients are given to tgsession seal with -r or -R FILE"}
	case strings.HasPrefix(t, "ssh-ed25519 ") || strings.HasPrefix(t, "ssh-rsa ") || strings.HasPrefix(t, "ecdsa-sha2-"):
		return recognition{kind: kindOther, what: "an SSH public key, not a session", hint: "SSH recipients are given to tgsession seal with -r and --ssh"}
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return recognition{kind: kindOther, what: "binary data of an unknown kind, not a session string"}
	}
	return recognition{kind: kindText}
}

// isRecipientText reports whether t is one or more age recipients.
func isRecipientText(t string) bool {
	fields := strings.Fields(t)
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		if !isRecipient(f) || len(f) < 40 {
			return false
		}
	}
	return true
}

// afterDecodeFailure looks at text that codec refused for a mistake it
// can name: JSON that is not a gotd session, or a Telethon/GramJS string
// whose leading version character "1" was lost. It returns a hint, or "".
func afterDecodeFailure(text string) string {
	t := strings.Trim(strings.TrimSpace(strings.TrimPrefix(text, "\ufeff")), `"'`)
	if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		if json.Valid([]byte(t)) {
			return `this is JSON, but not a gotd/td session ({"Version":1,"Data":{…}}): if one of its fields holds a session string, pass that string alone`
		}
		return ""
	}
	if t == "" || strings.HasPrefix(t, "1") {
		return ""
	}
	s, err := codec.Decode("1" + t)
	if err != nil {
		return ""
	}
	f := s.Source
	s.Wipe()
	return fmt.Sprintf(`this is a %s string without its leading "1" (the version character): add it back, or check how the string was copied`, f.Library())
}
