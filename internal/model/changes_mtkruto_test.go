package model

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
)

// TestChangesMtkruto: what encoding as MTKruto drops (address, port, IPv6,
// media DC; user id and bot flag without an api_id) and defaults (test
// mode; the bot flag of the full layout).
func TestChangesMtkruto(t *testing.T) {
	key := newKey(t, vecKey(81))
	tel := &codec.Session{Info: codec.Info{DC: 2, ServerAddress: "149.154.167.51", Port: 443, IPv6: codec.Some(false)}, Key: key}
	require.Equal(t, []string{"dropped server_address=149.154.167.51", "dropped port=443", "dropped ipv6=false", "defaulted test_mode=false"}, changeList(t, tel, codec.Mtkruto))
	legacy := &codec.Session{Info: codec.Info{DC: 2, TestMode: codec.Some(false), UserID: codec.Some[int64](7), IsBot: codec.Some(true)}, Key: key}
	require.Equal(t, []string{"dropped user_id=7", "dropped is_bot=true"}, changeList(t, legacy, codec.Mtkruto))
	pyro := &codec.Session{Info: codec.Info{DC: 2, TestMode: codec.Some(false), APIID: codec.Some[uint32](9), UserID: codec.Some[int64](7), IsBot: codec.Some(true)}, Key: key}
	require.Empty(t, changeList(t, pyro, codec.Mtkruto))
	noBot := &codec.Session{Info: codec.Info{DC: 2, TestMode: codec.Some(true), APIID: codec.Some[uint32](9), UserID: codec.Some[int64](7)}, Key: key}
	require.Equal(t, []string{"defaulted is_bot=false"}, changeList(t, noBot, codec.Mtkruto))
}

// TestChangesMtkrutoMatchWhatEncodingLoses: for random sessions of every
// string format, a field Changes does not call dropped survives encoding
// as MTKruto, and one it calls dropped does not.
func TestChangesMtkrutoMatchWhatEncodingLoses(t *testing.T) {
	r := rand.New(rand.NewPCG(rand.Uint64(), 17))
	formats := []codec.Format{codec.Telethon, codec.Pyrogram, codec.PyrogramLegacy, codec.GramJS}
	for i := 0; i < 400; i++ {
		s := randSession(t, r, formats[r.IntN(len(formats))])
		text, err := s.Encode(codec.Mtkruto)
		if err != nil {
			// A DC or api_id MTKruto cannot hold.
			require.True(t, errors.Is(err, codec.ErrCannotEncode), "%v", err)
			continue
		}
		got, err := codec.DecodeAs(codec.Mtkruto, text)
		require.NoError(t, err)
		requireKey(t, got, s.Key.Reveal())
		dropped := map[string]bool{}
		for _, c := range changes(s, codec.Mtkruto) {
			if c.Kind == Dropped {
				dropped[c.Field] = true
			}
		}
		if s.UserID.Known() {
			require.Equal(t, !dropped["user_id"], got.UserID == s.UserID, "user_id")
		}
		if s.IsBot.Known() {
			require.Equal(t, !dropped["is_bot"], got.IsBot == s.IsBot, "is_bot")
		}
		if s.APIID.Known() {
			require.False(t, dropped["api_id"])
			require.Equal(t, s.APIID, got.APIID)
		}
		require.Equal(t, s.ServerAddress != "", dropped["server_address"])
	}
}
