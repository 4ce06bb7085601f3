//go:build interop

package tdata_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/interop/peer"
	"github.com/tgsession/tgsession/tdata"
)

// interopAccounts returns n fake accounts, account i with i%3+1 DC keys.
func interopAccounts(t *testing.T, n int) []tdata.Account {
	var accs []tdata.Account
	for i := range n {
		main := 1 + (i+1)%5
		var keys []tdata.DCKey
		for j := 0; j <= i%3; j++ {
			k, _ := fakeKey(t, byte(40*i+j+1))
			keys = append(keys, tdata.DCKey{DC: 1 + (main-1+j)%5, Key: k})
		}
		accs = append(accs, tdata.Account{Index: (i + 2) % 6, UserID: 100_000 + int64(i)*3_000_000_007, MainDC: main, Keys: keys})
	}
	return accs
}

type mtcuteFolder struct {
	Version  uint32 `json:"version"`
	Count    int    `json:"count"`
	Order    []int  `json:"order"`
	Active   int    `json:"active"`
	Accounts []struct {
		Index     int    `json:"index"`
		UserID    string `json:"user_id"`
		MainDC    int    `json:"main_dc"`
		ToDestroy int    `json:"to_destroy"`
		Keys      []struct {
			DC  int    `json:"dc"`
			Hex string `json:"auth_key_hex"`
		} `json:"keys"`
	} `json:"accounts"`
}

// TestInteropMtcuteReads: @mtcute/convert 0.29.7's Tdata reads the folders
// Write makes to the same accounts, ids, DCs and keys; it refuses a TDF
// tag above its own 5008003 (why DefaultVersion is low).
func TestInteropMtcuteReads(t *testing.T) {
	node := peer.StartNode(t)
	for _, c := range []struct {
		name     string
		n        int
		passcode string
		version  uint32
	}{
		{"one", 1, "", 0},
		{"one passcode", 1, "tgsession", 0},
		{"three passcode", 3, "пароль ✓", 0},
		{"six", 6, "", 0},
		{"tag 5008003", 2, "", 5008003},
	} {
		t.Run(c.name, func(t *testing.T) {
			accs := interopAccounts(t, c.n)
			dir := filepath.Join(t.TempDir(), "tdata")
			require.NoError(t, tdata.Write(dir, accs, tdata.WriteOptions{Passcode: []byte(c.passcode), Version: c.version}))
			var got mtcuteFolder
			require.NoError(t, node.Call("tdata_read", map[string]any{"path": dir, "passcode": c.passcode}, &got))
			want := c.version
			if want == 0 {
				want = tdata.DefaultVersion
			}
			require.Equal(t, want, got.Version)
			require.Equal(t, c.n, got.Count)
			require.Equal(t, accs[0].Index, got.Active)
			require.Len(t, got.Accounts, c.n)
			for i, a := range accs {
				g := got.Accounts[i]
				require.Equal(t, a.Index, got.Order[i])
				require.Equal(t, a.Index, g.Index)
				require.Equal(t, strconv.FormatInt(a.UserID, 10), g.UserID)
				require.Equal(t, a.MainDC, g.MainDC)
				require.Zero(t, g.ToDestroy)
				require.Len(t, g.Keys, len(a.Keys))
				for j, k := range a.Keys {
					require.Equal(t, k.DC, g.Keys[j].DC)
					b, err := hex.DecodeString(g.Keys[j].Hex)
					require.NoError(t, err)
					raw := k.Key.Reveal()
					same := bytes.Equal(b, raw)
					clear(raw)
					if !same {
						t.Fatalf("account %d key %d: mtcute read a different key (want id %v)", a.Index, j, k.Key.ID())
					}
				}
			}
			if c.passcode != "" {
				err := node.Call("tdata_read", map[string]any{"path": dir, "passcode": c.passcode + "x"}, &got)
				require.ErrorContains(t, err, "invalid password")
			}
		})
	}
	// A tag above 5008003: mtcute 0.29.7 refuses the folder.
	dir := filepath.Join(t.TempDir(), "tdata")
	require.NoError(t, tdata.Write(dir, interopAccounts(t, 1), tdata.WriteOptions{Version: 5008004}))
	var got mtcuteFolder
	require.ErrorContains(t, node.Call("tdata_read", map[string]any{"path": dir}, &got), "Unsupported version: 5008004")
}

var readKeysLine = regexp.MustCompile(`MTP Info: read keys, current: (\d+), to destroy: (\d+)`)

