// Package check validates the session fields every store reads, with
// errors that wrap the stores sentinels and never quote the value.
package check

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/stores"
)

// Key copies b into an AuthKey. A key of the wrong length or an all-zero
// key is refused with an error that wraps [stores.ErrBadValue] and codec's
// [codec.ErrBadKey] or [codec.ErrZeroKey]; it names the length only. An
// empty key is [stores.ErrNotFound]: the libraries write one while a
// session has no key yet. field names the column or field.
func Key(field string, b []byte) (codec.AuthKey, error) {
	if len(b) == 0 {
		return codec.AuthKey{}, fmt.Errorf("%s is empty (a fresh or logged-out session): %w", field, stores.ErrNotFound)
	}
	k, err := codec.NewAuthKey(b)
	switch {
	case err == nil:
		return k, nil
	case errors.Is(err, codec.ErrZeroKey):
		return k, fmt.Errorf("%s is all zeros: %w: %w", field, stores.ErrBadValue, codec.ErrZeroKey)
	default:
		return k, fmt.Errorf("%s is %d bytes, not %d: %w: %w", field, len(b), codec.AuthKeySize, stores.ErrBadValue, codec.ErrBadKey)
	}
}

// DC checks a DC id.
func DC(field string, v int64) (int, error) {
	if v <= 0 || v > 0xffff {
		return 0, fmt.Errorf("%s %d out of range: %w", field, v, stores.ErrBadValue)
	}
	return int(v), nil
}

// Port checks a port; 0 means none stored.
func Port(field string, v int64) (uint16, error) {
	if v < 0 || v > 0xffff {
		return 0, fmt.Errorf("%s %d out of range: %w", field, v, stores.ErrBadValue)
	}
	return uint16(v), nil
}

// Address checks a server address: empty, an IP literal or a host name.
func Address(field, addr string) error {
	if addr == "" {
		return nil
	}
	if _, err := netip.ParseAddr(addr); err == nil {
		return nil
	}
	if hostname(addr) {
		return nil
	}
	return fmt.Errorf("%s (%d bytes) is neither an IP address nor a host name: %w", field, len(addr), stores.ErrBadValue)
}

func hostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Text checks a stored text value: valid UTF-8 without NUL, at most max
// bytes.
func Text(field, s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%s is %d bytes (at most %d): %w", field, len(s), max, stores.ErrTooLarge)
	}
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("%s is not valid text: %w", field, stores.ErrBadValue)
	}
	return nil
}

// Name checks a session name: non-empty, valid UTF-8 without control
// characters, at most [stores.MaxNameLen] bytes.
func Name(name string) error {
	if name == "" {
		return fmt.Errorf("empty session name: %w", stores.ErrBadName)
	}
	if len(name) > stores.MaxNameLen {
		return fmt.Errorf("session name is %d bytes (at most %d): %w", len(name), stores.MaxNameLen, stores.ErrBadName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("session name is not valid UTF-8: %w", stores.ErrBadName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("session name holds a control character: %w", stores.ErrBadName)
		}
	}
	return nil
}

// Phone checks a phone number: digits only (a leading '+' is dropped),
// at most 32 of them. It returns the digits.
func Phone(field, s string) (string, error) {
	s = strings.TrimPrefix(s, "+")
	if s == "" || len(s) > 32 {
		return "", fmt.Errorf("%s is %d characters: %w", field, len(s), stores.ErrBadValue)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", fmt.Errorf("%s is not a phone number: %w", field, stores.ErrBadValue)
		}
	}
	return s, nil
}

// Budget counts the bytes read for one session against
// [stores.MaxTotalSize].
type Budget struct{ used int }

// Take charges n bytes and fails once the total passes the cap.
func (b *Budget) Take(n int) error {
	b.used += n
	if b.used > stores.MaxTotalSize {
		return fmt.Errorf("values total more than %d bytes: %w", stores.MaxTotalSize, stores.ErrTooLarge)
	}
	return nil
}
