package codec

// STUB FILE: replaced by mtcute.go and gotd.go. Delete this file when done.

// ParseMtcute decodes an mtcute v3 string session.
func ParseMtcute(text string) (*Session, error) { return nil, errNotImplemented }

// EncodeMtcute encodes s as an mtcute v3 string session.
func (s *Session) EncodeMtcute() (string, error) { return "", errNotImplemented }

// ParseGotd decodes gotd/td session JSON.
func ParseGotd(text string) (*Session, error) { return nil, errNotImplemented }

// EncodeGotd encodes s as gotd/td session JSON.
func (s *Session) EncodeGotd() (string, error) { return "", errNotImplemented }
