package tdata_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/tdata"
)

func sixAccounts(t testing.TB) []tdata.Account {
	var accs []tdata.Account
	for i := range 6 {
		k1, _ := fakeKey(t, byte(2*i+1))
		k2, _ := fakeKey(t, byte(2*i+2))
		dc := 1 + i%5
		other := 1 + (i+1)%5
		accs = append(accs, tdata.Account{
			Index:  []int{3, 0, 5, 1, 4, 2}[i],
			UserID: 1_000_000_000 + int64(i)*7_777_777_777,
			MainDC: dc,
			Keys:   []tdata.DCKey{{DC: other, Key: k2}, {DC: dc, Key: k1}},
		})
	}
	return accs
}

// TestWriteRoundTrip: what Write writes, Read reads back identically, with
// and without a passcode, for one to six accounts; files are 0600 and
// directories 0700; the first account is active.
func TestWriteRoundTrip(t *testing.T) {
	accs := sixAccounts(t)
	for _, pass := range []string{"", "correct horse ✓"} {
		for n := 1; n <= 6; n++ {
			dir := filepath.Join(t.TempDir(), "tdata")
			want := accs[:n]
			require.NoError(t, tdata.Write(dir, want, tdata.WriteOptions{Passcode: []byte(pass)}))
			f, err := tdata.Read(dir, []byte(pass))
			require.NoError(t, err)
			require.Equal(t, uint32(tdata.DefaultVersion), f.Version)
			require.Equal(t, want[0].Index, f.Active)
			require.Equal(t, pass != "", f.Passcode)
			require.Empty(t, f.Warnings)
			sameAccounts(t, want, f.Accounts)
			for _, a := range f.Accounts {
				require.Zero(t, a.KeysToDestroy)
				_, err := f.Account(a.Index)
				require.NoError(t, err)
			}
			f.Wipe()
			checkModes(t, dir)
			if pass != "" {
				_, err := tdata.Read(dir, nil)
				require.ErrorIs(t, err, tdata.ErrWrongPasscode)
			}
			if pass != "" && n > 1 {
				break // the passcode derivation is slow; one multi-account case is enough
			}
		}
	}
}

func checkModes(t testing.TB, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700 | fs.ModeDir
		}
		require.Equal(t, want, info.Mode(), p)
		require.False(t, strings.HasPrefix(d.Name(), ".tgsession-tmp-"), "temporary file left: %s", p)
		return nil
	})
	require.NoError(t, err)
}

// TestWriteFreshKeys: two folders written from the same accounts share no
// salt, local key or ciphertext.
func TestWriteFreshKeys(t *testing.T) {
	accs := sixAccounts(t)[1:2] // index 0
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, tdata.Write(a, accs, tdata.WriteOptions{}))
	require.NoError(t, tdata.Write(b, accs, tdata.WriteOptions{}))
	for _, name := range []string{"key_datas", "D877F783D5D3EF8Cs", "D877F783D5D3EF8C/maps"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		require.NoError(t, err)
		y, err := os.ReadFile(filepath.Join(b, name))
		require.NoError(t, err)
		require.Equal(t, len(x), len(y), name)
		require.False(t, bytes.Equal(x[8:], y[8:]), "%s identical in two folders", name)
	}
	x, _ := os.ReadFile(filepath.Join(a, "key_datas"))
	y, _ := os.ReadFile(filepath.Join(b, "key_datas"))
	require.False(t, bytes.Equal(x[12:44], y[12:44]), "same salt twice")
}

// TestWriteLayout: the files are where Telegram Desktop looks, the map is
// TDesktop's empty map (null legacy fields), the version tag is the one asked for.
func TestWriteLayout(t *testing.T) {
	dir := t.TempDir()
	accs := sixAccounts(t)[:2] // indices 3 and 0
	require.NoError(t, tdata.Write(dir, accs, tdata.WriteOptions{Version: 4006005}))
	var names []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		names = append(names, filepath.ToSlash(rel))
		return err
	}))
	// Account 3 is "data#4"; account 0 "data" (D877F783D5D3EF8C).
	k3 := testFileKey("data#4")
	require.ElementsMatch(t, []string{".", "key_datas", "D877F783D5D3EF8C", "D877F783D5D3EF8Cs", "D877F783D5D3EF8C/maps",
		k3, k3 + "s", k3 + "/maps"}, names)
	m, err := os.ReadFile(filepath.Join(dir, "D877F783D5D3EF8C/maps"))
	require.NoError(t, err)
	require.Equal(t, "TDF$", string(m[:4]))
	require.Equal(t, []byte{0x75, 0x20, 0x3d, 0x00}, m[4:8], "4006005 little-endian")
	require.Equal(t, bytes.Repeat([]byte{0xff}, 8), m[8:16], "null legacy salt and key")
	require.Len(t, m, 68, "an empty map is 68 bytes, as Telegram Desktop writes it")
}

