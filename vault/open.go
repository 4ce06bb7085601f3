package vault

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
	"unsafe"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/envelope"
	"github.com/tgsession/tgsession/vault/internal/stream"
)

// Form is the outer form of a sealed value.
type Form int

const (
	// FormText is the single-line form for environment variables:
	// [textPrefix] followed by the unpadded base64url encoding of an age
	// file. It contains no whitespace.
	FormText Form = iota + 1
	// FormBinary is a binary age file, as written by age without -a.
	FormBinary
	// FormArmor is an ASCII-armored age file ("-----BEGIN AGE ENCRYPTED
	// FILE-----"), as written by age -a.
	FormArmor
)

var formNames = map[Form]string{FormText: "text", FormBinary: "binary", FormArmor: "armor"}

// String returns "text", "binary" or "armor".
func (f Form) String() string {
	if n, ok := formNames[f]; ok {
		return n
	}
	return fmt.Sprintf("Form(%d)", int(f))
}

const (
	textPrefixBase = "tgsession-age-"
	// textPrefix starts every value in [FormText]. The version in it is the
	// version of the outer form; the envelope inside has its own.
	textPrefix  = "tgsession-age-v1:"
	ageIntro    = "age-encryption.org/"
	ageIntroV1  = "age-encryption.org/v1\n"
	armorHeader = armor.Header
	// maxTextSize is the largest [FormText] value accepted, in bytes,
	// checked before decoding.
	maxTextSize = 16 << 10
	// maxFileSize is the largest binary or armored sealed value accepted,
	// in bytes, checked before decoding: room for a [envelope.MaxSize]
	// payload, armored. Only an envelope with an attachment comes near it.
	maxFileSize = 2 << 20
)

// Open opens a sealed session in any form: [FormText], a binary age file or
// an armored one, with exactly the identities ids (an [*Identities] from
// [KeySearch.Find], or any age identities). It reads no environment
// variable and runs no command: with no identities it fails with a
// [*NoIdentityError]. The age payload may be a tgsession envelope or a
// plain session string (Telethon, Pyrogram, …) that someone encrypted with
// the age CLI; the result's Source is then the string's format (see
// [OpenAs]). A value that is not sealed at all fails with ErrNotSealed.
//
// The auth key is moved from the decrypted buffer straight into memguard
// memory, and the buffer is wiped.
func Open(data []byte, ids ...age.Identity) (*Session, error) {
	return open(data, idConfig(ids))
}

// OpenAs opens data as [Open] does, but decodes a plain session string
// payload as format f instead of detecting it, for strings that fit more
// than one format. A tgsession envelope names its own format.
func OpenAs(data []byte, f codec.Format, ids ...age.Identity) (*Session, error) {
	cfg := idConfig(ids)
	cfg.format = f
	return open(data, cfg)
}

// OpenFile reads the sealed value in the file at path (at most 2 MiB;
// pipes are allowed) and opens it as [Open] does; errors name the path.
func OpenFile(path string, ids ...age.Identity) (*Session, error) {
	return openFile(path, idConfig(ids))
}

func openFile(path string, cfg *config) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errorf(ErrNotFound, "%s: no such file", path)
		}
		return nil, fmt.Errorf("vault: %w", err)
	}
	defer f.Close()
	b, err := readCapped(f, maxFileSize)
	defer clear(b)
	if err != nil {
		return nil, at(path, err)
	}
	s, err := open(b, cfg)
	return s, at(path, err)
}

func open(data []byte, cfg *config) (s *Session, err error) {
	secretDo(func() { s, err = openInner(data, cfg) })
	return s, err
}

func openInner(data []byte, cfg *config) (*Session, error) {
	form, body, err := detectForm(data)
	if err != nil {
		return nil, err
	}
	ids, tried, err := loadIdentities(cfg)
	if err != nil {
		return nil, err
	}
	plain, err := decryptAge(form, body, ids, tried, envelope.MaxSize)
	if err != nil {
		return nil, err
	}
	defer clear(plain[:cap(plain)])
	return sessionFromPlaintext(plain, cfg)
}

