// Package tdatafuzz implements the fuzz targets of the Telegram Desktop
// tdata reader (package tdata): FuzzTDF (the TDF$ container and the local
// decryption of an MTP file), FuzzMTP (the authorization block parser),
// FuzzKeyData (key_datas and its account list) and FuzzMap (the lsk
// entries of a map).
//
// The targets build each folder in memory with a writer of their own
// (harness_test.go: crypto/pbkdf2, AES-IGE over crypto/aes, a fixed local
// key and salt), independent of the package under test, so that fuzzed
// bytes reach the parsers behind the MD5 and SHA-1 checks. Invariants: no
// panic and no hang; a refused folder gets a typed error (a tdata sentinel
// or fs.ErrNotExist) whose text holds no input bytes, no key and no local
// key; an accepted folder holds at most 6 accounts with distinct indices
// 0..5, positive DCs, at most 32 keys each, prints no key under fmt, and
// what tdata.Write makes of it reads back identically. Seed corpora in
// testdata/fuzz/<Target>/ are generated from tdata/testdata/vectors by
// TestWriteSeeds (TGSESSION_WRITE_SEEDS=1).
package tdatafuzz
