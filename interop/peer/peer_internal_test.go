package peer

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	key := strings.Repeat("ab", 40)
	for in, want := range map[string]string{
		"binascii.Error: Incorrect padding":                   "binascii.Error: Incorrect padding",
		"struct.error: unpack requires a buffer of 275 bytes": "struct.error: unpack requires a buffer of 275 bytes",
		"Error: bad key " + key + " here":                     "Error: bad key [80 chars redacted] here",
		"last read \x01\xff" + key:                            "last read ??[80 chars redacted]",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%d-byte input) = %q, want %q", len(in), got, want)
		}
	}
	e := &Error{Peer: "node", Op: "x", Msg: "Error: " + key}
	if strings.Contains(e.Error(), key) {
		t.Error("Error() leaks a long hex run")
	}
}
