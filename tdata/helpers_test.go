package tdata_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/tdata"
)

// manifest is the part of testdata/vectors/manifest.json (and
// tdesktop-4.6.5/manifest.json) the tests use. Keys are compared by
// auth_key_id; full key bytes are compared without printing them.
type manifest struct {
	Vectors []vector `json:"vectors"`
}

type vector struct {
	Name       string `json:"name"`
	Dir        string `json:"dir"`
	Passcode   string `json:"passcode"`
	TDFVersion uint32 `json:"tdfVersion"`
	LocalKey   string `json:"localKeyHex"`
	KeyData    struct {
		Count  int   `json:"count"`
		Order  []int `json:"order"`
		Active int   `json:"active"`
	} `json:"keyData"`
	Accounts []struct {
		Index     int           `json:"index"`
		FileKey   string        `json:"fileKey"`
		UserID    string        `json:"userId"` // "" when "authorization": null
		MainDC    int           `json:"mainDcId"`
		AuthKeys  []manifestKey `json:"authKeys"`
		ToDestroy []manifestKey `json:"authKeysToDestroy"`
	} `json:"accounts"`

	root string // directory of the vector's tdata folder
}

type manifestKey struct {
	DC    int    `json:"dcId"`
	Hex   string `json:"keyHex"`
	KeyID string `json:"authKeyIdHex"`
}

// vectors returns every vector of both manifests.
func vectors(t testing.TB) []vector {
	t.Helper()
	var all []vector
	for _, base := range []string{"testdata/vectors", "testdata/vectors/tdesktop-4.6.5"} {
		raw, err := os.ReadFile(filepath.Join(base, "manifest.json"))
		require.NoError(t, err)
		var m manifest
		require.NoError(t, json.Unmarshal(raw, &m))
		for _, v := range m.Vectors {
			v.root = filepath.Join(base, v.Dir)
			if base != "testdata/vectors" {
				v.Name = "tdesktop-4.6.5/" + v.Name
			}
			all = append(all, v)
		}
	}
	require.GreaterOrEqual(t, len(all), 7)
	return all
}

// mapFS loads a folder into memory.
func mapFS(t testing.TB, root string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, _ := d.Info()
		fsys[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b, Mode: 0o600, ModTime: info.ModTime()}
		return nil
	})
	require.NoError(t, err)
	return fsys
}

func cloneFS(fsys fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range fsys {
		c := *v
		c.Data = append([]byte(nil), v.Data...)
		out[k] = &c
	}
	return out
}

// fakeKey returns an obviously fake, non-zero key derived from seed.
func fakeKey(t testing.TB, seed byte) (codec.AuthKey, []byte) {
	t.Helper()
	b := make([]byte, codec.AuthKeySize)
	for i := range b {
		b[i] = byte(i)*7 + seed
	}
	b[0] = seed | 1
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k, b
}

// leaks reports which secret text shows (hex, base64 or raw window of 8
// bytes of a key, or the passcode), never the text itself.
func leaks(text string, passcode string, keys ...[]byte) string {
	if passcode != "" && strings.Contains(text, passcode) {
		return "passcode"
	}
	low := strings.ToLower(text)
	for _, k := range keys {
		for i := 0; i+8 <= len(k); i += 4 {
			w := k[i : i+8]
			if strings.Contains(low, hex.EncodeToString(w)) {
				return "key hex"
			}
			if strings.Contains(text, string(w)) {
				return "raw key bytes"
			}
		}
		for i := 0; i < 3; i++ {
			enc := base64.StdEncoding.EncodeToString(k[i:])
			for j := 0; j+12 <= len(enc)-4; j += 8 {
				if strings.Contains(text, enc[j:j+12]) {
					return "key base64"
				}
			}
		}
	}
	return ""
}

// retag rewrites a TDF$ file with another version (fixing its MD5).
func retag(b []byte, version uint32) []byte {
	out := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(out[4:8], version)
	payload := out[8 : len(out)-16]
	h := md5.New()
	h.Write(payload)
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(tail[4:], version)
	copy(tail[8:], "TDF$")
	h.Write(tail[:])
	copy(out[len(out)-16:], h.Sum(nil))
	return out
}

// sameAccounts fails unless got and want hold the same accounts and keys;
// messages show key ids only.
func sameAccounts(t testing.TB, want, got []tdata.Account) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.Equal(t, w.Index, g.Index, "account %d index", i)
		require.Equal(t, w.UserID, g.UserID, "account %d user id", i)
		require.Equal(t, w.MainDC, g.MainDC, "account %d main DC", i)
		require.Len(t, g.Keys, len(w.Keys), "account %d keys", i)
		for j := range w.Keys {
			require.Equal(t, w.Keys[j].DC, g.Keys[j].DC, "account %d key %d DC", i, j)
			if !w.Keys[j].Key.Equal(g.Keys[j].Key) {
				t.Fatalf("account %d key %d: got %v, want %v", i, j, g.Keys[j].Key.ID(), w.Keys[j].Key.ID())
			}
		}
	}
}
