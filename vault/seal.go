package vault

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/tgsession/tgsession/codec"
)

// Seal encrypts s to recipients in the given form: the envelope holding
// every field of s (including its Source format), the labels given with
// [WithLabels], the attachment given with [WithAttachment] and, except in
// [FormText], the creation time, encrypted with age.
//
// [FormText] is the single-line form for environment variables, the
// smallest correct form: it leaves out the creation time (unless
// [WithCreatedAt] is given), and a Telethon session sealed to one X25519
// recipient is 644 bytes, to one hybrid post-quantum recipient about 2.6
// KiB (docs/envelope.md §1.1 has the table). [FormBinary] and [FormArmor]
// are ordinary age files; `age -d` decrypts them to the binary envelope
// described in docs/envelope.md, which holds the raw auth key: treat that
// output as the secret it is.
//
// Seal writes envelope version 2, which tgsession releases before it
// cannot read; [WithEnvelopeVersion](1) writes version 1 for them.
//
// The age library copies the plaintext into internal buffers that cannot be
// wiped; the envelope buffer built here is wiped.
func Seal(s *codec.Session, form Form, recipients []age.Recipient, opts ...Option) ([]byte, error) {
	if s == nil {
		return nil, errorf(ErrMalformed, "nil session")
	}
	cfg := newConfig(opts)
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("vault: %w: %w", ErrMalformed, err)
	}
	m := metaFromCodec(s)
	m.Labels = cfg.labels
	m.CreatedAt = cfg.sealTime(form)
	att, err := cfg.attachment(nil)
	if err != nil {
		return nil, err
	}
	plain, err := marshalEnvelope(m, att, cfg.envelopeVersion(), func(dst []byte) error {
		s.Key.RevealTo(dst)
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return encrypt(plain, form, recipients, cfg)
}

// Seal encrypts s to recipients, as the package-level [Seal] does. Labels
// are s.Labels unless [WithLabels] is given, and the attachment is s's
// (kept byte for byte) unless [WithAttachment] or [WithoutAttachment] is
// given. The creation time is now (not recorded in [FormText]) unless
// [WithCreatedAt] is given.
func (s *Session) Seal(form Form, recipients []age.Recipient, opts ...Option) ([]byte, error) {
	cfg := newConfig(opts)
	plain, err := s.envelope(cfg, form)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return encrypt(plain, form, recipients, cfg)
}

// envelope serialises s with its key; the caller wipes the result.
func (s *Session) envelope(cfg *config, form Form) ([]byte, error) {
	m := *s
	if cfg.labelsSet {
		m.Labels = cfg.labels
	}
	m.CreatedAt = cfg.sealTime(form)
	att, err := cfg.attachment(s.att)
	if err != nil {
		return nil, err
	}
	return marshalEnvelope(&m, att, cfg.envelopeVersion(), func(dst []byte) error {
		return s.WithKey(func(k *[codec.AuthKeySize]byte) error {
			copy(dst, k[:])
			return nil
		})
	})
}

// sealTime is the creation time to record: the one given with
// WithCreatedAt, else now, except in the single-line form, which leaves it
// out to stay as small as possible.
func (c *config) sealTime(form Form) time.Time {
	switch {
	case c.createdAtSet:
		return c.createdAt
	case form == FormText:
		return time.Time{}
	}
	return time.Now()
}

// attachment returns the attachment to seal: the one given with
// WithAttachment, none with WithoutAttachment, else def.
func (c *config) attachment(def *attachment) (*attachment, error) {
	if !c.attSet {
		return def, nil
	}
	if c.attData == nil {
		return nil, nil
	}
	return newAttachment(c.attKind, c.attData)
}

func (c *config) envelopeVersion() int {
	if c.envVersion == 0 {
		return 2
	}
	return c.envVersion
}

func metaFromCodec(cs *codec.Session) *Session {
	m := &Session{
		Source: cs.Source, Layout: cs.Layout, DC: cs.DC, ServerAddress: cs.ServerAddress,
		Port: cs.Port, IPv6: cs.IPv6, TestMode: cs.TestMode, APIID: cs.APIID,
		UserID: cs.UserID, IsBot: cs.IsBot,
	}
	if cs.Media != nil {
		md := *cs.Media
		m.Media = &md
	}
	return m
}

// encrypt encrypts plain to recipients in the given form.
func encrypt(plain []byte, form Form, recipients []age.Recipient, cfg *config) ([]byte, error) {
	if _, ok := formNames[form]; !ok {
		return nil, errorf(ErrUnsupported, "unknown sealed form %d", int(form))
	}
	if err := checkRecipients(recipients, cfg); err != nil {
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
	n := len(TextPrefix) + base64.RawURLEncoding.EncodedLen(out.Len())
	if n > MaxTextSize {
		return nil, errorf(ErrTooLarge, "single-line form would be %d bytes, limit %d (an attachment or too many recipients: use a binary or armored file)", n, MaxTextSize)
	}
	text := make([]byte, n)
	copy(text, TextPrefix)
	base64.RawURLEncoding.Encode(text[len(TextPrefix):], out.Bytes())
	return text, nil
}
