package codec

// STUB FILE: replaced by the real implementations (telethon.go, pyrogram.go,
// gramjs.go, detect.go, diagnose.go, changes.go). Delete this file when done.

import "errors"

var errNotImplemented = errors.New("not implemented yet")

// ParseTelethon decodes a Telethon StringSession.
func ParseTelethon(text string) (*Session, error) { return nil, errNotImplemented }

// EncodeTelethon encodes s as a Telethon StringSession.
func (s *Session) EncodeTelethon() (string, error) { return "", errNotImplemented }

// ParsePyrogram decodes a Pyrogram 2.x string session.
func ParsePyrogram(text string) (*Session, error) { return nil, errNotImplemented }

// EncodePyrogram encodes s as a Pyrogram 2.x string session.
func (s *Session) EncodePyrogram() (string, error) { return "", errNotImplemented }

// ParsePyrogramLegacy decodes a pre-2.0 Pyrogram string session.
func ParsePyrogramLegacy(text string) (*Session, error) { return nil, errNotImplemented }

// EncodePyrogramLegacy encodes s as a pre-2.0 Pyrogram string session.
func (s *Session) EncodePyrogramLegacy() (string, error) { return "", errNotImplemented }

// ParseGramJS decodes a GramJS StringSession.
func ParseGramJS(text string) (*Session, error) { return nil, errNotImplemented }

// EncodeGramJS encodes s as a GramJS StringSession.
func (s *Session) EncodeGramJS() (string, error) { return "", errNotImplemented }

// Detect returns the format of text.
func Detect(text string) (Format, error) { return FormatUnknown, errNotImplemented }
