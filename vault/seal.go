package vault

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/envelope"
)

// Seal encrypts s to recipients in the given form: the envelope holding
// every field of s (including its Source format), its Labels, its
// attachment (see [Session.SetAttachment]) and its CreatedAt (none when
// zero), encrypted with age, in envelope version s.EnvelopeVersion.
// Sealing an opened session keeps its attachment byte for byte.
//
// [FormText] is the single-line form for environment variables, the
// smallest correct form: a Telethon session sealed to one X25519
// recipient is 644 bytes, to one hybrid post-quantum recipient about 2.6
// KiB (docs/envelope.md §1.1 has the table). [FormBinary] and [FormArmor]
// are ordinary age files; `age -d` decrypts them to the binary envelope
// described in docs/envelope.md, which holds the raw auth key: treat that
// output as the secret it is.
//
// Envelope version 2 (the default) cannot be read by tgsession releases
// before it; version 1 can. A passphrase (scrypt) recipient must be the only one, and
// post-quantum recipients cannot be mixed with classic ones.
//
// The age library copies the plaintext into internal buffers that cannot be
// wiped; the envelope buffer built here is wiped.
func (s *Session) Seal(form Form, recipients ...age.Recipient) ([]byte, error) {
	if s == nil {
		return nil, errorf(ErrMalformed, "nil session")
	}
	plain, err := s.envelope()
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return encrypt(plain, form, recipients, newConfig())
}

// envelope serialises s with its key; the caller wipes the result.
func (s *Session) envelope() ([]byte, error) {
	version := s.EnvelopeVersion
	if version == 0 {
		version = 2
	}
	m := &envelope.Meta{Info: s.Info, Labels: s.Labels, CreatedAt: s.CreatedAt}
	return envelope.Marshal(m, s.att, version, func(dst []byte) error {
		return s.WithKey(func(k *[codec.AuthKeySize]byte) error {
			copy(dst, k[:])
			return nil
		})
	})
}

// SetAttachment stores data in the envelope when s is
// sealed: opaque bytes (at most 4 MiB) that this package does not
// interpret, compressed with DEFLATE when that makes them smaller, and
// returned by [Session.Attachment] after opening. data is copied; empty
// data removes the attachment. Attachments need envelope version 2. The
// attachment is the rest of a stored session: the CLI uses it to carry the
// rest of a .session file (its entity cache, update state and file
// format).
func (s *Session) SetAttachment(data []byte) error {
	if len(data) == 0 {
		s.att = nil
		return nil
	}
	att, err := envelope.NewAttachment(envelope.KindFile, data)
	if err != nil {
		return err
	}
	s.att = att
	return nil
}

// encrypt encrypts plain to recipients in the given form.
func encrypt(plain []byte, form Form, recipients []age.Recipient, cfg *config) ([]byte, error) {
	if _, ok := formNames[form]; !ok {
		return nil, errorf(ErrUnsupported, "unknown sealed form %d", int(form))
	}
	if err := checkRecipients(recipients, cfg.requirePQ); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	var dst io.Writer = &out
	var aw io.WriteCloser
	if form == FormArmor {
		aw = armor.NewWriter(&out)
		dst = aw
	}
	w, err := age.Encrypt(dst, recipients...)
	if err != nil {
		if strings.Contains(err.Error(), "incompatible recipients") {
			return nil, errorf(ErrUnsupported, "these recipients cannot be combined: a passphrase must be the only recipient, and post-quantum recipients cannot be mixed with classic ones")
		}
		return nil, errorf(ErrUnsupported, "cannot encrypt to these recipients")
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("vault: encrypting: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("vault: encrypting: %w", err)
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			return nil, fmt.Errorf("vault: armoring: %w", err)
		}
	}
	if form != FormText {
		return out.Bytes(), nil
	}
	n := len(textPrefix) + base64.RawURLEncoding.EncodedLen(out.Len())
	if n > maxTextSize {
		return nil, errorf(errTooLarge, "single-line form would be %d bytes, limit %d (an attachment or too many recipients: use a binary or armored file)", n, maxTextSize)
	}
	text := make([]byte, n)
	copy(text, textPrefix)
	base64.RawURLEncoding.Encode(text[len(textPrefix):], out.Bytes())
	return text, nil
}
