package tdatafuzz_test

import "testing"

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
