package vault

import (
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/envelope"
)

// Test-only access to internals.

// SetTestHook sets the fault-injection hook called at named points of a
// vault write.
func SetTestHook(f func(point string)) { testHook = f }

// SetTestFault sets the fault-injection function that fails named writes.
func SetTestFault(f func(point string) error) { testFault = f }

// DecryptAge runs the age layer of Open (form detection without the size
// caps, decryption, error classification) with a payload cap of maxPlain.
func DecryptAge(armored bool, data []byte, ids []age.Identity, maxPlain int) ([]byte, error) {
	form := FormBinary
	if armored {
		form = FormArmor
	}
	return decryptAge(form, data, ids, []string{"test"}, maxPlain)
}

// meta is the envelope metadata of m.
func meta(m *Session) *envelope.Meta {
	return &envelope.Meta{Info: m.Info, Labels: m.Labels, CreatedAt: m.CreatedAt}
}

// MarshalEnvelope serialises the metadata of m with key as a version 1
// envelope.
func MarshalEnvelope(m *Session, key []byte) ([]byte, error) {
	return envelope.Marshal(meta(m), nil, 1, func(dst []byte) error { copy(dst, key); return nil })
}

// MarshalEnvelopeV2 serialises the metadata of m with key, and an
// attachment of kind with data if data is not empty, as a version 2
// envelope.
func MarshalEnvelopeV2(m *Session, key []byte, kind AttachmentKind, data []byte) ([]byte, error) {
	var att *envelope.Attachment
	if len(data) > 0 {
		var err error
		if att, err = envelope.NewAttachment(kind, data); err != nil {
			return nil, err
		}
	}
	return envelope.Marshal(meta(m), att, 2, func(dst []byte) error { copy(dst, key); return nil })
}

// RemarshalEnvelope serialises an envelope parsed by UnmarshalEnvelope
// again, in its version, keeping its attachment's stored bytes.
func RemarshalEnvelope(m *Session, version int, key []byte) ([]byte, error) {
	return envelope.Marshal(meta(m), m.att, version, func(dst []byte) error { copy(dst, key); return nil })
}

// UnmarshalEnvelope parses an envelope's metadata (any version).
func UnmarshalEnvelope(b []byte) (*Session, error) {
	m, _, err := envelope.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	return &Session{Info: m.Info, Labels: m.Labels, CreatedAt: m.CreatedAt, EnvelopeVersion: m.Version, att: m.Att}, nil
}

// MemlockPages is the number of pages the preflight requires.
const MemlockPages = memlockPages

// IdentitiesSlice returns the identities in ids.
func IdentitiesSlice(ids *Identities) []age.Identity { return ids.list() }

// ScrubEnviron overwrites name in the initial environment block.
func ScrubEnviron(name string) error { return scrubEnviron(name) }

// Test-only names for unexported limits and formats.
const (
	TextPrefix        = textPrefix
	MaxTextSize       = maxTextSize
	MaxFileSize       = maxFileSize
	MaxEnvelopeSize   = envelope.MaxSize
	MaxLabels         = envelope.MaxLabels
	MaxAttachmentSize = envelope.MaxAttachmentSize
	KeyOffset         = envelope.KeyOffsetV1
	KeyOffsetV2       = envelope.KeyOffsetV2
	DirMode           = dirMode
	FileMode          = fileMode
	MaxWorkFactor     = maxWorkFactor
	KeyCmdTimeout     = defaultKeyCmdTimeout
	EnvAllowNoMlock   = envAllowNoMlock
)

// ErrMemlockTooLow is what a *MemlockError wraps.
var ErrMemlockTooLow = errMemlockTooLow

// AttachmentKind is an attachment's kind; AttachmentFile the one kind.
type AttachmentKind = envelope.Kind

const AttachmentFile = envelope.KindFile

// SetAttachmentKind sets s's attachment with any kind (SetAttachment
// writes AttachmentFile only); empty data removes it.
func SetAttachmentKind(s *Session, kind AttachmentKind, data []byte) error {
	if len(data) == 0 {
		s.att = nil
		return nil
	}
	a, err := envelope.NewAttachment(kind, data)
	if err != nil {
		return err
	}
	s.att = a
	return nil
}

// AttachmentOf returns s's attachment of any kind.
func AttachmentOf(s *Session) (AttachmentKind, []byte) {
	if s == nil || s.att == nil {
		return 0, nil
	}
	return s.att.Kind(), append([]byte(nil), s.att.Data()...)
}

// CheckRecipientsPQ applies the RequirePQ policy to recipients.
func CheckRecipientsPQ(recs []age.Recipient) error { return checkRecipients(recs, true) }

// SealCodec seals cs as the release before the explicit API did: straight
// from a codec.Session, without moving its key into memguard first (which
// draws randomness), so that the golden files' bytes stay reproducible.
func SealCodec(cs *codec.Session, form Form, recs []age.Recipient, labels map[string]string, created time.Time, version int, attData []byte) ([]byte, error) {
	m := &envelope.Meta{Info: cs.Info, Labels: labels, CreatedAt: created}
	var att *envelope.Attachment
	if len(attData) > 0 {
		var err error
		if att, err = envelope.NewAttachment(envelope.KindFile, attData); err != nil {
			return nil, err
		}
	}
	plain, err := envelope.Marshal(m, att, version, func(dst []byte) error { cs.Key.RevealTo(dst); return nil })
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return encrypt(plain, form, recs, newConfig())
}
