package tdatafuzz_test

import (
	"crypto/aes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
)

// TestWriteSeeds regenerates the seed corpora in testdata/fuzz/<Target>/
// from the vectors in ../../tdata/testdata/vectors (folders written by
// @mtcute/convert 0.29.7 and Telegram Desktop 4.6.5, with their local keys
// in the manifests). It runs only when TGSESSION_WRITE_SEEDS=1:
//
//	TGSESSION_WRITE_SEEDS=1 go test ./fuzz/tdata -run '^TestWriteSeeds$'
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("TGSESSION_WRITE_SEEDS") != "1" {
		t.Skip("set TGSESSION_WRITE_SEEDS=1 to regenerate the seed corpora")
	}
	corpus := map[string][]fc.Seed{}
	add := func(target, name string, v any) {
		corpus[target] = append(corpus[target], fc.Seed{Name: name, Value: v})
	}

	for _, v := range loadVectors(t) {
		key, err := hex.DecodeString(v.LocalKey)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(v.Dir, "key_datas"))
		if err != nil {
			t.Fatal(err)
		}
		add("FuzzKeyData", v.Name+"-raw", []any{be32(1, 0, 0), raw})
		kd := payload(t, raw)
		_, rest := qread(kd)
		_, rest = qread(rest)
		info, _ := qread(rest)
		add("FuzzKeyData", v.Name+"-info", []any{decrypt(t, info, key), []byte{}})
		for _, fk := range fileKeys {
			if b, err := os.ReadFile(filepath.Join(v.Dir, fk+"s")); err == nil {
				enc, _ := qread(payload(t, b))
				plain := decrypt(t, enc, key)
				add("FuzzMTP", v.Name+"-"+fk, plain)
				add("FuzzTDF", v.Name+"-"+fk+"-wrapped", []any{qbytes(encrypt(plain, fixedLocalKey)), true})
				add("FuzzTDF", v.Name+"-"+fk+"-raw", []any{b, false})
			}
			if b, err := os.ReadFile(filepath.Join(v.Dir, fk, "maps")); err == nil {
				_, rest := qread(payload(t, b))
				_, rest = qread(rest)
				enc, _ := qread(rest)
				add("FuzzMap", v.Name+"-"+fk, decrypt(t, enc, key))
			}
		}
	}
	// Layouts no vector has: legacy 32-bit ids, several keys and keys to
	// destroy, an lsk entry of every known type.
	legacy := append(be32(123, 4, 2, 4), make([]byte, 256)...)
	legacy[16] = 1
	legacy = append(append(legacy, be32(1)...), authBlock(0, 0, 1)[20:20+260]...)
	legacy = append(legacy, be32(1, 5)...)
	legacy = append(legacy, make([]byte, 255)...)
	legacy = append(legacy, 9)
	add("FuzzMTP", "legacy-ids", append(be32(0x4B), qbytes(legacy)...))
	add("FuzzMTP", "five-dcs", authBlock(5_000_000_001, 4, 4, 1, 2, 3, 5))
	var all []byte
	for _, typ := range []int32{0x04, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x11, 0x12, 0x13, 0x18, 0x1a, 0x1b, 0x1c, 0x1e} {
		all = append(append(all, be32(typ)...), make([]byte, 8)...)
	}
	all = append(append(all, be32(0x01, 1)...), make([]byte, 16)...)
	all = append(append(all, be32(0x03, 1)...), make([]byte, 28)...)
	all = append(append(all, be32(0x10)...), make([]byte, 32)...)
	all = append(append(all, be32(0x14)...), make([]byte, 16)...)
	all = append(append(all, be32(0x15, 2)...), "me"...)
	all = append(append(all, be32(0x16)...), make([]byte, 24)...)
	all = append(append(all, be32(0x19, 1)...), 'x')
	all = append(all, be32(-1)...)
	all = append(append(all, be32(0x1d, 1)...), make([]byte, 16)...)
	add("FuzzMap", "every-known-lsk", all)
	add("FuzzMap", "unknown-lsk", append(append([]byte{}, all...), be32(0x1f)...))
	add("FuzzKeyData", "six-active", []any{be32(6, 0, 1, 2, 3, 4, 5, 2), []byte{}})
	add("FuzzKeyData", "no-active", []any{be32(2, 1, 0), []byte{}})

	for target, seeds := range corpus {
		fc.WriteCorpus(t, target, seeds)
	}
}

type seedVector struct {
	Name     string `json:"name"`
	Dir      string `json:"dir"`
	LocalKey string `json:"localKeyHex"`
}

func loadVectors(t *testing.T) []seedVector {
	var all []seedVector
	for _, base := range []string{"../../tdata/testdata/vectors", "../../tdata/testdata/vectors/tdesktop-4.6.5"} {
		raw, err := os.ReadFile(filepath.Join(base, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Vectors []seedVector }
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, v := range m.Vectors {
			v.Dir = filepath.Join(base, v.Dir)
			all = append(all, v)
		}
	}
	return all
}

func payload(t *testing.T, file []byte) []byte {
	if len(file) < 24 || string(file[:4]) != "TDF$" {
		t.Fatal("not a TDF$ file")
	}
	return file[8 : len(file)-16]
}

func qread(b []byte) (field, rest []byte) {
	n := binary.BigEndian.Uint32(b)
	if n == 0xFFFFFFFF {
		return nil, b[4:]
	}
	return b[4 : 4+n], b[4+n:]
}

// decrypt opens an encrypted part (no checks beyond SHA-1: seeds only).
func decrypt(t *testing.T, enc, key []byte) []byte {
	msgKey := enc[:16]
	k, iv := kdf(key, msgKey)
	block, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	src := enc[16:]
	plain := make([]byte, len(src))
	prevC, prevP := append([]byte{}, iv[:16]...), append([]byte{}, iv[16:]...)
	for i := 0; i < len(src); i += 16 {
		x := make([]byte, 16)
		for j := range x {
			x[j] = src[i+j] ^ prevP[j]
		}
		block.Decrypt(x, x)
		for j := range x {
			x[j] ^= prevC[j]
		}
		copy(plain[i:], x)
		prevC, prevP = src[i:i+16], x
	}
	if s := sha1.Sum(plain); string(s[:16]) != string(msgKey) {
		t.Fatal("seed vector does not decrypt with its manifest's local key")
	}
	l := binary.LittleEndian.Uint32(plain)
	return plain[4:l]
}
