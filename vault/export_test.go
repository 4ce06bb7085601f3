package vault

import "filippo.io/age"

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

// MarshalEnvelope serialises the metadata of m with key as a version 1
// envelope.
func MarshalEnvelope(m *Session, key []byte) ([]byte, error) {
	return marshalEnvelope(m, nil, 1, func(dst []byte) error { copy(dst, key); return nil })
}

// MarshalEnvelopeV2 serialises the metadata of m with key, and an
// attachment of kind with data if data is not empty, as a version 2
// envelope.
func MarshalEnvelopeV2(m *Session, key []byte, kind AttachmentKind, data []byte) ([]byte, error) {
	var att *attachment
	if len(data) > 0 {
		var err error
		if att, err = newAttachment(kind, data); err != nil {
			return nil, err
		}
	}
	return marshalEnvelope(m, att, 2, func(dst []byte) error { copy(dst, key); return nil })
}

// RemarshalEnvelope serialises an envelope parsed by UnmarshalEnvelope
// again, in its version, keeping its attachment's stored bytes.
func RemarshalEnvelope(m *Session, version int, key []byte) ([]byte, error) {
	return marshalEnvelope(m, m.att, version, func(dst []byte) error { copy(dst, key); return nil })
}

// UnmarshalEnvelope parses an envelope's metadata (any version).
func UnmarshalEnvelope(b []byte) (*Session, error) {
	m, _, err := unmarshalEnvelope(b)
	return m, err
}

// MemlockPages is the number of pages the preflight requires.
const MemlockPages = memlockPages

// IdentitiesSlice returns the identities in ids.
func IdentitiesSlice(ids *Identities) []age.Identity { return ids.list() }

// ScrubEnviron overwrites name in the initial environment block.
func ScrubEnviron(name string) error { return scrubEnviron(name) }
