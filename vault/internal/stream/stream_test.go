package stream_test

import (
	"bytes"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault/internal/stream"
	"github.com/tgsession/tgsession/vault/internal/verr"
)

// payloadOf encrypts plain with age and returns the file key and payload.
func payloadOf(t *testing.T, plain []byte) (fileKey, payload []byte) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var b bytes.Buffer
	w, err := age.Encrypt(&b, id.Recipient())
	require.NoError(t, err)
	_, err = w.Write(plain)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	hdr, err := age.ExtractHeader(bytes.NewReader(b.Bytes()))
	require.NoError(t, err)
	fileKey, err = age.DecryptHeader(hdr, id)
	require.NoError(t, err)
	return fileKey, b.Bytes()[len(hdr):]
}

// TestDecryptPayloadOpensWhatAgeEncryptsAndRefusesTheRest: age's payloads
// of 0, 1, one chunk and several chunks decrypt to the plaintext; a
// truncated or modified payload is ErrTampered and returns nothing; above
// the cap is codec.ErrTooLarge.
func TestDecryptPayloadOpensWhatAgeEncryptsAndRefusesTheRest(t *testing.T) {
	for _, n := range []int{0, 1, 64 << 10, 64<<10 + 1, 200 << 10} {
		plain := bytes.Repeat([]byte{'s'}, n)
		key, payload := payloadOf(t, plain)
		got, err := stream.DecryptPayload(key, payload, 1<<20)
		require.NoError(t, err, "%d bytes", n)
		require.True(t, bytes.Equal(plain, got), "%d bytes", n)

		got, err = stream.DecryptPayload(key, payload[:len(payload)-1], 1<<20)
		require.ErrorIs(t, err, verr.ErrTampered, "%d bytes, truncated", n)
		require.Nil(t, got)
		flipped := bytes.Clone(payload)
		flipped[len(flipped)-1] ^= 1
		_, err = stream.DecryptPayload(key, flipped, 1<<20)
		require.ErrorIs(t, err, verr.ErrTampered, "%d bytes, modified", n)
		if n > 0 {
			_, err = stream.DecryptPayload(key, payload, n-1)
			require.ErrorIs(t, err, codec.ErrTooLarge, "%d bytes, cap %d", n, n-1)
		}
	}
}
