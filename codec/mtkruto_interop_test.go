//go:build interop

package codec_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/testrand"
	"github.com/tgsession/tgsession/internal/testsecret"
	interoppeer "github.com/tgsession/tgsession/interop/peer"
)

// mtcuteRead is the result of the node peer's mtcute_read op.
type mtcuteRead struct {
	Main struct {
		ID       int  `json:"id"`
		TestMode bool `json:"test_mode"`
	} `json:"main"`
	Self *struct {
		UserID int64 `json:"user_id"`
	} `json:"self"`
	AuthKeyHex string `json:"auth_key_hex"`
}

// TestInteropMtkrutoMtcuteConvert round-trips MTKruto strings through
// @mtcute/convert 0.29.7 both ways (its parseMtkrutoSession and
// serializeMtkrutoSession, reached through convertFrom/ToMtkrutoSession):
//
//   - strings Encode writes, in all three layouts, are read by mtcute to the
//     same DC, test flag and key (mtcute ignores the api-id and full
//     layouts' trailers, as its parser reads only the DC and the key);
//   - strings mtcute writes decode to the session it was given, and Encode
//     writes the same text byte for byte.
func TestInteropMtkrutoMtcuteConvert(t *testing.T) {
	node := interoppeer.StartNode(t)
	r := testrand.New(t, 21)
	for i := 0; i < 200; i++ {
		s := randMtkrutoSession(t, r)
		text, err := s.Encode(codec.Mtkruto)
		require.NoError(t, err)

		// Ours → mtcute's parser.
		var conv struct{ Text string }
		require.NoError(t, node.Call("convert", map[string]any{"from": "mtkruto", "to": "mtcute", "text": text}, &conv))
		var got mtcuteRead
		require.NoError(t, node.Call("mtcute_read", map[string]any{"text": conv.Text}, &got))
		require.Equal(t, s.DC, got.Main.ID)
		require.Equal(t, s.TestMode.Or(false), got.Main.TestMode)
		require.Nil(t, got.Self)
		requireHexKey(t, s.Key, got.AuthKeyHex)

		// mtcute's writer → ours. The mtcute session has the DC, test flag
		// and key (and, half the time, a self that MTKruto's dc-key layout
		// cannot hold); mtcute writes the dc-key layout.
		key := s.Key.Reveal()
		main := map[string]any{"id": s.DC, "ip_address": "149.154.167.50", "port": 443, "ipv6": false, "media_only": false, "test_mode": s.TestMode.Or(false)}
		var self any
		if randBool(r) {
			self = map[string]any{"user_id": 1 + r.Int64N(1<<40), "is_bot": randBool(r)}
		}
		var mt struct{ Text string }
		require.NoError(t, node.Call("mtcute_write", map[string]any{"main": main, "media": nil, "self": self, "auth_key_hex": hex.EncodeToString(key)}, &mt))
		clear(key)
		var kr struct{ Text string }
		require.NoError(t, node.Call("convert", map[string]any{"from": "mtcute", "to": "mtkruto", "text": mt.Text}, &kr))
		f, err := codec.Detect(kr.Text)
		if err == nil {
			require.Equal(t, codec.Mtkruto, f)
		} else {
			require.ErrorAs(t, err, new(*codec.AmbiguousError))
		}
		d, err := codec.DecodeAs(codec.Mtkruto, kr.Text)
		require.NoError(t, err)
		require.Equal(t, "dc-key", d.Layout)
		require.Equal(t, s.DC, d.DC)
		require.Equal(t, codec.Some(s.TestMode.Or(false)), d.TestMode)
		testsecret.RequireSameKey(t, s.Key, d.Key)
		bare := &codec.Session{Info: codec.Info{DC: s.DC, TestMode: s.TestMode}, Key: s.Key}
		ours, err := bare.Encode(codec.Mtkruto)
		require.NoError(t, err)
		testsecret.RequireSameText(t, kr.Text, ours)
	}
}

// requireHexKey asserts the peer's hex key is k, reporting key ids only.
func requireHexKey(t *testing.T, k codec.AuthKey, h string) {
	t.Helper()
	b, err := hex.DecodeString(h)
	require.NoError(t, err)
	defer clear(b)
	got, err := codec.NewAuthKey(b)
	require.NoError(t, err)
	testsecret.RequireSameKey(t, k, got)
}
