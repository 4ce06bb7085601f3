package vault_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// TestSealedTelethonSizes pins the size of a sealed Telethon session:
// 644 single-line bytes (envelope version 1: 701).
func TestSealedTelethonSizes(t *testing.T) {
	x := newX25519(t)
	cs := testSession(t, 'a', 2)
	sealed, err := sealWith(cs, vault.FormText, []age.Recipient{x.Recipient()})
	require.NoError(t, err)
	require.Equal(t, 644, len(sealed), "docs/envelope.md §1.1")
	v1, err := sealWith(cs, vault.FormText, []age.Recipient{x.Recipient()}, optWithEnvelopeVersion(1))
	require.NoError(t, err)
	require.Equal(t, 701, len(v1), "docs/envelope.md §1.1 (version 1)")
}

// TestSealAttachment: an attachment survives Seal and Open in every form,
// Session.Seal keeps its stored bytes, and the limits hold.
func TestSealAttachment(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	data := bytes.Repeat([]byte("entity cache "), 400)
	for _, form := range []vault.Form{vault.FormText, vault.FormBinary, vault.FormArmor} {
		sealed, err := sealWith(testSession(t, 'a', 2), form, recs, optWithAttachment(vault.AttachmentFile, data))
		require.NoError(t, err)
		s, err := vault.Open(sealed, x)
		require.NoError(t, err)
		kind, got := attachmentOf(s)
		require.Equal(t, vault.AttachmentFile, kind)
		require.Equal(t, data, got)
		require.Contains(t, s.String(), "attachment=1:5200B")
		j, err := s.MarshalJSON()
		require.NoError(t, err)
		require.Contains(t, string(j), `"attachment":{"kind":1,"size":5200}`)

		// Re-sealing keeps the attachment; WithoutAttachment drops it.
		again, err := sealSessionWith(s, vault.FormBinary, recs)
		require.NoError(t, err)
		s2, err := vault.Open(again, x)
		require.NoError(t, err)
		_, got2 := attachmentOf(s2)
		require.Equal(t, data, got2)
		s2.Destroy()
		bare, err := sealSessionWith(s, vault.FormBinary, recs, optWithoutAttachment())
		require.NoError(t, err)
		s3, err := vault.Open(bare, x)
		require.NoError(t, err)
		kind, got3 := attachmentOf(s3)
		require.Zero(t, kind)
		require.Nil(t, got3)
		s3.Destroy()
		s.Destroy()
	}

	// Incompressible data is stored as it is.
	rnd := randomBytes(t, 3000)
	sealed, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(7, rnd))
	require.NoError(t, err)
	s, err := vault.Open(sealed, x)
	require.NoError(t, err)
	kind, got := attachmentOf(s)
	require.Equal(t, vault.AttachmentKind(7), kind)
	require.Equal(t, rnd, got)
	s.Destroy()

	// Refusals: kind 0, version 1, too large for one line or at all.
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(0, data))
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, data), optWithEnvelopeVersion(1))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithEnvelopeVersion(3))
	require.ErrorIs(t, err, vault.ErrUnsupported)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormText, recs, optWithAttachment(1, randomBytes(t, 20000)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, make([]byte, vault.MaxAttachmentSize+1)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	_, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, randomBytes(t, vault.MaxEnvelopeSize)))
	require.ErrorIs(t, err, codec.ErrTooLarge)
	// Empty data stores none.
	sealed, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, optWithAttachment(1, nil))
	require.NoError(t, err)
	s, err = vault.Open(sealed, x)
	require.NoError(t, err)
	kind, _ = attachmentOf(s)
	require.Zero(t, kind)
	s.Destroy()
	var nilSession *vault.Session
	kind, got = attachmentOf(nilSession)
	require.Zero(t, kind)
	require.Nil(t, got)
}

// TestSealCreatedAt: the single-line form leaves the creation time out
// unless asked; files record it; a zero CreatedAt records none.
func TestSealCreatedAt(t *testing.T) {
	x := newX25519(t)
	recs := []age.Recipient{x.Recipient()}
	open := func(b []byte) *vault.Session {
		s, err := vault.Open(b, x)
		require.NoError(t, err)
		t.Cleanup(s.Destroy)
		return s
	}
	for _, v := range []int{1, 2} {
		ver := optWithEnvelopeVersion(v)
		text, err := sealWith(testSession(t, 'a', 2), vault.FormText, recs, ver)
		require.NoError(t, err)
		require.True(t, open(text).CreatedAt.IsZero(), "v%d text", v)
		bin, err := sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, ver)
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), open(bin).CreatedAt, time.Minute, "v%d binary", v)
		text, err = sealWith(testSession(t, 'a', 2), vault.FormText, recs, ver, optWithCreatedAt(fixedTime))
		require.NoError(t, err)
		require.True(t, fixedTime.Equal(open(text).CreatedAt), "v%d text with a time", v)
		bin, err = sealWith(testSession(t, 'a', 2), vault.FormBinary, recs, ver, optWithCreatedAt(time.Time{}))
		require.NoError(t, err)
		require.True(t, open(bin).CreatedAt.IsZero(), "v%d binary without a time", v)
	}
}

// randomBytes returns n incompressible bytes from a fixed seed.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
