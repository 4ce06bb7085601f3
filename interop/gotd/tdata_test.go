package gotd_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/gotd/td/session/tdesktop"
	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/tdata"
)

// tdataAccounts returns fake accounts with several DC keys each.
func tdataAccounts(t *testing.T, n int) ([]tdata.Account, [][][]byte) {
	t.Helper()
	var accs []tdata.Account
	var raws [][][]byte
	for i := range n {
		var keys []tdata.DCKey
		var raw [][]byte
		for j, dc := range []int{1 + i%5, 1 + (i+2)%5} {
			b := bytes.Repeat([]byte{byte(16*i + j + 1)}, codec.AuthKeySize)
			b[7] = byte(i)
			k, err := codec.NewAuthKey(b)
			require.NoError(t, err)
			keys = append(keys, tdata.DCKey{DC: dc, Key: k})
			raw = append(raw, b)
		}
		accs = append(accs, tdata.Account{Index: i, UserID: 5_000_000_000 + int64(i), MainDC: keys[0].DC, Keys: keys})
		raws = append(raws, raw)
	}
	return accs, raws
}

// TestTdataWrittenReadsInGotd: folders tgsession's tdata package writes
// (one to six accounts, with and without a passcode, default and explicit
// TDF version) read in gotd's session/tdesktop to the same accounts, user
// ids, main DCs and every DC key.
func TestTdataWrittenReadsInGotd(t *testing.T) {
	for _, c := range []struct {
		name     string
		n        int
		passcode string
		version  uint32
	}{
		{"one", 1, "", 0},
		{"one passcode", 1, "tgsession ✓", 0},
		{"six", 6, "", 4006005},
		{"three passcode", 3, "1234", 6001002},
	} {
		t.Run(c.name, func(t *testing.T) {
			accs, raws := tdataAccounts(t, c.n)
			dir := filepath.Join(t.TempDir(), "tdata")
			require.NoError(t, tdata.Write(dir, accs, tdata.WriteOptions{Passcode: []byte(c.passcode), Version: c.version}))
			got, err := tdesktop.Read(dir, []byte(c.passcode))
			require.NoError(t, err)
			require.Len(t, got, c.n)
			for i, g := range got {
				require.Equal(t, uint32(accs[i].Index), g.IDx)
				require.Equal(t, uint64(accs[i].UserID), g.Authorization.UserID)
				require.Equal(t, accs[i].MainDC, g.Authorization.MainDC)
				require.Len(t, g.Authorization.Keys, len(accs[i].Keys))
				for j, k := range accs[i].Keys {
					gk, ok := g.Authorization.Keys[k.DC]
					require.True(t, ok, "account %d: gotd has no key for DC %d", i, k.DC)
					if !bytes.Equal(gk[:], raws[i][j]) {
						t.Fatalf("account %d DC %d: gotd's key differs (want id %v)", i, k.DC, k.Key.ID())
					}
				}
			}
			if c.passcode != "" {
				_, err := tdesktop.Read(dir, []byte("wrong"))
				require.Error(t, err)
			}
		})
	}
}

// TestTdataVectorsAgreeWithGotd: on every vector folder, tgsession's reader
// and gotd's agree on every account with a session.
func TestTdataVectorsAgreeWithGotd(t *testing.T) {
	for _, v := range []struct{ dir, passcode string }{
		{"single", ""}, {"single-passcode", "tgsession"}, {"multi2", ""}, {"multi2-passcode", "tgsession"},
		{"tdesktop-4.6.5/multi2-rewritten", ""}, {"tdesktop-4.6.5/single-passcode-rewritten", "tgsession"},
	} {
		dir := filepath.Join("..", "..", "tdata", "testdata", "vectors", v.dir, "tdata")
		ours, err := tdata.Read(dir, []byte(v.passcode))
		require.NoError(t, err, v.dir)
		theirs, err := tdesktop.Read(dir, []byte(v.passcode))
		require.NoError(t, err, v.dir)
		require.Len(t, theirs, len(ours.Accounts), v.dir)
		for i, a := range ours.Accounts {
			g := theirs[i]
			require.Equal(t, uint32(a.Index), g.IDx, v.dir)
			require.Equal(t, uint64(a.UserID), g.Authorization.UserID, v.dir)
			require.Equal(t, a.MainDC, g.Authorization.MainDC, v.dir)
			require.Len(t, g.Authorization.Keys, len(a.Keys), v.dir)
			for _, k := range a.Keys {
				gk := g.Authorization.Keys[k.DC]
				raw := k.Key.Reveal()
				same := bytes.Equal(gk[:], raw)
				clear(raw)
				if !same {
					t.Fatalf("%s account %d DC %d: keys differ (ours %v)", v.dir, a.Index, k.DC, k.Key.ID())
				}
			}
		}
		ours.Wipe()
	}
}
