package tdata_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/tdata"
)

// TestVectors: every vector reads to exactly the manifest's accounts, user
// ids, main DCs, keys (auth_key_id, and the full bytes compared without
// printing them), keys-to-destroy counts, active account and TDF version.
func TestVectors(t *testing.T) {
	for _, v := range vectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			f, err := tdata.Read(v.root, []byte(v.Passcode))
			require.NoError(t, err)
			defer f.Wipe()
			require.Equal(t, v.TDFVersion, f.Version)
			require.Equal(t, v.KeyData.Active, f.Active)
			require.Equal(t, v.Passcode != "", f.Passcode)
			require.Equal(t, "data", f.DataName)
			require.Len(t, f.Accounts, len(v.Accounts))
			var order []int
			for _, a := range f.Accounts {
				order = append(order, a.Index)
			}
			require.Equal(t, v.KeyData.Order, order)
			for i, want := range v.Accounts {
				got := f.Accounts[i]
				require.Equal(t, want.Index, got.Index)
				if want.UserID == "" { // "authorization": null
					_, err := f.Account(want.Index)
					var se *tdata.SlotError
					require.ErrorAs(t, err, &se)
					require.True(t, se.NoFile)
					require.Equal(t, want.Index, se.Index)
					require.Empty(t, got.Keys)
					continue
				}
				a, err := f.Account(want.Index)
				require.NoError(t, err)
				require.Equal(t, want.UserID, strconv.FormatInt(a.UserID, 10))
				require.Equal(t, want.MainDC, a.MainDC)
				require.Equal(t, len(want.ToDestroy), a.KeysToDestroy)
				require.Len(t, a.Keys, len(want.AuthKeys))
				for j, wk := range want.AuthKeys {
					gk := a.Keys[j]
					require.Equal(t, wk.DC, gk.DC)
					require.Equal(t, wk.KeyID, gk.Key.ID().String())
					raw, err := hex.DecodeString(wk.Hex)
					require.NoError(t, err)
					b := gk.Key.Reveal()
					same := bytes.Equal(raw, b)
					clear(b)
					if !same {
						t.Fatalf("account %d key %d (id %v): bytes differ from the manifest", want.Index, j, gk.Key.ID())
					}
				}
				main, ok := a.Main()
				require.True(t, ok)
				require.Equal(t, want.MainDC, main.DC)
				require.False(t, a.ConfigRead, "no vector has a configs file")
			}
			if v.Name != "tdesktop-4.6.5/fresh-nologin" {
				require.Empty(t, f.Warnings)
			}
		})
	}
}

// TestWrongPasscode: a wrong or missing passcode gives ErrWrongPasscode,
// and a passcode given for a folder without one too; the error shows
// neither the passcode nor key bytes.
func TestWrongPasscode(t *testing.T) {
	for _, v := range vectors(t) {
		if v.Name == "tdesktop-4.6.5/fresh-nologin" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			wrong := [][]byte{[]byte("wrong-passcode-123"), []byte(v.Passcode + "x")}
			if v.Passcode != "" {
				wrong = append(wrong, nil)
			}
			for _, p := range wrong {
				f, err := tdata.Read(v.root, p)
				require.Nil(t, f)
				require.ErrorIs(t, err, tdata.ErrWrongPasscode)
				var fe *tdata.FileError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, filepath.Join(v.root, "key_datas"), fe.Path)
				lk, _ := hex.DecodeString(v.LocalKey)
				if l := leaks(err.Error(), string(p), lk); l != "" {
					t.Fatalf("error leaks %s", l)
				}
				if v.Passcode != "" && strings.Contains(err.Error(), v.Passcode) {
					t.Fatal("error shows the real passcode")
				}
			}
		})
	}
}

// allKeys returns the raw keys of a vector (for leak checks).
func allKeys(t testing.TB, v vector) [][]byte {
	var out [][]byte
	lk, _ := hex.DecodeString(v.LocalKey)
	out = append(out, lk)
	for _, a := range v.Accounts {
		for _, k := range append(append([]manifestKey(nil), a.AuthKeys...), a.ToDestroy...) {
			b, err := hex.DecodeString(k.Hex)
			require.NoError(t, err)
			out = append(out, b)
		}
	}
	return out
}

// sentinels are the errors a corrupted or truncated file may give.
var sentinels = []error{tdata.ErrCorrupt, tdata.ErrTooLarge, tdata.ErrWrongPasscode, tdata.ErrNoAccounts,
	tdata.ErrTooManyAccounts, tdata.ErrUnsupported, tdata.ErrLegacyKeyScheme, fs.ErrNotExist}

func requireTyped(t testing.TB, err error, what string) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: untyped error %T", what, err)
}

