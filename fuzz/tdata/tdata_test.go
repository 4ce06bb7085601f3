package tdatafuzz_test

import (
	"testing"
)

// FuzzTDF fuzzes the TDF$ container and the local decryption: file becomes
// account 0's MTP file, as it is (raw) or framed as a valid TDF$ payload
// with a correct MD5 (wrap), in a folder whose key_datas holds the fixed
// local key.
func FuzzTDF(f *testing.F) {
	f.Fuzz(func(t *testing.T, file []byte, wrap bool) {
		if wrap {
			file = tdf(tdfVersion, file)
		}
		fold := check(t, folder(be32(1, 0, 0), map[string][]byte{fileKeys[0] + "s": file}), file)
		if fold != nil {
			roundTrip(t, fold)
			fold.Wipe()
		}
	})
}

// FuzzMTP fuzzes the MTP authorization block parser: plain is the
// decrypted data of account 0's MTP file (block id and block), encrypted
// correctly with the fixed local key.
func FuzzMTP(f *testing.F) {
	f.Fuzz(func(t *testing.T, plain []byte) {
		fold := check(t, folder(be32(1, 0, 0), map[string][]byte{fileKeys[0] + "s": encryptedFile(plain)}), plain)
		if fold != nil {
			roundTrip(t, fold)
			fold.Wipe()
		}
	})
}

// FuzzKeyData fuzzes key_datas: with raw empty, info is the decrypted
// account list (count, indices, optional active) of a correctly encrypted
// key_datas; otherwise raw is the whole key_datas file. Every account 0..5
// has a valid MTP file and map.
func FuzzKeyData(f *testing.F) {
	f.Fuzz(func(t *testing.T, info []byte, raw []byte) {
		files := map[string][]byte{}
		input := info
		if len(raw) > 0 {
			files["key_datas"] = raw
			input = raw
		}
		fold := check(t, folder(info, files), input)
		if fold != nil {
			roundTrip(t, fold)
			fold.Wipe()
		}
	})
}

// FuzzMap fuzzes the map's lsk entry parser: entries is the decrypted map
// of account 0. A map never makes the read fail; it can only add a warning.
func FuzzMap(f *testing.F) {
	f.Fuzz(func(t *testing.T, entries []byte) {
		fold := check(t, folder(be32(1, 0, 0), map[string][]byte{fileKeys[0] + "/maps": mapFile(entries)}), entries)
		if fold == nil {
			t.Fatal("a map made the read fail")
		}
		if len(fold.Warnings) > 1 {
			t.Fatalf("%d warnings for one map", len(fold.Warnings))
		}
		fold.Wipe()
	})
}
