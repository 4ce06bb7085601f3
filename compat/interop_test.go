//go:build interop

package compat_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/interop/peer"
)

// Live interop with real Telethon 1.25.1 (Debian python3-telethon), through
// the interop/peer Telethon peer. Run: go test -tags interop ./compat/

func hexKey(n int) string { return hex.EncodeToString(makeKey(n)) }

// TestInteropTelethonWritesWeRead: files written by Telethon's own
// SQLiteSession are read with every field and entity.
func TestInteropTelethonWritesWeRead(t *testing.T) {
	c := peer.StartTelethon(t)
	require.Equal(t, "1.25.1", c.Versions()["version"])
	for _, tc := range []struct {
		name, addr string
		dc         int
	}{
		{"ipv4", "149.154.167.91", 4},
		{"ipv6", "2001:b28:f23f:f005::a", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "acct.session")
			var w struct{ Path string }
			require.NoError(t, c.Call("sqlite_write", map[string]any{
				"path": path, "dc_id": tc.dc, "server_address": tc.addr, "port": 443, "auth_key_hex": hexKey(201),
				"takeout_id": 31,
				"entities": []map[string]any{
					{"type": "user", "id": 123456789, "access_hash": -5, "username": "SomeUser", "phone": "15551234567", "first_name": "A", "last_name": "B"},
					{"type": "user", "id": 5000000001, "access_hash": 6, "username": "a_bot", "bot": true, "first_name": "Bot"},
					{"type": "chat", "id": 555, "title": "group"},
					{"type": "channel", "id": 1234567890, "access_hash": 99, "title": "chan", "username": "Chan"},
					{"type": "channel", "id": 1111111111, "access_hash": 98, "title": "super", "megagroup": true},
				},
				"update_states": []map[string]any{
					{"id": 0, "pts": 10, "qts": 2, "date": 1700000000, "seq": 3},
					{"id": 1234567890, "pts": 44, "qts": 0, "date": 1700000000.5, "seq": 0},
				},
			}, &w))
			require.Equal(t, path, w.Path)
			before := snapshotBytes(t, path)

			f, err := readPath(path)
			require.NoError(t, err)
			defer f.Wipe()
			require.Equal(t, "telethon", f.Library)
			require.Equal(t, 7, f.Schema)
			require.Equal(t, tc.dc, f.Session.DC)
			require.Equal(t, tc.addr, f.Session.ServerAddress)
			require.Equal(t, uint16(443), f.Session.Port)
			require.True(t, keyIs(f.Session.Key, 201), "key differs")
			require.Equal(t, codec.Some[int64](31), f.TakeoutID)
			byID := map[int64]compat.Entity{}
			for _, e := range f.Entities {
				byID[e.ID] = e
			}
			require.Len(t, byID, 5)
			require.Equal(t, "someuser", byID[123456789].Username)
			require.Equal(t, "15551234567", byID[123456789].Phone)
			require.Equal(t, "A B", byID[123456789].Name)
			require.Equal(t, codec.Some[int64](-5), byID[123456789].AccessHash)
			require.Equal(t, codec.Some[int64](0), byID[-555].AccessHash)
			require.Equal(t, compat.PeerGroup, byID[-555].Type)
			require.Equal(t, "chan", byID[-1001234567890].Username)
			require.Equal(t, codec.Some[int64](98), byID[-1001111111111].AccessHash)
			require.Equal(t, int64(10), f.UpdateState.PTS)
			require.Len(t, f.UpdateState.Channels, 1)
			d, _ := f.UpdateState.Channels[0].Date.Get()
			require.Equal(t, 1700000000.5, d)
			requireUnchanged(t, before, path)
		})
	}
}

type telethonRead struct {
	Version       int    `json:"version"`
	DCID          int    `json:"dc_id"`
	ServerAddress string `json:"server_address"`
	Port          int    `json:"port"`
	AuthKeyHex    string `json:"auth_key_hex"`
	TakeoutID     *int64 `json:"takeout_id"`
	Entities      []struct {
		ID        int64  `json:"id"`
		Hash      int64  `json:"hash"`
		Username  any    `json:"username"`
		Phone     any    `json:"phone"`
		InputPeer string `json:"input_peer"`
	} `json:"entities"`
	UpdateStates []struct {
		ID  int64   `json:"id"`
		PTS int64   `json:"pts"`
		QTS int64   `json:"qts"`
		Dt  float64 `json:"date"`
		Seq int64   `json:"seq"`
	} `json:"update_states"`
}

// resolveScript asks Telethon's own SQLiteSession to resolve cache keys
// (usernames, phones, ids) to input peers, as get_input_entity does
// offline.
const resolveScript = `
import json, sys
from telethon.sessions import SQLiteSession
s = SQLiteSession(sys.argv[1])
out = {}
for key in json.loads(sys.argv[2]):
    try:
        p = s.get_input_entity(key)
        out[str(key)] = type(p).__name__ + ":" + str(getattr(p, "user_id", None) or getattr(p, "chat_id", None) or getattr(p, "channel_id", None))
    except Exception as e:
        out[str(key)] = "error: " + type(e).__name__
s.close()
print(json.dumps(out))
`

