//go:build interop

package storesession_test

import (
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testrand"
	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/interop/peer"
	"github.com/tgsession/tgsession/storesession"
)

// startGramJS starts testdata/gramjs_peer.cjs, which loads and writes
// StoreSession folders with the real GramJS that interop/setup.sh installs.
func startGramJS(t *testing.T) *peer.Client {
	t.Helper()
	if _, err := os.Stat(filepath.Join(peer.Dir(), "node_modules", "telegram")); err != nil {
		t.Fatalf("interop/node_modules is not installed (%v): run `bash interop/setup.sh`", err)
	}
	script, err := filepath.Abs("testdata/gramjs_peer.cjs")
	require.NoError(t, err)
	c, err := peer.Start("gramjs-store", "node", script)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.Equal(t, "2.26.22", c.Versions()["telegram"])
	return c
}

type loaded struct {
	DC       int     `json:"dc_id"`
	Address  *string `json:"server_address"`
	Port     *int    `json:"port"`
	KeyHex   *string `json:"auth_key_hex"`
	Entities []struct {
		ID    string `json:"id"`
		Row   []any  `json:"row"`
		Input *struct {
			Class      string  `json:"class"`
			AccessHash *string `json:"access_hash"`
		} `json:"input"`
	} `json:"entities"`
}

func randKey(t *testing.T, r *rand.Rand) (codec.AuthKey, string) {
	b := make([]byte, codec.AuthKeySize)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[0] |= 1
	k, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	return k, hex.EncodeToString(b)
}

func requireHexKey(t *testing.T, k codec.AuthKey, h *string) {
	t.Helper()
	require.NotNil(t, h)
	b, err := hex.DecodeString(*h)
	require.NoError(t, err)
	defer clear(b)
	got, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	testsecret.RequireSameKey(t, k, got)
}

// groupID returns a basic group id GramJS can tell from a channel's.
// GramJS's resolveId reads a marked id as a channel when its text holds
// "-100" and a non-zero digit (/-100([^0]\d*)/), so a group whose id
// begins with "100" and a non-zero digit (-1001…) comes back as
// InputPeerChannel: GramJS's own limitation (docs/formats.md), which a
// random id hits now and then; Write writes such a row as GramJS does.
func groupID(r *rand.Rand) int64 {
	for {
		id := 1 + r.Int64N(1<<31)
		if s := strconv.FormatInt(id, 10); len(s) > 3 && s[:3] == "100" && s[3] != '0' {
			continue
		}
		return id
	}
}

