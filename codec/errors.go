package codec

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package's decoders wraps
// exactly one of them, so callers can branch with [errors.Is], except an
// [*AmbiguousError], which carries data instead. None of the messages
// contain input bytes.
var (
	// ErrEmpty is returned for empty or whitespace-only input.
	ErrEmpty = errors.New("empty input")
	// ErrTooLarge is returned for input longer than [MaxInputLen] bytes,
	// before any decoding is attempted.
	ErrTooLarge = errors.New("input too large")
	// ErrBadCharacter is returned for a character that no accepted encoding
	// allows at that position: whitespace or NUL inside the text, a byte
	// outside both base64 alphabets, or a mix of the two alphabets.
	ErrBadCharacter = errors.New("invalid character")
	// ErrBadPadding is returned for '=' padding in the wrong place or of the
	// wrong amount, or for base64 with non-zero trailing bits.
	ErrBadPadding = errors.New("invalid base64 padding")
	// ErrBadLength is returned when the decoded bytes have a length that no
	// layout of the format has.
	ErrBadLength = errors.New("invalid length")
	// ErrUnsupportedVersion is returned for a version marker this package
	// does not implement (a Telethon prefix other than '1', an mtcute
	// version other than 3, a gotd Version other than 1).
	ErrUnsupportedVersion = errors.New("unsupported version")
	// ErrBadField is returned when a decoded field has an impossible value:
	// DC id 0, port 0, a bool byte other than 0 or 1, an address that is
	// not an IP literal or host name, inconsistent flags.
	ErrBadField = errors.New("invalid field")
	// ErrZeroKey is returned for an all-zero auth key, which Telethon loads
	// as "no session".
	ErrZeroKey = errors.New("auth key is all zeros")
	// ErrBadKey is returned for an auth key that is not 256 bytes long.
	ErrBadKey = errors.New("auth key is not 256 bytes")
	// ErrUnknownFormat is returned when the text matches no format's
	// structure, or a format name is not recognised.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrCannotEncode is returned when a session holds a value the target
	// format cannot represent (a host name for Telethon, a port above 32767
	// for GramJS, a DC id above 255).
	ErrCannotEncode = errors.New("value cannot be encoded")
	// ErrMissingField is returned (inside a [*MissingFieldError]) when the
	// target format needs a value the session does not know.
	ErrMissingField = errors.New("required value missing")
)

// ParseError reports a decoding failure: which format's parser refused the
// text, where, and why. Offset is a byte offset into the trimmed text or,
// after base64 decoding, into the decoded payload (Payload is then true); it
// is -1 when no single offset applies. The error never holds input bytes.
type ParseError struct {
	Format  Format
	Offset  int
	Payload bool
	Err     error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("codec: ")
	if e.Format != FormatUnknown {
		b.WriteString(e.Format.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	if e.Offset >= 0 {
		if e.Payload {
			fmt.Fprintf(&b, " (at decoded byte %d)", e.Offset)
		} else {
			fmt.Fprintf(&b, " (at character %d)", e.Offset)
		}
	}
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// errorf returns a *ParseError for format f at text offset off (-1 for none).
// The message must be built from lengths, offsets and constants only.
func errorf(f Format, off int, sentinel error, format string, args ...any) error {
	var err error
	if format == "" {
		err = sentinel
	} else {
		err = fmt.Errorf(format+": %w", append(args, sentinel)...)
	}
	return &ParseError{Format: f, Offset: off, Err: err}
}

// payloadErrorf is errorf for an offset into the decoded payload.
func payloadErrorf(f Format, off int, sentinel error, format string, args ...any) error {
	err := errorf(f, off, sentinel, format, args...)
	err.(*ParseError).Payload = off >= 0
	return err
}

// AmbiguousError is returned by [Detect] and [Decode] when the text fits
// more than one format; match it with [errors.As]. It is the one error of
// this package that wraps no sentinel: it carries the candidates instead.
type AmbiguousError struct {
	Candidates []Format
}

func (e *AmbiguousError) Error() string {
	names := make([]string, len(e.Candidates))
	for i, f := range e.Candidates {
		names[i] = f.String()
	}
	return "codec: ambiguous format: the text fits " + strings.Join(names, " and ") + "; name the format explicitly"
}

// MissingFieldError is returned by encoders when the target format needs a
// value the session does not hold. Field is the [Session] field name in
// snake case ("user_id", "api_id", "server_address", "port").
type MissingFieldError struct {
	Format Format
	Field  string
}

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("codec: %s: %s is required but not known", e.Format, e.Field)
}

func (e *MissingFieldError) Unwrap() error { return ErrMissingField }

// encodeErrorf returns an error wrapping ErrCannotEncode for format f.
func encodeErrorf(f Format, format string, args ...any) error {
	return fmt.Errorf("codec: %s: "+format+": %w", append([]any{f}, append(args, ErrCannotEncode)...)...)
}
