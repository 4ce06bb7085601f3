package tdata

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"strconv"
)

// localKeySize is the size of the local key and of the passcode key: an
// MTProto auth key (MTP::AuthKey::Data).
const localKeySize = 256

// saltSize is LocalEncryptSaltSize, the size of the key_datas salt.
const saltSize = 32

// strongIterations is kStrongIterationsCount: PBKDF2 rounds for a
// non-empty passcode. An empty passcode uses 1.
const strongIterations = 100_000

// localKey is the 256-byte key that encrypts every file of the folder.
type localKey [localKeySize]byte

func (k *localKey) wipe() { clear(k[:]) }

// passcodeKey derives the key that wraps the local key in key_datas
// (CreateLocalKey in storage_file_utilities.cpp, Telegram Desktop ≥ 2.1.14,
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/storage/details/storage_file_utilities.cpp#L300):
//
//	PBKDF2-HMAC-SHA512(password = SHA512(salt ‖ passcode ‖ salt), salt,
//	                   iterations = 1 if passcode is empty else 100 000,
//	                   256 bytes)
func passcodeKey(passcode, salt []byte) *localKey {
	iter := 1
	if len(passcode) > 0 {
		iter = strongIterations
	}
	// One buffer, cleared after use, rather than a hash.Hash that would
	// keep the passcode in its internal block buffer.
	buf := make([]byte, 0, 2*len(salt)+len(passcode))
	buf = append(append(append(buf, salt...), passcode...), salt...)
	pw := sha512.Sum512(buf)
	clear(buf)
	k := new(localKey)
	pbkdf2SHA512(k[:], pw[:], salt, iter)
	clear(pw[:])
	return k
}

// pbkdf2SHA512 fills out with PBKDF2-HMAC-SHA512 (RFC 8018) of password and
// salt. It is written here, rather than taken from crypto/pbkdf2, so that
// the password (itself a hash of the passcode) never becomes an immutable
// string and every intermediate buffer can be cleared.
func pbkdf2SHA512(out, password, salt []byte, iter int) {
	prf := hmac.New(sha512.New, password)
	var u, t [sha512.Size]byte
	var ctr [4]byte
	for block, off := uint32(1), 0; off < len(out); block, off = block+1, off+sha512.Size {
		prf.Reset()
		prf.Write(salt)
		binary.BigEndian.PutUint32(ctr[:], block)
		prf.Write(ctr[:])
		prf.Sum(u[:0])
		t = u
		for i := 1; i < iter; i++ {
			prf.Reset()
			prf.Write(u[:])
			prf.Sum(u[:0])
			subtle.XORBytes(t[:], t[:], u[:])
		}
		copy(out[off:], t[:])
	}
	clear(u[:])
	clear(t[:])
	prf.Reset()
}

// oldMTPKeyIV derives the AES-256 key and IGE IV from a 256-byte key and a
// 16-byte msg_key the MTProto 1.0 way, with x = 8 (prepareAES_oldmtp with
// send = false, used by aesEncryptLocal and aesDecryptLocal alike;
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/mtproto/mtproto_auth_key.cpp):
//
//	sha1_a = SHA1(msg_key ‖ key[x:x+32])
//	sha1_b = SHA1(key[32+x:48+x] ‖ msg_key ‖ key[48+x:64+x])
//	sha1_c = SHA1(key[64+x:96+x] ‖ msg_key)
//	sha1_d = SHA1(msg_key ‖ key[96+x:128+x])
//	aes_key = sha1_a[0:8] ‖ sha1_b[8:20] ‖ sha1_c[4:16]
//	aes_iv  = sha1_a[8:20] ‖ sha1_b[0:8] ‖ sha1_c[16:20] ‖ sha1_d[0:8]
func oldMTPKeyIV(key *localKey, msgKey []byte) (aesKey, iv [32]byte) {
	const x = 8
	var buf [16 + 32 + 16]byte
	cat := func(parts ...[]byte) [sha1.Size]byte {
		b := buf[:0]
		for _, p := range parts {
			b = append(b, p...)
		}
		s := sha1.Sum(b)
		clear(buf[:])
		return s
	}
	a := cat(msgKey, key[x:x+32])
	b := cat(key[32+x:48+x], msgKey, key[48+x:64+x])
	c := cat(key[64+x:96+x], msgKey)
	d := cat(msgKey, key[96+x:128+x])
	copy(aesKey[0:8], a[0:8])
	copy(aesKey[8:20], b[8:20])
	copy(aesKey[20:32], c[4:16])
	copy(iv[0:12], a[8:20])
	copy(iv[12:20], b[0:8])
	copy(iv[20:24], c[16:20])
	copy(iv[24:32], d[0:8])
	clear(a[:])
	clear(b[:])
	clear(c[:])
	clear(d[:])
	return aesKey, iv
}

