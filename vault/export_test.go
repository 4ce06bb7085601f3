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

// MarshalEnvelope serialises the metadata of m with key.
func MarshalEnvelope(m *Session, key []byte) ([]byte, error) {
	return marshalEnvelope(m, func(dst []byte) error { copy(dst, key); return nil })
}

// UnmarshalEnvelope parses an envelope's metadata.
func UnmarshalEnvelope(b []byte) (*Session, error) { return unmarshalEnvelope(b) }

// MemlockPages is the number of pages the preflight requires.
const MemlockPages = memlockPages

// IdentitiesSlice returns the identities in ids.
func IdentitiesSlice(ids *Identities) []age.Identity { return ids.list() }

// ScrubEnviron overwrites name in the initial environment block.
func ScrubEnviron(name string) error { return scrubEnviron(name) }