// detectForm recognises the outer form of data and returns the bytes to
// give age (the decoded age file for FormText). Sizes are checked first.
func detectForm(data []byte) (Form, []byte, error) {
	if len(data) > maxFileSize {
		return 0, nil, errorf(errTooLarge, "sealed value of %d bytes, limit %d", len(data), maxFileSize)
	}
	switch {
	case len(data) == 0:
		return 0, nil, errorf(ErrNotSealed, "empty value")
	case bytes.HasPrefix(data, []byte(textPrefixBase)):
		bin, err := decodeText(data)
		return FormText, bin, err
	case bytes.HasPrefix(data, []byte(ageIntro)):
		if !bytes.HasPrefix(data, []byte(ageIntroV1)) {
			return 0, nil, errorf(ErrUnsupported, "age file of an unsupported version")
		}
		return FormBinary, data, nil
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armorHeader)):
		return FormArmor, data, nil
	}
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	switch {
	case bytes.HasPrefix(t, []byte("AGE-SECRET-KEY-")), bytes.HasPrefix(t, []byte("AGE-PLUGIN-")):
		return 0, nil, errorf(ErrMalformed, "the value is an age identity (secret key), not a sealed session (are the variables swapped?)")
	case bytes.HasPrefix(t, []byte("age1")):
		return 0, nil, errorf(ErrMalformed, "the value is an age recipient, not a sealed session")
	case bytes.HasPrefix(t, []byte("-----BEGIN")):
		return 0, nil, errorf(ErrMalformed, "the value is a PEM block but not an armored age file")
	}
	if f, err := codec.Detect(unsafe.String(unsafe.SliceData(t), len(t))); err == nil {
		return 0, nil, errorf(ErrNotSealed, "the value looks like a plain %s session string; seal it first ", f)
	}
	return 0, nil, errorf(ErrNotSealed, "the value is not a sealed session (want %s…, an age file or an armored age file)", textPrefix)
}

