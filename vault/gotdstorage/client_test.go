package gotdstorage_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/vault"
	"github.com/tgsession/tgsession/vault/gotdstorage"
)

// TestGotdClientRestores gives the storage to a real gotd client without
// network: the client must restore the session (it checks the auth key id,
// failing with "corrupted key" otherwise) and then dial the session's DC.
func TestGotdClientRestores(t *testing.T) {
	d, err := vault.InitDir(filepath.Join(t.TempDir(), "v"))
	require.NoError(t, err)
	id := mustX25519(t)
	recs := []age.Recipient{id.Recipient()}
	_, err = d.Put("bot", newSession(t, testSession(t, 'a', 4), nil), recs...)
	require.NoError(t, err)
	st, err := gotdstorage.FromVault(d, "bot", recs, id)
	require.NoError(t, err)
	defer st.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dialed := make(chan string, 16)
	client := telegram.NewClient(1, "0123456789abcdef0123456789abcdef", telegram.Options{
		SessionStorage: st,
		Resolver: dcs.Plain(dcs.PlainOptions{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			select {
			case dialed <- addr:
			default:
			}
			cancel()
			return nil, errors.New("offline test")
		}}),
	})
	err = client.Run(ctx, func(context.Context) error { return nil })
	if err != nil {
		require.NotContains(t, err.Error(), "corrupted key")
		require.NotContains(t, err.Error(), "load")
	}
	select {
	case addr := <-dialed:
		// An address of DC 4 in gotd's built-in production list.
		dc4 := map[string]bool{}
		for _, o := range dcs.Prod().Options {
			if o.ID == 4 {
				dc4[net.JoinHostPort(o.IPAddress, strconv.Itoa(o.Port))] = true
			}
		}
		require.True(t, dc4[addr], "dialed %s, not DC 4", addr)
	default:
		t.Fatalf("the client never dialed: %v", err)
	}
}
