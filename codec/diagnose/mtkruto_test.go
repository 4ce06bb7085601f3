package diagnose_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
)

// TestDiagnoseMtkruto: a valid MTKruto string is diagnosed as one, and so
// is a damaged one (its DC string prefix is kept), for production and test
// DCs, rather than as the Pyrogram layout of the same length.
func TestDiagnoseMtkruto(t *testing.T) {
	k, err := codec.NewAuthKey(vecKeyForMtkruto())
	require.NoError(t, err)
	for _, info := range []codec.Info{{DC: 1}, {DC: 5}, {DC: 1, TestMode: codec.Some(true)}, {DC: 2, TestMode: codec.Some(true)}, {DC: 3, TestMode: codec.Some(true)}} {
		text, err := (&codec.Session{Info: info, Key: k}).Encode(codec.Mtkruto)
		require.NoError(t, err)
		d := diagnose.Text(text)
		require.True(t, d.Decodes)
		require.Equal(t, codec.Mtkruto, d.Format)
		damaged := text[:len(text)-3] + "AAAA"
		d = diagnose.Text(damaged)
		require.False(t, d.Decodes)
		require.Equal(t, codec.Mtkruto, d.Format, "%+v", info)
		require.Equal(t, "MTKruto", d.Library)
	}
}

func vecKeyForMtkruto() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}
