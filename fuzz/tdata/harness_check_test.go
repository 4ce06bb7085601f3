package tdatafuzz_test

import (
	"encoding/binary"
	"testing"
)

// TestHarnessFolder: the harness's own writer makes folders tdata reads
// without warnings: six accounts, each with its session; the round trip
// holds. A broken harness would let the targets pass vacuously.
func TestHarnessFolder(t *testing.T) {
	fold := check(t, folder(be32(6, 5, 4, 3, 2, 1, 0, 3), nil), nil)
	if fold == nil {
		t.Fatal("the harness folder does not read")
	}
	defer fold.Wipe()
	if len(fold.Accounts) != 6 || len(fold.Warnings) != 0 || fold.Active != 3 {
		t.Fatalf("%d accounts, %d warnings, active %d", len(fold.Accounts), len(fold.Warnings), fold.Active)
	}
	for i, a := range fold.Accounts {
		acc, err := fold.Account(a.Index)
		if err != nil || acc.UserID != int64(1000+5-i) || acc.MainDC != 2 || len(acc.Keys) != 2 {
			t.Fatalf("account %d not as written", a.Index)
		}
	}
	roundTrip(t, fold)
	// The map and MTP encodings the targets fuzz are accepted as written.
	if f := check(t, folder(be32(1, 0), map[string][]byte{fileKeys[0] + "/maps": mapFile(be32(0x09, 0, 1))}), nil); f == nil || len(f.Warnings) != 0 {
		t.Fatal("harness map with one lsk entry not accepted")
	}
	if f := check(t, folder(be32(1, 0), map[string][]byte{fileKeys[0] + "s": encryptedFile(authBlock(7, 5, 5))}), nil); f == nil {
		t.Fatal("harness MTP file not accepted")
	} else if a, err := f.Account(0); err != nil || a.UserID != 7 || a.MainDC != 5 {
		t.Fatal("harness MTP file read wrong")
	}
}

// TestHarnessUserIDFromKeyBytes: a user id whose eight bytes are a piece
// of the account's key (what a CI fuzzing run found: FuzzMTP's mutator
// copies bytes within the input) prints as 16 hex digits of the key under
// %x; the harness must take that for the public value it is, not a leak.
func TestHarnessUserIDFromKeyBytes(t *testing.T) {
	var k [8]byte
	for i := range k {
		k[i] = byte(16+i) ^ 2 | 1 // authBlock's key bytes for DC 2, at 16..23
	}
	plain := authBlock(binary.BigEndian.Uint64(k[:]), 2, 2)
	f := check(t, folder(be32(1, 0, 0), map[string][]byte{fileKeys[0] + "s": encryptedFile(plain)}), plain)
	if f == nil {
		t.Fatal("the folder does not read")
	}
	defer f.Wipe()
	if a, err := f.Account(0); err != nil || a.UserID != int64(binary.BigEndian.Uint64(k[:])) {
		t.Fatal("user id not read as written")
	}
}