// testFileKey is the file key of a data name, computed independently of the
// package: MD5, first 8 bytes, each byte's two hex digits swapped.
func testFileKey(name string) string {
	sum := md5.Sum([]byte(name))
	h := strings.ToUpper(hex.EncodeToString(sum[:8]))
	var b strings.Builder
	for i := 0; i < 16; i += 2 {
		b.WriteByte(h[i+1])
		b.WriteByte(h[i])
	}
	return b.String()
}

// TestWriteRefusesExisting: never into an existing tdata without Force;
// with Force the folder is replaced and reads as the new accounts.
func TestWriteRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	accs := sixAccounts(t)
	require.NoError(t, tdata.Write(dir, accs[:1], tdata.WriteOptions{}))
	before, _ := os.ReadFile(filepath.Join(dir, "key_datas"))
	err := tdata.Write(dir, accs[1:2], tdata.WriteOptions{})
	require.ErrorIs(t, err, tdata.ErrExists)
	require.NotContains(t, err.Error(), "--force")
	after, _ := os.ReadFile(filepath.Join(dir, "key_datas"))
	require.Equal(t, before, after, "refused write modified key_datas")

	require.NoError(t, tdata.Write(dir, accs[1:2], tdata.WriteOptions{Force: true}))
	f, err := tdata.Read(dir, nil)
	require.NoError(t, err)
	sameAccounts(t, accs[1:2], f.Accounts)
	f.Wipe()

	// A legacy key_data0 counts as a tdata folder too.
	dir2 := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir2, "key_data0"), []byte("x"), 0o600))
	require.ErrorIs(t, tdata.Write(dir2, accs[:1], tdata.WriteOptions{}), tdata.ErrExists)

	// A stray MTP file without key_datas is not replaced without Force.
	dir3 := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir3, "D877F783D5D3EF8Cs"), []byte("keep"), 0o600))
	require.ErrorIs(t, tdata.Write(dir3, accs[1:2], tdata.WriteOptions{}), tdata.ErrExists)
	b, _ := os.ReadFile(filepath.Join(dir3, "D877F783D5D3EF8Cs"))
	require.Equal(t, "keep", string(b))
	_, err = os.Stat(filepath.Join(dir3, "key_datas"))
	require.ErrorIs(t, err, fs.ErrNotExist, "no key_datas after a refused write")

	// dir is a file.
	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	require.ErrorIs(t, tdata.Write(file, accs[:1], tdata.WriteOptions{}), tdata.ErrExists)
}

// TestWriteNeverReplacesNonRegular: even with Force, a symlink or directory
// where a file goes is refused, and the symlink's target is untouched.
func TestWriteNeverReplacesNonRegular(t *testing.T) {
	accs := sixAccounts(t)[1:2] // index 0
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	require.NoError(t, os.WriteFile(target, []byte("precious"), 0o600))
	require.NoError(t, os.Symlink(target, filepath.Join(dir, "key_datas")))
	err := tdata.Write(dir, accs, tdata.WriteOptions{Force: true})
	require.ErrorIs(t, err, tdata.ErrExists)
	b, _ := os.ReadFile(target)
	require.Equal(t, "precious", string(b))
	fi, err := os.Lstat(filepath.Join(dir, "key_datas"))
	require.NoError(t, err)
	require.Equal(t, fs.ModeSymlink, fi.Mode()&fs.ModeType)

	dir2 := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir2, "D877F783D5D3EF8Cs"), 0o700))
	require.ErrorIs(t, tdata.Write(dir2, accs, tdata.WriteOptions{Force: true}), tdata.ErrExists)

	dir3 := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir3, "D877F783D5D3EF8C"), nil, 0o600))
	require.ErrorIs(t, tdata.Write(dir3, accs, tdata.WriteOptions{Force: true}), tdata.ErrExists)
}

