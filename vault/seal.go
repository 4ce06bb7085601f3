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
// [WithLabels] and the creation time, encrypted with age.
//
// [FormText] is the single-line form for environment variables; it is
// under 1 KiB with one X25519 recipient and about 2.7 KiB with one hybrid
// post-quantum recipient. [FormBinary] and [FormArmor] are ordinary age
// files that `age -d` decrypts to the envelope described in
// docs/envelope.md.
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
	m.CreatedAt = cfg.sealTime()
	plain, err := marshalEnvelope(m, func(dst []byte) error {
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
// are s.Labels unless [WithLabels] is given; the creation time is now
// unless [WithCreatedAt] is given.
func (s *Session) Seal(form Form, recipients []age.Recipient, opts ...Option) ([]byte, error) {
	cfg := newConfig(opts)
	plain, err := s.envelope(cfg)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return encrypt(plain, form, recipients, cfg)
}

// envelope serialises s with its key; the caller wipes the result.
func (s *Session) envelope(cfg *config) ([]byte, error) {
	m := *s
	if cfg.labelsSet {
		m.Labels = cfg.labels
	}
	m.CreatedAt = cfg.sealTime()
	return marshalEnvelope(&m, func(dst []byte) error {
		return s.WithKey(func(k *[codec.AuthKeySize]byte) error {
			copy(dst, k[:])
			return nil
		})
	})
}

func (c *config) sealTime() time.Time {
	if !c.createdAt.IsZero() {
		return c.createdAt
	}
	return time.Now()
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
		return nil, errorf(ErrTooLarge, "single-line form would be %d bytes, limit %d (too many recipients: use a file)", n, MaxTextSize)
	}
	text := make([]byte, n)
	copy(text, TextPrefix)
	base64.RawURLEncoding.Encode(text[len(TextPrefix):], out.Bytes())
	return text, nil
}