func telethonResolve(t *testing.T, path string, keys ...any) map[string]string {
	t.Helper()
	k, err := json.Marshal(keys)
	require.NoError(t, err)
	out, err := exec.Command("/usr/bin/python3", "-I", "-c", resolveScript, path, string(k)).Output()
	require.NoError(t, err, "python3 -c resolveScript")
	var m map[string]string
	require.NoError(t, json.Unmarshal(out, &m))
	return m
}

// TestInteropWeWriteTelethonLoads: files we write as telethon-sqlite are
// loaded by Telethon's SQLiteSession as working sessions (same DC,
// address, port, key, no schema migration needed), and Telethon's own
// entity cache resolves the converted entities by id, username and phone.
func TestInteropWeWriteTelethonLoads(t *testing.T) {
	c := peer.StartTelethon(t)
	dir := t.TempDir()

	t.Run("from pyrogram", func(t *testing.T) {
		out := filepath.Join(dir, "from_pyrogram.session")
		_, _, err := convert(fileSource("testdata/pyrofork_v4.session"), target(t, "telethon-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		before := snapshotBytes(t, out)
		var r telethonRead
		require.NoError(t, c.Call("sqlite_read", map[string]any{"path": out}, &r))
		require.Equal(t, 7, r.Version, "Telethon did not need to migrate")
		require.Equal(t, 1, r.DCID)
		require.Equal(t, "149.154.175.53", r.ServerAddress, "DC 1 from the table")
		require.Equal(t, 443, r.Port)
		require.True(t, r.AuthKeyHex == hexKey(124), "Telethon loads the same key")
		peers := map[int64]string{}
		for _, e := range r.Entities {
			peers[e.ID] = e.InputPeer
		}
		require.Equal(t, map[int64]string{
			123456789: "InputPeerUser", 5000000001: "InputPeerUser", -987654: "InputPeerChat",
			-1001234567890: "InputPeerChannel", -1001111111111: "InputPeerChannel",
		}, peers)
		got := telethonResolve(t, out, "alice_example", "@some_bot", "achannel", "+15551234567", 123456789, -987654, -1001111111111)
		require.Equal(t, map[string]string{
			"alice_example":  "InputPeerUser:123456789",
			"@some_bot":      "InputPeerUser:5000000001",
			"achannel":       "InputPeerChannel:1234567890",
			"+15551234567":   "InputPeerUser:123456789",
			"123456789":      "InputPeerUser:123456789",
			"-987654":        "InputPeerChat:987654",
			"-1001111111111": "InputPeerChannel:1111111111",
		}, got)
		requireUnchanged(t, before, out) // Telethon read it without rewriting it
	})

	t.Run("from telethon", func(t *testing.T) {
		out := filepath.Join(dir, "roundtrip.session")
		_, _, err := convert(fileSource("testdata/telethon_v7.session"), target(t, "telethon-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		var ours, theirs telethonRead
		require.NoError(t, c.Call("sqlite_read", map[string]any{"path": out}, &ours))
		ref := copyFile(t, "testdata/telethon_v7.session", t.TempDir())
		require.NoError(t, c.Call("sqlite_read", map[string]any{"path": ref}, &theirs))
		require.True(t, ours.AuthKeyHex == theirs.AuthKeyHex, "key differs")
		ours.AuthKeyHex, theirs.AuthKeyHex = "", ""
		require.Equal(t, theirs, ours, "Telethon sees the same session, entities and update states")
	})

	t.Run("from telethon v2", func(t *testing.T) {
		out := filepath.Join(dir, "from_v2.session")
		_, _, err := convert(fileSource("testdata/telethon_v10.session"), target(t, "telethon-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		var r telethonRead
		require.NoError(t, c.Call("sqlite_read", map[string]any{"path": out}, &r))
		require.Equal(t, 4, r.DCID)
		require.Equal(t, "149.154.167.91", r.ServerAddress)
		require.True(t, r.AuthKeyHex == hexKey(110), "key differs")
		require.Len(t, r.UpdateStates, 1)
		require.Equal(t, int64(1000), r.UpdateStates[0].PTS)
		require.Equal(t, float64(1717243200), r.UpdateStates[0].Dt)
	})

	t.Run("from a string", func(t *testing.T) {
		s := &codec.Session{Info: codec.Info{DC: 5, ServerAddress: "91.108.56.130", Port: 443}, Key: authKey(t, 202)}
		text, err := s.EncodeTelethon()
		require.NoError(t, err)
		out := filepath.Join(dir, "from_string.session")
		_, _, err = convert(stringSource(text, codec.Telethon), target(t, "telethon-sqlite"), testOptions{Output: out})
		require.NoError(t, err)
		var r telethonRead
		require.NoError(t, c.Call("sqlite_read", map[string]any{"path": out}, &r))
		require.Equal(t, 5, r.DCID)
		require.Equal(t, "91.108.56.130", r.ServerAddress)
		require.True(t, r.AuthKeyHex == hexKey(202), "key differs")
		require.Nil(t, r.TakeoutID)
		st, err := os.Stat(out)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	})
}
