package gotdstorage_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/gotd/td/session"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
	"github.com/tgsession/tgsession/vault/gotdstorage"
)

func testSession(t *testing.T, c byte, dc int) *codec.Session {
	t.Helper()
	k, err := codec.NewAuthKey(bytes.Repeat([]byte{c}, 256))
	require.NoError(t, err)
	return &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "ipv4", DC: dc, ServerAddress: "149.154.167.51", Port: 443}, Key: k}
}

// newSession moves cs into a vault.Session with labels.
func newSession(t *testing.T, cs *codec.Session, labels map[string]string) *vault.Session {
	t.Helper()
	s, err := vault.NewSession(cs)
	require.NoError(t, err)
	t.Cleanup(s.Destroy)
	s.Labels = labels
	return s
}

func setup(t *testing.T) (*vault.Dir, *age.X25519Identity) {
	t.Helper()
	d, err := vault.InitDir(filepath.Join(t.TempDir(), "v"))
	require.NoError(t, err)
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return d, id
}

// requireData checks what gotd's own Loader reads, as its client does
// (telegram/session.go: restoreConnection checks the key id).
func requireData(t *testing.T, st session.Storage, dc int, addr string, c byte) {
	t.Helper()
	data, err := (&session.Loader{Storage: st}).Load(context.Background())
	require.NoError(t, err)
	require.Equal(t, dc, data.DC)
	require.Equal(t, addr, data.Addr)
	require.True(t, bytes.Equal(data.AuthKey, bytes.Repeat([]byte{c}, 256)), "gotd got the wrong key")
	sum := sha1.Sum(data.AuthKey)
	require.Equal(t, sum[12:20], data.AuthKeyID)
}

func TestFromVault(t *testing.T) {
	d, id := setup(t)
	recs := []age.Recipient{id.Recipient()}
	_, err := d.Put("bot", newSession(t, testSession(t, 'a', 2), map[string]string{"env": "prod"}), recs...)
	require.NoError(t, err)

	st, err := gotdstorage.FromVault(d, "bot", recs, id)
	require.NoError(t, err)
	defer st.Close()
	requireData(t, st, 2, "149.154.167.51:443", 'a')

	// Storing what was loaded changes nothing on disk.
	before, err := os.ReadFile(filepath.Join(d.Path(), "bot.age"))
	require.NoError(t, err)
	loader := &session.Loader{Storage: st}
	data, err := loader.Load(context.Background())
	require.NoError(t, err)
	data.Salt = 42 // runtime cache, not stored
	require.NoError(t, loader.Save(context.Background(), data))
	after, err := os.ReadFile(filepath.Join(d.Path(), "bot.age"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(before, after), "unchanged session rewritten")

	// A DC migration: gotd saves a new key for DC 4. The entry is
	// re-sealed; Source and labels are kept.
	data.DC, data.Addr = 4, "149.154.167.91:443"
	data.AuthKey = bytes.Repeat([]byte{'b'}, 256)
	sum := sha1.Sum(data.AuthKey)
	data.AuthKeyID = sum[12:20]
	require.NoError(t, loader.Save(context.Background(), data))
	requireData(t, st, 4, "149.154.167.91:443", 'b')
	s, err := d.Get("bot", id)
	require.NoError(t, err)
	defer s.Destroy()
	require.Equal(t, 4, s.DC)
	require.Equal(t, codec.Telethon, s.Source)
	require.Equal(t, map[string]string{"env": "prod"}, s.Labels)

	// A fresh Storage on the same entry sees the stored session.
	st2, err := gotdstorage.FromVault(d, "bot", recs, id)
	require.NoError(t, err)
	defer st2.Close()
	requireData(t, st2, 4, "149.154.167.91:443", 'b')

	// Malformed JSON from gotd is refused, the entry untouched.
	require.Error(t, st.StoreSession(context.Background(), []byte(`{"Version":1}`)))
	requireData(t, st2, 4, "149.154.167.91:443", 'b')
}

func TestFromVaultNewEntry(t *testing.T) {
	d, id := setup(t)
	recs := []age.Recipient{id.Recipient()}
	st, err := gotdstorage.FromVault(d, "fresh", recs, id)
	require.NoError(t, err)
	_, err = (&session.Loader{Storage: st}).Load(context.Background())
	require.ErrorIs(t, err, session.ErrNotFound)

	// What gotd saves after a first login.
	key := bytes.Repeat([]byte{'c'}, 256)
	sum := sha1.Sum(key)
	data := &session.Data{DC: 2, Addr: "149.154.167.50:443", AuthKey: key, AuthKeyID: sum[12:20], Salt: 7}
	data.Config.ThisDC = 2
	require.NoError(t, (&session.Loader{Storage: st}).Save(context.Background(), data))
	requireData(t, st, 2, "149.154.167.50:443", 'c')
	s, err := d.Get("fresh", id)
	require.NoError(t, err)
	require.Equal(t, codec.Gotd, s.Source)
	require.Equal(t, codec.Some(false), s.TestMode)
	s.Destroy()

	_, err = gotdstorage.FromVault(d, "../x", recs)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = gotdstorage.FromVault(d, "x", nil)
	require.ErrorIs(t, err, vault.ErrMalformed)
	_, err = gotdstorage.FromVault(d, "fresh", recs, mustX25519(t))
	require.ErrorIs(t, err, vault.ErrWrongKey)
}

func mustX25519(t *testing.T) *age.X25519Identity {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	return id
}

func TestFromEnv(t *testing.T) {
	id := mustX25519(t)
	sealed, err := newSession(t, testSession(t, 'a', 2), nil).Seal(vault.FormText, id.Recipient())
	require.NoError(t, err)
	t.Setenv("TG_SESSION", string(sealed))
	st, err := gotdstorage.FromEnv("TG_SESSION", id)
	require.NoError(t, err)
	defer st.Close()
	_, ok := os.LookupEnv("TG_SESSION")
	require.False(t, ok)
	requireData(t, st, 2, "149.154.167.51:443", 'a')

	loader := &session.Loader{Storage: st}
	data, err := loader.Load(context.Background())
	require.NoError(t, err)
	err = loader.Save(context.Background(), data)
	require.ErrorIs(t, err, gotdstorage.ErrReadOnly)
	require.True(t, errors.Is(err, gotdstorage.ErrReadOnly))

	_, err = gotdstorage.FromEnv("TG_SESSION_UNSET", id)
	require.ErrorIs(t, err, vault.ErrNotFound)

	require.NoError(t, st.Close())
	_, err = st.LoadSession(context.Background())
	require.ErrorIs(t, err, session.ErrNotFound)
}

func ExampleFromVault() {
	dir, _ := os.MkdirTemp("", "gotdstorage-example-")
	defer os.RemoveAll(dir)
	id, _ := age.GenerateX25519Identity()
	d, _ := vault.InitDir(filepath.Join(dir, "vault"))

	st, err := gotdstorage.FromVault(d, "bot", []age.Recipient{id.Recipient()}, id)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	// Give st to gotd: telegram.NewClient(appID, appHash, telegram.Options{SessionStorage: st}).
	// Before the first login there is no session:
	_, err = st.LoadSession(context.Background())
	fmt.Println(errors.Is(err, session.ErrNotFound))
	// Output: true
}
