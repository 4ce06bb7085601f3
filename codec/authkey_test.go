package codec_test

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// TestAuthKeyIDVectors checks auth_key_id against the ids the libraries
// computed for the vector keys (docs/formats.md#auth-key-id).
func TestAuthKeyIDVectors(t *testing.T) {
	type keyID struct {
		Bytes string `json:"key_id_bytes_hex"`
		U64   uint64 `json:"key_id_u64_le"`
	}
	var tv struct {
		StringSessions []struct {
			Inputs struct {
				KeyHex string `json:"auth_key_hex"`
			} `json:"inputs"`
			KeyID         keyID  `json:"key_id"`
			TelethonKeyID uint64 `json:"telethon_AuthKey_key_id_u64"`
		} `json:"string_sessions"`
	}
	readJSON(t, "testdata/telethon_vectors.json", &tv)
	require.NotEmpty(t, tv.StringSessions)
	for _, v := range tv.StringSessions {
		k := newKey(t, hexKey(t, v.Inputs.KeyHex))
		require.Equal(t, v.KeyID.Bytes, k.ID().String())
		require.Equal(t, v.KeyID.U64, k.ID().Uint64())
		require.Equal(t, v.TelethonKeyID, k.ID().Uint64())
	}
	// docs/formats.md#auth-key-id: make_key(1) has key id bytes 891a851346875461.
	require.Equal(t, "891a851346875461", newKey(t, vecKey(1)).ID().String())
	require.Equal(t, uint64(7013379254767655561), newKey(t, vecKey(1)).ID().Uint64())
}

func TestAuthKeyCopies(t *testing.T) {
	b := vecKey(60)
	k := newKey(t, b)
	b[0] ^= 0xff
	got := k.Reveal()
	require.False(t, string(got) == string(b), "NewAuthKey kept the caller's slice")
	got[1] ^= 0xff
	require.True(t, k.Equal(newKey(t, vecKey(60))), "Reveal returned the key's own memory")

	dst := make([]byte, 300)
	require.Equal(t, 256, k.RevealTo(dst))
	require.True(t, string(dst[:256]) == string(vecKey(60)))
	require.Panics(t, func() { k.RevealTo(make([]byte, 255)) })
	require.Equal(t, 0, codec.AuthKey{}.RevealTo(nil))
	require.Nil(t, codec.AuthKey{}.Reveal())

	c := k.Clone()
	require.True(t, c.Equal(k))
	c.Wipe()
	require.False(t, c.IsSet())
	require.True(t, k.IsSet(), "wiping a clone wiped the original")

	shared := k
	shared.Wipe()
	require.False(t, shared.IsSet())
	require.False(t, k.IsSet(), "a copy of a wiped key must be unset too")
	require.Equal(t, "AuthKey(unset)", k.String())
	require.Equal(t, codec.KeyID{}, k.ID())
	k.Wipe() // twice is fine
	require.Equal(t, codec.AuthKey{}.Clone(), codec.AuthKey{})
}

func TestAuthKeyEqual(t *testing.T) {
	a, b := newKey(t, vecKey(61)), newKey(t, vecKey(62))
	require.True(t, a.Equal(a.Clone()))
	require.False(t, a.Equal(b))
	require.False(t, a.Equal(codec.AuthKey{}))
	require.False(t, codec.AuthKey{}.Equal(a))
	require.True(t, codec.AuthKey{}.Equal(codec.AuthKey{}))
}

func TestAuthKeyZeroValue(t *testing.T) {
	var k codec.AuthKey
	require.False(t, k.IsSet())
	require.Equal(t, "AuthKey(unset)", k.String())
	require.Equal(t, "AuthKey(unset)", fmt.Sprintf("%x", k))
	require.Equal(t, "AuthKey(unset)", k.LogValue().String())
	b, err := k.MarshalJSON()
	require.NoError(t, err)
	require.Equal(t, `"AuthKey(unset)"`, string(b))
}

func TestAuthKeyRedactedForms(t *testing.T) {
	k := newKey(t, vecKey(63))
	want := "AuthKey(id=" + k.ID().String() + ")"
	require.Equal(t, want, k.String())
	require.Equal(t, want, k.GoString())
	require.Equal(t, slog.KindString, k.LogValue().Kind())
	require.Equal(t, want, k.LogValue().String())
	txt, err := k.MarshalText()
	require.NoError(t, err)
	require.Equal(t, want, string(txt))
	id := k.ID()
	require.Equal(t, hex.EncodeToString(id[:]), id.String())
}
