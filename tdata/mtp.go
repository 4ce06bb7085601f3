package tdata

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tgsession/tgsession/codec"
)

// dbiMtpAuthorization is the only block Telegram Desktop writes into an
// MTP authorization file (Account::writeMtpData).
const dbiMtpAuthorization = 0x4B

// maxKeys caps the auth keys (and, separately, the keys to destroy) read
// per account. Telegram has five production DCs and Telegram Desktop keeps
// one key per DC it has talked to.
const maxKeys = 32

// The MTP authorization file is a TDF$ file in the folder root named after
// the account's data name key ([fileKey]) + "s". Its payload is one
// QByteArray, an encrypted part (local key) whose data is
// uint32 0x4B (dbiMtpAuthorization) followed by a QByteArray holding, all
// big-endian (Account::serializeMtpAuthorization / setMtpAuthorization,
// https://github.com/telegramdesktop/tdesktop/blob/v4.6.5/Telegram/SourceFiles/main/main_account.cpp):
//
//	| size  | type   | field                                                   |
//	|-------|--------|---------------------------------------------------------|
//	| 4+4   | int32  | −1, −1: the wide-ids tag (since v2.7.2, April 2021)     |
//	| 8     | uint64 | user id                                                 |
//	| 4     | int32  | main DC id                                              |
//	|       |        | — or, before 2.7.2: int32 user id, int32 main DC id     |
//	| 4     | int32  | n: number of auth keys                                  |
//	| n·260 |        | n × (int32 DC id, 256 raw key bytes)                    |
//	| 4     | int32  | m: number of keys to destroy                            |
//	| m·260 |        | m × (int32 DC id, 256 raw key bytes)                    |
//
// Keys to destroy are keys Telegram Desktop still has to log out on the
// server; this package counts them and never returns them.

type mtpAuth struct {
	userID    int64
	mainDC    int
	keys      []DCKey
	toDestroy int
}

func (m *mtpAuth) wipe() {
	for i := range m.keys {
		m.keys[i].Key.Wipe()
	}
}

// parseMTP parses the decrypted data of an MTP authorization file.
func parseMTP(data []byte) (*mtpAuth, error) {
	r := qreader{b: data}
	block := r.u32("block id")
	if r.err != nil {
		return nil, r.err
	}
	if block != dbiMtpAuthorization {
		return nil, wrap(ErrUnsupported, "MTP file starts with block 0x"+strconv.FormatUint(uint64(block), 16)+", not the authorization block 0x4b")
	}
	inner := r.bytes("authorization block")
	if r.err != nil {
		return nil, r.err
	}
	if !r.atEnd() {
		return nil, wrap(ErrUnsupported, "MTP file has "+strconv.Itoa(len(r.b)-r.off)+" bytes after the authorization block")
	}
	return parseAuthorization(inner)
}

func parseAuthorization(inner []byte) (*mtpAuth, error) {
	r := qreader{b: inner}
	m := &mtpAuth{}
	hi, lo := r.u32("user id"), r.u32("main DC id")
	var dc uint32
	if hi == 0xFFFFFFFF && lo == 0xFFFFFFFF {
		uid := r.u64("user id")
		dc = r.u32("main DC id")
		if r.err == nil && uid > math.MaxInt64 {
			return nil, wrap(ErrCorrupt, "user id above 2^63-1")
		}
		m.userID = int64(uid)
	} else {
		m.userID, dc = int64(hi), lo
	}
	if r.err != nil {
		return nil, r.err
	}
	if int32(dc) <= 0 {
		return nil, wrap(ErrCorrupt, "main DC id "+strconv.Itoa(int(int32(dc))))
	}
	m.mainDC = int(dc)
	ok := false
	defer func() {
		if !ok {
			m.wipe()
		}
	}()
	n, err := keyCount(&r, "auth key")
	if err != nil {
		return nil, err
	}
	m.keys = make([]DCKey, 0, n)
	for range n {
		dc, raw, err := readKey(&r)
		if err != nil {
			return nil, err
		}
		for _, prev := range m.keys {
			if prev.DC == dc {
				// Telegram Desktop never writes two keys for one DC;
				// which one it would use is not specified.
				return nil, wrap(ErrCorrupt, "two auth keys for DC "+strconv.Itoa(dc))
			}
		}
		k, err := codec.NewAuthKey(raw)
		if err != nil {
			return nil, wrap(ErrCorrupt, "auth key "+strconv.Itoa(len(m.keys))+" is all zeros")
		}
		m.keys = append(m.keys, DCKey{DC: dc, Key: k})
	}
	d, err := keyCount(&r, "key to destroy")
	if err != nil {
		return nil, err
	}
	for range d {
		if _, _, err := readKey(&r); err != nil {
			return nil, err
		}
	}
	m.toDestroy = d
	ok = true
	return m, nil
}

func keyCount(r *qreader, what string) (int, error) {
	n := int32(r.u32(what + " count"))
	if r.err != nil {
		return 0, r.err
	}
	if n < 0 {
		return 0, wrap(ErrCorrupt, what+" count "+strconv.Itoa(int(n)))
	}
	if n > maxKeys {
		return 0, wrap(ErrTooLarge, what+" count "+strconv.Itoa(int(n))+" above "+strconv.Itoa(maxKeys))
	}
	return int(n), nil
}

// readKey reads an int32 DC id and 256 key bytes (aliasing the input).
func readKey(r *qreader) (int, []byte, error) {
	dc := int32(r.u32("DC id"))
	raw := r.take(codec.AuthKeySize, "auth key")
	if r.err != nil {
		return 0, nil, r.err
	}
	if dc <= 0 {
		return 0, nil, wrap(ErrCorrupt, "DC id "+strconv.Itoa(int(dc)))
	}
	return int(dc), raw, nil
}

// buildMTP returns the data of an MTP authorization file (block id and
// block) in the wide-ids layout, with no keys to destroy. It allocates the
// result once, at its final size, so that no partial copy of a key is left
// behind; the caller clears it.
func buildMTP(userID int64, mainDC int, keys []DCKey) []byte {
	innerLen := 8 + 8 + 4 + 4 + len(keys)*(4+codec.AuthKeySize) + 4
	dst := make([]byte, 0, 8+innerLen)
	dst = binary.BigEndian.AppendUint32(dst, dbiMtpAuthorization)
	dst = binary.BigEndian.AppendUint32(dst, uint32(innerLen))
	dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
	dst = binary.BigEndian.AppendUint32(dst, 0xFFFFFFFF)
	dst = binary.BigEndian.AppendUint64(dst, uint64(userID))
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(mainDC)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(keys)))
	for _, k := range keys {
		dst = binary.BigEndian.AppendUint32(dst, uint32(int32(k.DC)))
		n := len(dst)
		dst = dst[:n+codec.AuthKeySize]
		k.Key.RevealTo(dst[n:])
	}
	return binary.BigEndian.AppendUint32(dst, 0)
}