// TestCorruptEveryByte flips each byte of each file of the passcode-less
// vectors in turn. A key_datas or MTP file must then fail with a typed
// error (MD5 catches every flip), a map or other file only adds a
// warning or is ignored; nothing panics and no error shows a secret.
func TestCorruptEveryByte(t *testing.T) {
	for _, v := range vectors(t) {
		if v.Passcode != "" {
			continue // every flip fails the MD5 before the key derivation anyway
		}
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			base := mapFS(t, v.root)
			secrets := allKeys(t, v)
			for name, file := range base {
				essential := name == "key_datas" || (strings.HasSuffix(name, "s") && !strings.Contains(name, "/") && name != "settingss" && len(name) == 17 && hasAccount(v, name))
				for i := range file.Data {
					fsys := cloneFS(base)
					fsys[name].Data[i] ^= 0x5a
					f, err := tdata.ReadFS(fsys, []byte(v.Passcode))
					what := name + " byte " + strconv.Itoa(i)
					if essential {
						require.Error(t, err, what)
						requireTyped(t, err, what)
						require.ErrorIs(t, err, tdata.ErrCorrupt, what)
						if l := leaks(err.Error(), "", secrets...); l != "" {
							t.Fatalf("%s: error leaks %s", what, l)
						}
						continue
					}
					require.NoError(t, err, what)
					if strings.HasSuffix(name, "/maps") {
						require.NotEmpty(t, f.Warnings, what)
					}
					for _, w := range f.Warnings {
						if l := leaks(w, "", secrets...); l != "" {
							t.Fatalf("%s: warning leaks %s", what, l)
						}
					}
					f.Wipe()
				}
			}
		})
	}
}

// hasAccount reports whether name is the MTP file of a vector account.
func hasAccount(v vector, name string) bool {
	for _, a := range v.Accounts {
		if a.FileKey+"s" == name && a.UserID != "" {
			return true
		}
	}
	return false
}

// TestTruncateEveryLength cuts each key_datas and MTP file to every shorter
// length: always a typed ErrCorrupt.
func TestTruncateEveryLength(t *testing.T) {
	for _, v := range vectors(t) {
		if v.Passcode != "" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			base := mapFS(t, v.root)
			for name, file := range base {
				if name != "key_datas" && !hasAccount(v, name) {
					continue
				}
				for n := 0; n < len(file.Data); n++ {
					fsys := cloneFS(base)
					fsys[name].Data = fsys[name].Data[:n]
					_, err := tdata.ReadFS(fsys, nil)
					require.ErrorIs(t, err, tdata.ErrCorrupt, "%s cut to %d", name, n)
				}
			}
		})
	}
}

// TestOversized: a file above MaxFileSize is refused before it is read.
func TestOversized(t *testing.T) {
	v := vectors(t)[0]
	for _, name := range []string{"key_datas", "D877F783D5D3EF8Cs"} {
		fsys := mapFS(t, v.root)
		big := make([]byte, tdata.MaxFileSize+1)
		copy(big, fsys[name].Data)
		fsys[name].Data = big
		_, err := tdata.ReadFS(fsys, nil)
		require.ErrorIs(t, err, tdata.ErrTooLarge, name)
		var fe *tdata.FileError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, name, fe.Path)
	}
	// Exactly MaxFileSize is read (and then fails its MD5).
	fsys := mapFS(t, v.root)
	fsys["key_datas"].Data = make([]byte, tdata.MaxFileSize)
	_, err := tdata.ReadFS(fsys, nil)
	require.ErrorIs(t, err, tdata.ErrCorrupt)
}

// TestMissingMTPFile: an account whose MTP file is gone is a slot without a
// session; the other accounts still read.
func TestMissingMTPFile(t *testing.T) {
	v := vectorNamed(t, "multi2")
	fsys := mapFS(t, v.root)
	delete(fsys, "A7FDF864FBC10B77s")
	f, err := tdata.ReadFS(fsys, nil)
	require.NoError(t, err)
	defer f.Wipe()
	require.Len(t, f.Accounts, 2)
	_, err = f.Account(0)
	require.NoError(t, err)
	_, err = f.Account(1)
	var se *tdata.SlotError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 1, se.Index)
	require.True(t, se.NoFile)
	require.Contains(t, strings.Join(f.Warnings, "\n"), "account 1: no MTP authorization file")
	_, err = f.Account(4)
	require.ErrorIs(t, err, tdata.ErrNoAccounts)
}

// TestMissingMap: no map is a warning (Telegram Desktop would start the
// account logged out), not an error.
func TestMissingMap(t *testing.T) {
	v := vectorNamed(t, "single")
	fsys := mapFS(t, v.root)
	delete(fsys, "D877F783D5D3EF8C/maps")
	f, err := tdata.ReadFS(fsys, nil)
	require.NoError(t, err)
	defer f.Wipe()
	require.Len(t, f.Warnings, 1)
	require.Contains(t, f.Warnings[0], "no map")
}

