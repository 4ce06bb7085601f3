//go:build interop

package peer_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/internal/testsecret"
	"github.com/tgsession/tgsession/interop/peer"
)

const fakeKey = "5a4ff143fdeaf817c26c4d3ac5dee2d44fbb1e039ef5d3c6f677a38262b102085d8f8cb08897e0658f15781827103b78dfdc8d92e02c31a05a357f1a48d04c3349ccc23d7df806c48f5329d278189754ab48edbc1d8a6330ee5ae5e932578e9dc026156219ef2cca2fd3a7e22c506e117bf700c41c1d65bc05356e383ad334d8e4ae30441787513f2229c45f6a03f8aec470a6edfd5fd4a1d2b1c1f7ff733fa7740fe4baf8167260b6bcd13518e8a52d03ff5e543540a8007e999d0e1693232891cc7374f45a69285486f9812d49e880f41b0df1795280e9a82922e157b672ec0c9f37756a4150916148562bf9d355e83e661f66c16c01e7b1e2ae009f6b3a8b"

func TestTelethonPeer(t *testing.T) {
	c := peer.StartTelethon(t)
	require.Equal(t, "telethon", c.Name())
	require.Equal(t, "1.25.1", c.Versions()["version"])

	var enc struct{ Text string }
	require.NoError(t, c.Call("telethon_encode", map[string]any{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key_hex": fakeKey}, &enc))
	testsecret.RequireLen(t, enc.Text, 353)

	var dec struct {
		DCID          int     `json:"dc_id"`
		ServerAddress string  `json:"server_address"`
		Port          int     `json:"port"`
		AuthKeyHex    *string `json:"auth_key_hex"`
		AuthKeyID     uint64  `json:"auth_key_id"`
	}
	require.NoError(t, c.Call("telethon_decode", map[string]any{"text": enc.Text}, &dec))
	require.Equal(t, 2, dec.DCID)
	require.Equal(t, "149.154.167.51", dec.ServerAddress)
	require.Equal(t, 443, dec.Port)
	require.True(t, dec.AuthKeyHex != nil && *dec.AuthKeyHex == fakeKey, "key differs")
	require.Equal(t, uint64(15810995352658440404), dec.AuthKeyID) // docs/formats.md#vectors vector make_key(2)

	// Library exceptions come back as *peer.Error, and the peer stays usable.
	err := c.Call("telethon_decode", map[string]any{"text": strings.TrimRight(enc.Text, "=")}, nil)
	var pe *peer.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "binascii.Error: Incorrect padding", pe.Msg)
	require.ErrorAs(t, c.Call("no_such_op", nil, nil), &pe)
	require.NoError(t, c.Call("version", nil, nil))
}

func TestTelethonPeerSQLite(t *testing.T) {
	c := peer.StartTelethon(t)
	path := filepath.Join(t.TempDir(), "acct.session")
	args := map[string]any{
		"path": path, "dc_id": 4, "server_address": "149.154.167.91", "port": 443, "auth_key_hex": fakeKey,
		"takeout_id": 77,
		"entities": []map[string]any{
			{"type": "user", "id": 123456789, "access_hash": -5, "username": "SomeUser", "phone": "15551234567", "first_name": "A", "last_name": "B"},
			{"type": "chat", "id": 555, "title": "group"},
			{"type": "channel", "id": 1234567890, "access_hash": 99, "title": "chan", "username": "Chan"},
		},
		"update_states": []map[string]any{
			{"id": 0, "pts": 1, "qts": 2, "date": 1717243200, "seq": 3},
			{"id": 1234567890, "pts": 5, "qts": 0, "date": 1717243200.123456, "seq": 0},
		},
	}
	var w struct{ Path string }
	require.NoError(t, c.Call("sqlite_write", args, &w))
	require.Equal(t, path, w.Path)

	var pe *peer.Error
	require.ErrorAs(t, c.Call("sqlite_write", args, nil), &pe, "must refuse an existing file")
	require.ErrorAs(t, c.Call("sqlite_read", map[string]any{"path": path + ".missing"}, nil), &pe)

	type entity struct {
		ID        int64   `json:"id"`
		Hash      int64   `json:"hash"`
		Username  *string `json:"username"`
		Phone     any     `json:"phone"`
		Name      *string `json:"name"`
		InputPeer string  `json:"input_peer"`
	}
	var r struct {
		Version       int      `json:"version"`
		DCID          int      `json:"dc_id"`
		ServerAddress string   `json:"server_address"`
		Port          int      `json:"port"`
		AuthKeyHex    *string  `json:"auth_key_hex"`
		TakeoutID     *int64   `json:"takeout_id"`
		Entities      []entity `json:"entities"`
		UpdateStates  []struct {
			ID   int64   `json:"id"`
			Pts  int     `json:"pts"`
			Date float64 `json:"date"`
		} `json:"update_states"`
	}
	require.NoError(t, c.Call("sqlite_read", map[string]any{"path": path}, &r))
	require.Equal(t, 7, r.Version)
	require.Equal(t, 4, r.DCID)
	require.Equal(t, "149.154.167.91", r.ServerAddress)
	require.Equal(t, 443, r.Port)
	require.True(t, r.AuthKeyHex != nil && *r.AuthKeyHex == fakeKey, "key differs")
	require.Equal(t, int64(77), *r.TakeoutID)
	require.Len(t, r.Entities, 3)
	// Marked ids, ordered by id; lower-cased usernames; phone stored as an
	// INTEGER (docs/formats.md#telethon-sqlite).
	require.Equal(t, int64(-1001234567890), r.Entities[0].ID)
	require.Equal(t, "chan", *r.Entities[0].Username)
	require.Equal(t, "InputPeerChannel", r.Entities[0].InputPeer)
	require.Equal(t, int64(-555), r.Entities[1].ID)
	require.Equal(t, "InputPeerChat", r.Entities[1].InputPeer)
	require.Equal(t, int64(123456789), r.Entities[2].ID)
	require.Equal(t, int64(-5), r.Entities[2].Hash)
	require.Equal(t, "someuser", *r.Entities[2].Username)
	require.Equal(t, float64(15551234567), r.Entities[2].Phone)
	require.Equal(t, "A B", *r.Entities[2].Name)
	require.Len(t, r.UpdateStates, 2)
	require.InDelta(t, 1717243200.123456, r.UpdateStates[1].Date, 1e-5)
}

func TestNodePeer(t *testing.T) {
	c := peer.StartNode(t)
	v := c.Versions()
	require.Equal(t, "2.26.22", v["telegram"])
	require.Equal(t, "0.29.7", v["mtcute_core"])
	require.Equal(t, "0.29.7", v["mtcute_convert"])

	var enc struct{ Text string }
	require.NoError(t, c.Call("gramjs_encode", map[string]any{"dc_id": 2, "server_address": "149.154.167.51", "port": 443, "auth_key_hex": fakeKey}, &enc))
	testsecret.RequireLen(t, enc.Text, 369)
	var dec struct {
		DCID          int    `json:"dc_id"`
		ServerAddress string `json:"server_address"`
		Port          int    `json:"port"`
		AuthKeyID     string `json:"auth_key_id"`
	}
	require.NoError(t, c.Call("gramjs_decode", map[string]any{"text": enc.Text}, &dec))
	require.Equal(t, 2, dec.DCID)
	require.Equal(t, "149.154.167.51", dec.ServerAddress)
	require.Equal(t, "15810995352658440404", dec.AuthKeyID)

	var pe *peer.Error
	err := c.Call("gramjs_encode", map[string]any{"dc_id": 2, "server_address": "149.154.167.51", "port": 40000, "auth_key_hex": fakeKey}, nil)
	require.ErrorAs(t, err, &pe)
	require.True(t, strings.HasPrefix(pe.Msg, "RangeError: "), pe.Msg)
	require.ErrorAs(t, c.Call("toString", nil, nil), &pe, "prototype names are not ops")

	var conv struct{ Text string }
	require.NoError(t, c.Call("convert", map[string]any{"from": "gramjs", "to": "telethon", "text": enc.Text}, &conv))
	testsecret.RequireLen(t, conv.Text, 353)
}
