package tdata

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strconv"
)

// maxAccounts is kPremiumMaxAccounts (main_domain.h): the most accounts
// key_datas may list, and the bound of an account index (0..5).
const maxAccounts = 6

// key_datas (Storage::Domain::startModern / writeAccounts,
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/storage/storage_domain.cpp)
// is a TDF$ file named "key_" + data name + "s" whose payload is:
//
//	| size | type       | field                                                   |
//	|------|------------|---------------------------------------------------------|
//	| 4+32 | QByteArray | salt (exactly 32 bytes)                                 |
//	| 4+n  | QByteArray | keyEncrypted: encrypted part (passcode key) holding     |
//	|      |            |   exactly the 256 raw bytes of the local key            |
//	| 4+m  | QByteArray | infoEncrypted: encrypted part (local key) holding       |
//
// and infoEncrypted's data is, big-endian:
//
//	| size | type  | field                                                        |
//	|------|-------|--------------------------------------------------------------|
//	| 4    | int32 | count, 1..6 (kPremiumMaxAccounts; 3 before v3.7.6)           |
//	| 4·c  | int32 | account indices, 0..5; others and duplicates are skipped     |
//	| 4    | int32 | active account index, optional (−1 on a fresh install)       |
//
// The passcode key comes from [passcodeKey]: one PBKDF2 for the whole
// folder, whatever the number of accounts.

// deriveKey is passcodeKey; tests count its calls.
var deriveKey = passcodeKey

// keyDataOuter is key_datas before any decryption.
type keyDataOuter struct {
	salt, keyEnc, infoEnc []byte
}

func parseKeyDataOuter(payload []byte) (keyDataOuter, error) {
	r := qreader{b: payload}
	o := keyDataOuter{
		salt:    r.bytes("salt"),
		keyEnc:  r.bytes("encrypted local key"),
		infoEnc: r.bytes("encrypted account list"),
	}
	if r.err != nil {
		return o, r.err
	}
	if len(o.salt) != saltSize {
		return o, wrap(ErrCorrupt, "salt of "+strconv.Itoa(len(o.salt))+" bytes (want 32)")
	}
	return o, nil
}

// keyInfo is the decrypted account list.
type keyInfo struct {
	count    int
	indices  []int // valid, distinct indices in stored order
	active   int   // −1 when absent or −1
	warnings []string
}

// unwrapLocalKey derives the passcode key (once) and decrypts the local key.
func (o keyDataOuter) unwrapLocalKey(passcode []byte) (*localKey, error) {
	pk := deriveKey(passcode, o.salt)
	defer pk.wipe()
	data, err := decryptLocal(o.keyEnc, pk)
	if errors.Is(err, errDecrypt) {
		if len(passcode) == 0 {
			return nil, wrap(ErrWrongPasscode, "the local key does not decrypt without a passcode (the folder has one)")
		}
		return nil, wrap(ErrWrongPasscode, "the local key does not decrypt")
	}
	if err != nil {
		return nil, err
	}
	defer clear(data)
	if len(data) != localKeySize {
		return nil, wrap(ErrCorrupt, "decrypted local key of "+strconv.Itoa(len(data))+" bytes (want 256)")
	}
	k := new(localKey)
	copy(k[:], data)
	return k, nil
}

func parseKeyInfo(data []byte) (keyInfo, error) {
	r := qreader{b: data}
	count := int32(r.u32("account count"))
	if r.err != nil {
		return keyInfo{}, r.err
	}
	if count <= 0 {
		return keyInfo{}, wrap(ErrNoAccounts, "account count "+strconv.Itoa(int(count)))
	}
	if count > maxAccounts {
		return keyInfo{}, wrap(ErrTooManyAccounts, "account count "+strconv.Itoa(int(count)))
	}
	info := keyInfo{count: int(count), active: -1}
	var seen [maxAccounts]bool
	for range count {
		idx := int32(r.u32("account index"))
		if r.err != nil {
			return keyInfo{}, r.err
		}
		switch {
		case idx < 0 || idx >= maxAccounts:
			info.warnings = append(info.warnings, "key_datas lists account index "+strconv.Itoa(int(idx))+" outside 0..5; Telegram Desktop skips it")
		case seen[idx]:
			info.warnings = append(info.warnings, "key_datas lists account index "+strconv.Itoa(int(idx))+" twice; Telegram Desktop reads it once")
		default:
			seen[idx] = true
			info.indices = append(info.indices, int(idx))
		}
	}
	if len(r.b)-r.off >= 4 {
		info.active = int(int32(r.u32("active account")))
	}
	if len(info.indices) == 0 {
		return keyInfo{}, wrap(ErrNoAccounts, "no valid account index")
	}
	return info, nil
}

func appendKeyInfo(dst []byte, indices []int, active int) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(indices)))
	for _, i := range indices {
		dst = binary.BigEndian.AppendUint32(dst, uint32(int32(i)))
	}
	return binary.BigEndian.AppendUint32(dst, uint32(int32(active)))
}

// buildKeyData returns the key_datas payload for key with a fresh salt.
func buildKeyData(key *localKey, passcode []byte, indices []int, active int) ([]byte, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	pk := passcodeKey(passcode, salt)
	defer pk.wipe()
	keyEnc, err := encryptLocal(key[:], pk)
	if err != nil {
		return nil, err
	}
	infoEnc, err := encryptLocal(appendKeyInfo(nil, indices, active), key)
	if err != nil {
		return nil, err
	}
	out := appendQBytes(nil, salt)
	out = appendQBytes(out, keyEnc)
	return appendQBytes(out, infoEnc), nil
}
