// Package codec decodes and encodes Telegram client string sessions byte for
// byte as the libraries that made them do: Telethon StringSession (IPv4 and
// IPv6), Pyrogram (2.x and forks, and the old 32-bit and 64-bit layouts),
// GramJS StringSession, mtcute v3 string sessions and gotd/td session JSON.
//
// The layouts are specified in the project's format reference,
// docs/formats.md (one anchor per format, e.g. docs/formats.md#telethon-string),
// which cites the upstream source of each one; every parser in this package
// repeats the relevant table next to its code.
//
// # Model
//
// A [Session] holds every field any format carries. A field a format does not
// carry is unknown, never zero: [Optional] tells the two apart, and an empty
// ServerAddress or a zero Port means "not known". The 256-byte MTProto auth key
// is an [AuthKey], which never prints itself and exposes only its public
// fingerprint, the auth_key_id, unless [AuthKey.Reveal] is called.
//
// # Decoding
//
// [Decode] trims surrounding whitespace and one pair of surrounding quotes,
// accepts either base64 alphabet with or without padding, and dispatches on
// structure: the '1' version prefix, the decoded byte length and the fields
// themselves. It never tries decoders one after another. Text that fits two
// formats is refused with an [*AmbiguousError] naming the candidates; [Detect]
// reports the format without returning the session, and the subpackage
// codec/diagnose explains text that fails, naming the library it most likely
// came from.
//
// # Security
//
// No error returned by this package contains the input text or key bytes:
// errors report formats, lengths and offsets only. This package imports the
// standard library only.
package codec