// TestInteropGramJSLoadsOurFolders: GramJS's StoreSession loads every
// folder Write makes to the same DC, address, port and key, and resolves
// every entity row to the input peer of its kind and access hash.
func TestInteropGramJSLoadsOurFolders(t *testing.T) {
	g := startGramJS(t)
	r := testrand.New(t, 31)
	addrs := []string{"149.154.167.51", "2001:067c:04e8:f002:0000:0000:0000:000a", "2001:b28:f23d:f001::a", "vesta.web.telegram.org"}
	for i := 0; i < 40; i++ {
		k, _ := randKey(t, r)
		s := &storesession.Session{Session: &codec.Session{Info: codec.Info{
			DC: 1 + r.IntN(5), ServerAddress: addrs[r.IntN(len(addrs))], Port: uint16(1 + r.IntN(65535)),
		}, Key: k}}
		// Channel ids of 10 digits, as real ones are: GramJS marks a
		// channel id by writing "-100" before its digits (utils.getPeerId)
		// and tells one by that prefix and a non-zero digit (resolveId).
		s.Entities = []storesession.Entity{
			{ID: 1 + r.Int64N(1<<40), Hash: r.Int64() - r.Int64(), Username: "user" + strconv.Itoa(i), Phone: "1555" + strconv.Itoa(i), Name: "Ann \"✓\"\n", Date: 1_700_000_000_000 + r.Int64N(1e11)},
			{ID: -1_000_000_000_000 - (1_000_000_000 + r.Int64N(9_000_000_000)), Hash: r.Int64(), Name: "Channel " + strconv.Itoa(i), Date: 1_700_000_000_000},
			{ID: -groupID(r), Hash: 0, Name: "group", Date: 1_700_000_000_001},
		}
		dir := filepath.Join(t.TempDir(), "s"+strconv.Itoa(i))
		require.NoError(t, storesession.Write(dir, s, storesession.WriteOptions{}))

		ids := []string{}
		for _, e := range s.Entities {
			ids = append(ids, strconv.FormatInt(e.ID, 10))
		}
		var got loaded
		require.NoError(t, g.Call("store_load", map[string]any{"dir": dir, "entity_ids": ids}, &got))
		require.Equal(t, s.Session.DC, got.DC)
		require.Equal(t, s.Session.ServerAddress, *got.Address)
		require.Equal(t, int(s.Session.Port), *got.Port)
		requireHexKey(t, s.Session.Key, got.KeyHex)
		require.Len(t, got.Entities, 3)
		wantClass := []string{"InputPeerUser", "InputPeerChannel", "InputPeerChat"}
		for j, e := range got.Entities {
			require.NotNil(t, e.Row, "GramJS finds no row for entity %d", j)
			require.Equal(t, ids[j], e.Row[0])
			require.Equal(t, strconv.FormatInt(s.Entities[j].Date, 10), e.Row[5])
			require.NotNil(t, e.Input, "GramJS cannot resolve entity %d", j)
			require.Equal(t, wantClass[j], e.Input.Class)
			if j < 2 {
				require.Equal(t, strconv.FormatInt(s.Entities[j].Hash, 10), *e.Input.AccessHash)
			}
		}
	}
}

// TestInteropWeReadGramJSFolders: Read returns what GramJS's StoreSession
// was given, and Write reproduces GramJS's files byte for byte.
func TestInteropWeReadGramJSFolders(t *testing.T) {
	g := startGramJS(t)
	r := testrand.New(t, 32)
	addrs := []string{"149.154.167.91", "2001:067c:04e8:f004:0000:0000:0000:000a", "pluto.web.telegram.org"}
	for i := 0; i < 40; i++ {
		k, kh := randKey(t, r)
		dc, addr, port := 1+r.IntN(5), addrs[r.IntN(len(addrs))], 1+r.IntN(65535)
		user := map[string]any{"id": strconv.FormatInt(1+r.Int64N(1<<40), 10), "access_hash": strconv.FormatInt(r.Int64()-r.Int64(), 10),
			"username": "Bob_" + strconv.Itoa(i), "phone": "4477" + strconv.Itoa(i), "first_name": "Bob", "last_name": "\u0007 ü"}
		if i%2 == 0 {
			delete(user, "username")
			delete(user, "phone")
		}
		chats := []map[string]any{
			{"type": "channel", "id": strconv.FormatInt(1_000_000_000+r.Int64N(9_000_000_000), 10), "access_hash": strconv.FormatInt(r.Int64(), 10), "title": "News"},
			{"type": "chat", "id": strconv.FormatInt(1+r.Int64N(1<<31), 10), "title": "Family"},
		}
		dir := filepath.Join(t.TempDir(), "g"+strconv.Itoa(i))
		require.NoError(t, g.Call("store_write", map[string]any{"dir": dir, "dc_id": dc, "server_address": addr, "port": port,
			"auth_key_hex": kh, "users": []any{user}, "chats": chats}, nil))

		s, err := storesession.Read(dir, storesession.ReadOptions{})
		require.NoError(t, err)
		require.Equal(t, filepath.Base(dir), s.Name)
		require.Equal(t, dc, s.Session.DC)
		require.Equal(t, addr, s.Session.ServerAddress)
		require.Equal(t, port, int(s.Session.Port))
		testsecret.RequireSameKey(t, k, s.Session.Key)
		require.Len(t, s.Entities, 3)
		require.Empty(t, s.Ignored)

		out := filepath.Join(t.TempDir(), filepath.Base(dir))
		require.NoError(t, storesession.Write(out, s, storesession.WriteOptions{}))
		requireSameFiles(t, dir, out)
	}
}
