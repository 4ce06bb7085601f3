package vault_test

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// TestSetAttachmentIsSealedAndOpenedAndEmptyDataRemovesIt: the attachment
// set on a Session travels with it through Seal and Open; empty data
// removes it; more than the cap is refused before sealing.
func TestSetAttachmentIsSealedAndOpenedAndEmptyDataRemovesIt(t *testing.T) {
	x := newX25519(t)
	s, err := vault.NewSession(testSession(t, 'q', 2))
	require.NoError(t, err)
	defer s.Destroy()
	data := bytes.Repeat([]byte("rest of the stored session "), 30)
	require.NoError(t, s.SetAttachment(data))
	require.Equal(t, data, s.Attachment())
	sealed, err := s.Seal(vault.FormBinary, x.Recipient())
	require.NoError(t, err)
	back, err := vault.Open(sealed, x)
	require.NoError(t, err)
	require.Equal(t, data, back.Attachment())
	back.Destroy()

	require.NoError(t, s.SetAttachment(nil))
	require.Nil(t, s.Attachment())
	sealed, err = s.Seal(vault.FormText, x.Recipient())
	require.NoError(t, err)
	back, err = vault.Open(sealed, x)
	require.NoError(t, err)
	require.Nil(t, back.Attachment())
	back.Destroy()

	err = s.SetAttachment(make([]byte, vault.MaxAttachmentSize+1))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	require.Nil(t, s.Attachment(), "a refused attachment leaves none")
}

// TestIdentitiesAreAnAgeIdentity: what KeySearch.Find returns opens age
// files directly (it tries each identity as age does), and reports
// age.ErrIncorrectIdentity when none matches.
func TestIdentitiesAreAnAgeIdentity(t *testing.T) {
	clearKeyEnv(t)
	x, y := newX25519(t), newX25519(t)
	t.Setenv(vault.EnvKey, y.String()+"\n"+x.String())
	found, err := (&vault.KeySearch{Env: true}).Find()
	require.NoError(t, err)
	require.Equal(t, 2, found.Len())

	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, x.Recipient())
	require.NoError(t, err)
	_, err = w.Write([]byte("payload"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	r, err := age.Decrypt(bytes.NewReader(buf.Bytes()), found)
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "payload", string(got))

	other, err := (&vault.KeySearch{Env: false, Passphrase: func() ([]byte, error) { return []byte("x"), nil }}).Find()
	require.NoError(t, err)
	_, err = age.Decrypt(bytes.NewReader(buf.Bytes()), other)
	var nm *age.NoIdentityMatchError
	require.ErrorAs(t, err, &nm)
}

// TestSessionJSONUsesCodecsVocabulary: a vault.Session renders its Info
// exactly as codec.Session does (the inspect --json keys), plus its
// labels, creation time and attachment; never the key.
func TestSessionJSONUsesCodecsVocabulary(t *testing.T) {
	cs := fullSession(t)
	want, err := json.Marshal(cs)
	require.NoError(t, err)
	s, err := vault.NewSession(cs)
	require.NoError(t, err)
	defer s.Destroy()
	got, err := json.Marshal(s)
	require.NoError(t, err)
	var w, g map[string]any
	require.NoError(t, json.Unmarshal(want, &w))
	require.NoError(t, json.Unmarshal(got, &g))
	require.Equal(t, w, g, "a Session without labels, time or attachment renders as codec's")

	s.Labels = map[string]string{"env": "prod"}
	s.CreatedAt = fixedTime
	require.NoError(t, s.SetAttachment([]byte("rest")))
	got, err = json.Marshal(s)
	require.NoError(t, err)
	g = nil
	require.NoError(t, json.Unmarshal(got, &g))
	for k, v := range w {
		require.Equal(t, v, g[k], k)
	}
	require.Equal(t, map[string]any{"env": "prod"}, g["labels"])
	require.Equal(t, "2026-11-22T12:00:00Z", g["created_at"])
	require.Equal(t, map[string]any{"kind": float64(1), "size": float64(4)}, g["attachment"])
	requireNoSecret(t, string(got), testKey('m'))
}