// igeCrypt runs AES-256-IGE over src (a multiple of 16 bytes) into dst. The
// IV is OpenSSL's layout: iv[0:16] is the previous ciphertext block and
// iv[16:32] the previous plaintext block for the first block.
func igeCrypt(block cipher.Block, iv *[32]byte, dst, src []byte, decrypt bool) {
	var prevC, prevP, tmp [aes.BlockSize]byte
	copy(prevC[:], iv[:16])
	copy(prevP[:], iv[16:])
	if decrypt {
		// p_i = D(c_i ⊕ p_{i−1}) ⊕ c_{i−1}
		for i := 0; i < len(src); i += aes.BlockSize {
			c := src[i : i+aes.BlockSize]
			subtle.XORBytes(tmp[:], c, prevP[:])
			block.Decrypt(tmp[:], tmp[:])
			subtle.XORBytes(tmp[:], tmp[:], prevC[:])
			copy(prevC[:], c)
			copy(prevP[:], tmp[:])
			copy(dst[i:], tmp[:])
		}
	} else {
		// c_i = E(p_i ⊕ c_{i−1}) ⊕ p_{i−1}
		for i := 0; i < len(src); i += aes.BlockSize {
			p := src[i : i+aes.BlockSize]
			subtle.XORBytes(tmp[:], p, prevC[:])
			block.Encrypt(tmp[:], tmp[:])
			subtle.XORBytes(tmp[:], tmp[:], prevP[:])
			copy(prevP[:], p)
			copy(prevC[:], tmp[:])
			copy(dst[i:], tmp[:])
		}
	}
	clear(prevC[:])
	clear(prevP[:])
	clear(tmp[:])
}

func aesLocal(key *localKey, msgKey, dst, src []byte, decrypt bool) {
	k, iv := oldMTPKeyIV(key, msgKey)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		panic("tdata: aes.NewCipher with a 32-byte key: " + err.Error())
	}
	igeCrypt(block, &iv, dst, src, decrypt)
	clear(k[:])
	clear(iv[:])
}

// An encrypted part (PrepareEncrypted / DecryptLocal in
// storage_file_utilities.cpp) is msg_key ‖ AES-IGE(plaintext), where
//
//	| size | type            | field                                            |
//	|------|-----------------|--------------------------------------------------|
//	| 4    | uint32 LE(host) | length L = 4 + len(data)                         |
//	| L−4  | bytes           | data (a big-endian QDataStream)                  |
//	| <16  | bytes           | random padding to a multiple of 16               |
//
// and msg_key = SHA1(plaintext)[0:16]. DecryptLocal rejects a part of 16
// bytes or less or not a multiple of 16, a SHA-1 mismatch, and L > size,
// L ≤ size − 16 or L < 4.

// errDecrypt marks a SHA-1 mismatch; key_datas turns it into
// ErrWrongPasscode for the passcode-wrapped key.
var errDecrypt = wrap(ErrCorrupt, "encrypted part does not decrypt (SHA-1 mismatch)")

// decryptLocal returns the data of an encrypted part (a new slice; the
// caller clears it when it holds secrets).
func decryptLocal(enc []byte, key *localKey) ([]byte, error) {
	if len(enc) <= 16 || len(enc)%16 != 0 {
		return nil, wrap(ErrCorrupt, "encrypted part of "+strconv.Itoa(len(enc))+" bytes (want more than 16, a multiple of 16)")
	}
	msgKey := enc[:16]
	plain := make([]byte, len(enc)-16)
	aesLocal(key, msgKey, plain, enc[16:], true)
	sum := sha1.Sum(plain)
	if subtle.ConstantTimeCompare(sum[:16], msgKey) != 1 {
		clear(plain)
		return nil, errDecrypt
	}
	full := uint32(len(plain))
	l := binary.LittleEndian.Uint32(plain)
	if l > full || l <= full-16 || l < 4 {
		clear(plain)
		return nil, wrap(ErrCorrupt, "decrypted length field "+strconv.FormatUint(uint64(l), 10)+" does not fit "+strconv.Itoa(len(plain))+" bytes")
	}
	data := plain[4:l:l]
	clear(plain[l:])
	return data, nil
}

// encryptLocal returns msg_key ‖ AES-IGE(L ‖ data ‖ padding) with random
// padding. It fails only if the system random source does.
func encryptLocal(data []byte, key *localKey) ([]byte, error) {
	l := 4 + len(data)
	full := (l + 15) &^ 15
	plain := make([]byte, full)
	defer clear(plain)
	binary.LittleEndian.PutUint32(plain, uint32(l))
	copy(plain[4:], data)
	if _, err := rand.Read(plain[l:]); err != nil {
		return nil, err
	}
	out := make([]byte, 16+full)
	sum := sha1.Sum(plain)
	copy(out, sum[:16])
	aesLocal(key, out[:16], out[16:], plain, false)
	return out, nil
}
