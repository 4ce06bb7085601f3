package diagnose_test

import (
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec/diagnose"
)

// Text explains why a library refuses a text: here a Telethon string
// with its padding stripped and a trailing newline. tgsession reads it;
// Telethon itself does not, but GramJS does.
func ExampleText() {
	d := diagnose.Text(strings.TrimSuffix(fakeTelethon, "=") + "\n")
	fmt.Println(d.Format, d.Decodes)
	for _, p := range d.Peers {
		fmt.Printf("%s: %s\n", p.Library, p.Result)
	}
	// Output:
	// telethon true
	// Telethon 1.x StringSession: binascii.Error: Incorrect padding
	// Pyrogram 2.x (session_string=): struct.error: unpack requires a buffer of 271 bytes
	// Pyrogram 1.0–1.2 (Client(session_string)): struct.error: unpack requires a buffer of 263 bytes
	// Pyrogram 1.3–1.4 (Client(session_string)): struct.error: unpack requires a buffer of 267 bytes
	// GramJS StringSession: ok: DC 2, address 149.154.167.51, port 443
	// mtcute readStringSession: Error: Invalid session string (version = 212)
	// gotd/td session.TelethonSession: decode hex: illegal base64 data at input byte 349
}

func ExampleLibraryError() {
	msg, ok := diagnose.LibraryError("struct.error: unpack requires a buffer of 271 bytes")
	fmt.Println(ok, strings.HasPrefix(msg, "Python struct.unpack for the Pyrogram 2.x layout"))
	// Output: true true
}
