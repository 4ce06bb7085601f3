package tdata

import (
	"path/filepath"
	"testing"

	"github.com/tgsession/tgsession/codec"
)

// Figures: docs/benchmarks-tdata.md.
//
//	go test -run '^$' -bench . -benchmem ./tdata/

func benchRead(b *testing.B, dir, passcode string) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := Read(filepath.Join("testdata/vectors", dir), []byte(passcode))
		if err != nil {
			b.Fatal(err)
		}
		f.Wipe()
	}
}

func BenchmarkReadSingle(b *testing.B)   { benchRead(b, "single/tdata", "") }
func BenchmarkReadMulti2(b *testing.B)   { benchRead(b, "multi2/tdata", "") }
func BenchmarkReadTDesktop(b *testing.B) { benchRead(b, "tdesktop-4.6.5/multi2-rewritten/tdata", "") }
func BenchmarkReadSinglePasscode(b *testing.B) {
	benchRead(b, "single-passcode/tdata", "tgsession")
}
func BenchmarkReadMulti2Passcode(b *testing.B) {
	benchRead(b, "multi2-passcode/tdata", "tgsession")
}

// BenchmarkPBKDF2Passcode is the passcode key derivation alone: 100 000
// rounds of PBKDF2-HMAC-SHA512, 256 bytes (4 blocks).
func BenchmarkPBKDF2Passcode(b *testing.B) {
	salt := make([]byte, saltSize)
	b.ReportAllocs()
	for b.Loop() {
		passcodeKey([]byte("tgsession"), salt).wipe()
	}
}

func benchWrite(b *testing.B, n int, passcode string) {
	var accs []Account
	for i := range n {
		raw := make([]byte, codec.AuthKeySize)
		for j := range raw {
			raw[j] = byte(i + j + 1)
		}
		k, err := codec.NewAuthKey(raw)
		if err != nil {
			b.Fatal(err)
		}
		accs = append(accs, Account{Index: i, UserID: int64(100 + i), MainDC: 2, Keys: []DCKey{{DC: 2, Key: k}}})
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(dir, accs, WriteOptions{Passcode: []byte(passcode), Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The write benchmarks include fsync of every file and directory.
func BenchmarkWriteSingle(b *testing.B)         { benchWrite(b, 1, "") }
func BenchmarkWriteSix(b *testing.B)            { benchWrite(b, 6, "") }
func BenchmarkWriteSinglePasscode(b *testing.B) { benchWrite(b, 1, "tgsession") }