func vectorNamed(t testing.TB, name string) vector {
	for _, v := range vectors(t) {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no vector %s", name)
	return vector{}
}

// TestUnknownVersion: a TDF version newer than any known Telegram Desktop
// is read and reported; so is one older than the key_datas layout.
func TestUnknownVersion(t *testing.T) {
	v := vectorNamed(t, "single")
	for _, ver := range []uint32{7000006, 1009017} {
		fsys := mapFS(t, v.root)
		for name, file := range fsys {
			file.Data = retag(file.Data, ver)
			fsys[name] = file
		}
		f, err := tdata.ReadFS(fsys, nil)
		require.NoError(t, err)
		require.Equal(t, ver, f.Version)
		w := strings.Join(f.Warnings, "\n")
		require.Contains(t, w, "key_datas: TDF version "+strconv.Itoa(int(ver)))
		require.Contains(t, w, "account 0: D877F783D5D3EF8Cs: TDF version "+strconv.Itoa(int(ver)))
		f.Wipe()
	}
}

// TestLegacySuffixByMtime: without "Xs", X0 and X1 are read newest first,
// and the older is used when the newer is bad.
func TestLegacySuffixByMtime(t *testing.T) {
	a := mapFS(t, vectorNamed(t, "single").root)
	// b: the same layout, another local key and user id.
	dir := t.TempDir()
	k, _ := fakeKey(t, 9)
	require.NoError(t, tdata.Write(dir, []tdata.Account{{UserID: 777, MainDC: 4, Keys: []tdata.DCKey{{DC: 4, Key: k}}}}, tdata.WriteOptions{}))
	b := mapFS(t, dir)

	old, recent := time.Unix(1_600_000_000, 0), time.Unix(1_700_000_000, 0)
	build := func(t0, t1 time.Time) fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, n := range []string{"key_data", "D877F783D5D3EF8C"} {
			fsys[n+"0"] = &fstest.MapFile{Data: a[n+"s"].Data, ModTime: t0}
			fsys[n+"1"] = &fstest.MapFile{Data: b[n+"s"].Data, ModTime: t1}
		}
		return fsys
	}
	cases := []struct {
		name   string
		fsys   fstest.MapFS
		userID int64
	}{
		{"0 newer", build(recent, old), 123456789},
		{"1 newer", build(old, recent), 777},
		{"same time: 0 first", build(recent, recent), 123456789},
	}
	for _, c := range cases {
		f, err := tdata.ReadFS(c.fsys, nil)
		require.NoError(t, err, c.name)
		a, err := f.Account(0)
		require.NoError(t, err, c.name)
		require.Equal(t, c.userID, a.UserID, c.name)
		f.Wipe()
	}
	// The newer key_data is corrupt: the older one is read.
	fsys := build(old, recent)
	fsys["key_data1"].Data = []byte("TDF$ corrupt")
	fsys["D877F783D5D3EF8C1"].ModTime = old
	fsys["D877F783D5D3EF8C0"].ModTime = recent
	f, err := tdata.ReadFS(fsys, nil)
	require.NoError(t, err)
	acc, err := f.Account(0)
	require.NoError(t, err)
	require.Equal(t, int64(123456789), acc.UserID)
	f.Wipe()
	// "s" wins over 0/1 whatever the times.
	fsys = build(old, recent)
	fsys["key_datas"] = a["key_datas"]
	fsys["D877F783D5D3EF8Cs"] = a["D877F783D5D3EF8Cs"]
	f, err = tdata.ReadFS(fsys, nil)
	require.NoError(t, err)
	acc, err = f.Account(0)
	require.NoError(t, err)
	require.Equal(t, int64(123456789), acc.UserID)
	f.Wipe()
}

// TestNotATdataFolder: no key file at all is fs.ErrNotExist.
func TestNotATdataFolder(t *testing.T) {
	_, err := tdata.Read(t.TempDir(), nil)
	require.ErrorIs(t, err, fs.ErrNotExist)
	var fe *tdata.FileError
	require.ErrorAs(t, err, &fe)
	require.True(t, strings.HasSuffix(fe.Path, "/key_datas"))
}

// TestOtherDataName: a folder written under -key NAME (key_NAMEs) is found.
func TestOtherDataName(t *testing.T) {
	fsys := mapFS(t, vectorNamed(t, "single").root)
	fsys["key_works"] = fsys["key_datas"]
	delete(fsys, "key_datas")
	f, err := tdata.ReadFS(fsys, nil)
	// The accounts are keyed by "works", so account 0's files are missing.
	require.NoError(t, err)
	require.Equal(t, "work", f.DataName)
	_, err = f.Account(0)
	var se *tdata.SlotError
	require.ErrorAs(t, err, &se)
}

// TestFileErrorEscapes: control characters in the directory never reach
// the error text as they are.
func TestFileErrorEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "evil\n\x1b[31mred\u202e")
	require.NoError(t, os.Mkdir(dir, 0o700))
	_, err := tdata.Read(dir, nil)
	require.Error(t, err)
	msg := err.Error()
	require.NotContains(t, msg, "\n")
	require.NotContains(t, msg, "\x1b")
	require.NotContains(t, msg, "\u202e")
	require.Contains(t, msg, `evil\n\x1b[31mred\u202e`)
}