// TestWriteRefusals: what Write cannot write faithfully is refused before
// anything is written.
func TestWriteRefusals(t *testing.T) {
	k, _ := fakeKey(t, 1)
	k2, _ := fakeKey(t, 2)
	ok := func() tdata.Account {
		return tdata.Account{Index: 0, UserID: 1, MainDC: 2, Keys: []tdata.DCKey{{DC: 2, Key: k}}}
	}
	mod := func(f func(a *tdata.Account)) []tdata.Account { a := ok(); f(&a); return []tdata.Account{a} }
	seven := make([]tdata.Account, 7)
	for i := range seven {
		seven[i] = ok()
		seven[i].Index = i
		seven[i].UserID = int64(i + 1)
	}
	cases := []struct {
		name string
		accs []tdata.Account
		opts tdata.WriteOptions
		want error
	}{
		{"none", nil, tdata.WriteOptions{}, tdata.ErrNoAccounts},
		{"seven", seven, tdata.WriteOptions{}, tdata.ErrTooManyAccounts},
		{"test DC", mod(func(a *tdata.Account) { a.Test = true }), tdata.WriteOptions{}, tdata.ErrUnsupported},
		{"index 6", mod(func(a *tdata.Account) { a.Index = 6 }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"index -1", mod(func(a *tdata.Account) { a.Index = -1 }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"no keys", mod(func(a *tdata.Account) { a.Keys = nil }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"no main key", mod(func(a *tdata.Account) { a.MainDC = 4 }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"main DC 0", mod(func(a *tdata.Account) { a.MainDC = 0 }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"key DC 0", mod(func(a *tdata.Account) { a.Keys = append(a.Keys, tdata.DCKey{DC: 0, Key: k2}) }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"two keys one DC", mod(func(a *tdata.Account) { a.Keys = append(a.Keys, tdata.DCKey{DC: 2, Key: k2}) }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"unset key", mod(func(a *tdata.Account) { a.Keys[0].Key = codec.AuthKey{} }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"negative user", mod(func(a *tdata.Account) { a.UserID = -5 }), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"version too low", []tdata.Account{ok()}, tdata.WriteOptions{Version: 2001013}, tdata.ErrInvalid},
		{"version above int32", []tdata.Account{ok()}, tdata.WriteOptions{Version: 1 << 31}, tdata.ErrInvalid},
		{"two user 0", func() []tdata.Account {
			a, b := ok(), ok()
			a.UserID, b.UserID, b.Index = 0, 0, 1
			return []tdata.Account{a, b}
		}(), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"same user twice", func() []tdata.Account {
			a, b := ok(), ok()
			b.Index = 1
			return []tdata.Account{a, b}
		}(), tdata.WriteOptions{}, tdata.ErrInvalid},
		{"same index twice", func() []tdata.Account {
			a, b := ok(), ok()
			b.UserID = 9
			return []tdata.Account{a, b}
		}(), tdata.WriteOptions{}, tdata.ErrInvalid},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "out")
		err := tdata.Write(dir, c.accs, c.opts)
		require.ErrorIs(t, err, c.want, c.name)
		_, serr := os.Stat(dir)
		require.ErrorIs(t, serr, fs.ErrNotExist, "%s: refused write created the directory", c.name)
	}
	// One account with user id 0 is fine (Telegram Desktop accepts it for
	// the last slot).
	a := ok()
	a.UserID = 0
	require.NoError(t, tdata.Write(t.TempDir(), []tdata.Account{a}, tdata.WriteOptions{}))
}

// TestWriteErrorEscapes: a write error names the directory escaped, and the
// os error inside does not repeat the raw path.
func TestWriteErrorEscapes(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "evil\n\x1b[31m")
	require.NoError(t, os.Mkdir(parent, 0o500)) // not writable: MkdirAll fails
	if os.Geteuid() == 0 {
		// root ignores the mode: make the parent a file instead.
		require.NoError(t, os.Remove(parent))
		require.NoError(t, os.WriteFile(parent, nil, 0o600))
	}
	err := tdata.Write(filepath.Join(parent, "tdata"), sixAccounts(t)[1:2], tdata.WriteOptions{})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "\n")
	require.NotContains(t, err.Error(), "\x1b")
	require.Contains(t, err.Error(), `evil\n\x1b[31m`)
}