// loadInTDesktop runs testdata/tdesktop_load.sh on dir and returns the log
// lines it printed. It skips the test when Telegram Desktop is not
// installed.
func loadInTDesktop(t *testing.T, dir, passcode string) string {
	t.Helper()
	if _, err := exec.LookPath("telegram-desktop"); err != nil {
		t.Skip("telegram-desktop not installed: apt-get install -y --no-install-recommends telegram-desktop xvfb xauth xdotool")
	}
	cmd := exec.Command("bash", "testdata/tdesktop_load.sh", dir)
	cmd.Env = append(os.Environ(), "TDATA_PASSCODE="+passcode)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
		t.Skipf("tdesktop_load.sh: %s", strings.TrimSpace(string(out)))
	}
	require.NoError(t, err, "%s", out)
	t.Logf("Telegram Desktop log:\n%s", out)
	return string(out)
}

// TestInteropTDesktopLoads: the real Telegram Desktop (Debian 12's 4.6.5),
// offline under Xvfb, reads the keys of every account of a folder Write
// made, with and without a passcode, at the default TDF tag; and with a
// tag newer than itself it refuses key_datas, as documented.
func TestInteropTDesktopLoads(t *testing.T) {
	t.Run("two accounts", func(t *testing.T) {
		accs := interopAccounts(t, 2) // 1 and 2 keys
		dir := filepath.Join(t.TempDir(), "tdata")
		require.NoError(t, tdata.Write(dir, accs, tdata.WriteOptions{}))
		log := loadInTDesktop(t, dir, "")
		require.Contains(t, log, "reading accounts info")
		got := readKeysLine.FindAllStringSubmatch(log, -1)
		require.Len(t, got, 2, "one 'read keys' line per account")
		require.Equal(t, []string{"1", "0"}, got[0][1:])
		require.Equal(t, []string{"2", "0"}, got[1][1:])
		require.NotContains(t, log, "version too big")
	})
	t.Run("passcode", func(t *testing.T) {
		accs := interopAccounts(t, 3)[2:] // 3 keys
		dir := filepath.Join(t.TempDir(), "tdata")
		require.NoError(t, tdata.Write(dir, accs, tdata.WriteOptions{Passcode: []byte("tgsession")}))
		log := loadInTDesktop(t, dir, "tgsession")
		got := readKeysLine.FindAllStringSubmatch(log, -1)
		require.Len(t, got, 1)
		require.Equal(t, []string{"3", "0"}, got[0][1:])
	})
	t.Run("wrong passcode typed", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tdata")
		require.NoError(t, tdata.Write(dir, interopAccounts(t, 1), tdata.WriteOptions{Passcode: []byte("tgsession")}))
		log := loadInTDesktop(t, dir, "not-the-passcode")
		require.Contains(t, log, "could not decrypt pass-protected key")
		require.NotRegexp(t, readKeysLine, log, "keys read without the right passcode")
	})
	t.Run("tag newer than TDesktop", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "tdata")
		require.NoError(t, tdata.Write(dir, interopAccounts(t, 1), tdata.WriteOptions{Version: 9000000}))
		log := loadInTDesktop(t, dir, "")
		require.Contains(t, log, "version too big")
		require.NotRegexp(t, readKeysLine, log)
	})
}

// TestInteropMtcuteVectors: on every vector folder with sessions, mtcute
// and this package read the same version, list, accounts and keys.
func TestInteropMtcuteVectors(t *testing.T) {
	node := peer.StartNode(t)
	for _, v := range vectors(t) {
		if v.Name == "tdesktop-4.6.5/fresh-nologin" {
			continue // no MTP file: mtcute's readMtpAuthorization throws
		}
		t.Run(v.Name, func(t *testing.T) {
			abs, err := filepath.Abs(v.root)
			require.NoError(t, err)
			var got mtcuteFolder
			require.NoError(t, node.Call("tdata_read", map[string]any{"path": abs, "passcode": v.Passcode}, &got))
			f, err := tdata.Read(v.root, []byte(v.Passcode))
			require.NoError(t, err)
			defer f.Wipe()
			require.Equal(t, f.Version, got.Version)
			require.Equal(t, f.Active, got.Active)
			require.Len(t, got.Accounts, len(f.Accounts))
			for i, a := range f.Accounts {
				g := got.Accounts[i]
				require.Equal(t, a.Index, g.Index)
				require.Equal(t, strconv.FormatInt(a.UserID, 10), g.UserID)
				require.Equal(t, a.MainDC, g.MainDC)
				require.Equal(t, a.KeysToDestroy, g.ToDestroy)
				require.Len(t, g.Keys, len(a.Keys))
				for j, k := range a.Keys {
					b, err := hex.DecodeString(g.Keys[j].Hex)
					require.NoError(t, err)
					raw := k.Key.Reveal()
					same := bytes.Equal(b, raw) && g.Keys[j].DC == k.DC
					clear(raw)
					if !same {
						t.Fatalf("account %d key %d (id %v): mtcute disagrees", a.Index, j, k.Key.ID())
					}
				}
			}
		})
	}
}