// decodeText decodes a FormText value: the exact prefix, then unpadded
// base64url with nothing else, except for one final line ending.
func decodeText(data []byte) ([]byte, error) {
	if len(data) > maxTextSize {
		return nil, errorf(errTooLarge, "single-line sealed value of %d bytes, limit %d", len(data), maxTextSize)
	}
	if !bytes.HasPrefix(data, []byte(textPrefix)) {
		rest := data[len(textPrefixBase):]
		if len(rest) > 1 && rest[0] == 'v' {
			i := 1
			for i < len(rest) && i < 10 && '0' <= rest[i] && rest[i] <= '9' {
				i++
			}
			if i > 1 && i < len(rest) && rest[i] == ':' {
				return nil, errorf(ErrUnsupported, "single-line sealed value of an unknown version (this build reads %s)", textPrefix)
			}
		}
		return nil, errorf(ErrMalformed, "single-line sealed value with a malformed prefix")
	}
	body := data[len(textPrefix):]
	if bytes.HasSuffix(body, []byte("\r\n")) {
		body = body[:len(body)-2]
	} else if bytes.HasSuffix(body, []byte("\n")) {
		body = body[:len(body)-1]
	}
	for i, c := range body {
		if !isBase64URL(c) {
			return nil, errorf(ErrMalformed, "single-line sealed value: %s at offset %d", describeByte(c), len(textPrefix)+i)
		}
	}
	bin, err := base64.RawURLEncoding.Strict().DecodeString(string(body))
	if err != nil {
		return nil, errorf(ErrMalformed, "single-line sealed value: invalid base64url (length %d or trailing bits)", len(body))
	}
	return bin, nil
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

func describeByte(c byte) string {
	switch {
	case c == '\n' || c == '\r':
		return "line break"
	case c == ' ' || c == '\t':
		return "whitespace"
	case c == '=':
		return "base64 padding '='"
	case c == '+' || c == '/':
		return "standard-alphabet base64 character"
	case c < 0x20 || c == 0x7f:
		return "control character"
	case c >= 0x80:
		return "non-ASCII byte"
	}
	return "character outside the base64url alphabet"
}

// decryptAge decrypts an age file (armored for FormArmor) and returns its
// payload, at most maxPlain bytes, in a buffer the caller must wipe.
//
// age's public low-level API does the header: ExtractHeader parses it and
// DecryptHeader unwraps the file key with ids and checks the header MAC.
// The payload is decrypted by decryptPayload, straight into a buffer this
// package owns, rather than by age's stream reader, whose internal chunk
// buffers would keep a copy of the plaintext (the auth key) in the heap.
// Only a clean end of the payload counts as success, and nothing is
// returned on any failure. What age still leaves in the heap is key
// material: the identities' secret keys and copies of the file key and
// the header MAC key, none of which this package can wipe.
func decryptAge(form Form, data []byte, ids []age.Identity, tried []string, maxPlain int) ([]byte, error) {
	bin := data
	if form == FormArmor {
		// The ciphertext is not secret: de-armor it into memory. The
		// decoding is shorter than data, which is capped by the caller.
		var err error
		if bin, err = io.ReadAll(armor.NewReader(bytes.NewReader(data))); err != nil {
			return nil, errorf(ErrMalformed, "invalid armor")
		}
	}
	hdr, err := age.ExtractHeader(bytes.NewReader(bin))
	if err != nil {
		return nil, errorf(ErrMalformed, "malformed age header")
	}
	// ExtractHeader returns the header re-marshalled. age's parser accepts
	// only the canonical encoding, so this is the exact prefix of bin; the
	// check makes sure the payload starts where age's own Decrypt would
	// start it.
	if !bytes.HasPrefix(bin, hdr) {
		return nil, errorf(ErrMalformed, "age header is not in canonical form")
	}
	fileKey, err := age.DecryptHeader(hdr, ids...)
	if err != nil {
		return nil, classifyDecrypt(err, tried)
	}
	defer clear(fileKey)
	return stream.DecryptPayload(fileKey, bin[len(hdr):], maxPlain)
}

// knownStanzas are the recipient types named in errors; others are shown as
// "other" so that errors never echo arbitrary input.
var knownStanzas = map[string]string{
	"X25519":         "X25519",
	"mlkem768x25519": "mlkem768x25519 (post-quantum)",
	"scrypt":         "scrypt (passphrase)",
	"ssh-ed25519":    "ssh-ed25519",
	"ssh-rsa":        "ssh-rsa",
}

// classifyDecrypt maps an error of age.DecryptHeader to this package's
// errors. age's own messages may quote header lines, so they are not
// included.
func classifyDecrypt(err error, tried []string) error {
	var nm *age.NoIdentityMatchError
	var oe *ownError
	switch {
	case errors.As(err, &oe):
		return oe.err // from passphraseIdentity, already safe
	case errors.As(err, &nm):
		we := &WrongKeyError{Tried: tried, err: nm}
		seen := map[string]bool{}
		for _, t := range nm.StanzaTypes {
			name, ok := knownStanzas[t]
			if !ok {
				name = "other"
			}
			if !seen[name] {
				seen[name] = true
				we.StanzaTypes = append(we.StanzaTypes, name)
			}
		}
		return we
	case err.Error() == "bad header MAC":
		return errorf(ErrTampered, "age header MAC does not match")
	case strings.HasPrefix(err.Error(), "failed to read header"):
		return errorf(ErrMalformed, "malformed age header")
	}
	return errorf(ErrMalformed, "invalid age recipient stanza")
}

// sessionFromPlaintext builds a Session from a decrypted payload: an
// envelope, or a plain session string.
func sessionFromPlaintext(plain []byte, cfg *config) (*Session, error) {
	if len(plain) >= len(envelope.Magic) && string(plain[:len(envelope.Magic)]) == envelope.Magic {
		m, off, err := envelope.Unmarshal(plain)
		if err != nil {
			return nil, err
		}
		s := &Session{Info: m.Info, Labels: m.Labels, CreatedAt: m.CreatedAt, EnvelopeVersion: m.Version, att: m.Att}
		box, err := newKeyBox(plain[off:off+codec.AuthKeySize], cfg)
		if err != nil {
			return nil, err
		}
		s.key = box
		return s, nil
	}
	return sessionFromText(plain, cfg)
}

// sessionFromText decodes a plain session string held in b. The string is
// viewed in place (no copy) and every string kept is cloned, so the caller
// can wipe b afterwards.
func sessionFromText(b []byte, cfg *config) (*Session, error) {
	if !utf8.Valid(b) || len(b) == 0 {
		return nil, errorf(ErrMalformed, "the payload is neither a tgsession envelope nor a session string")
	}
	text := unsafe.String(unsafe.SliceData(b), len(b))
	var cs *codec.Session
	var err error
	if cfg.format != codec.FormatUnknown {
		cs, err = codec.DecodeAs(cfg.format, text)
	} else {
		cs, err = codec.Decode(text)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: the payload is not a valid session string: %w: %w", ErrMalformed, err)
	}
	defer cs.Wipe()
	return sessionFromCodec(cs, cfg)
}
