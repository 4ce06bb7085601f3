package fleetopen_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/vault"
)

// A bot process on any machine of the fleet: lease its session, open it,
// run while the lease is renewed, write back a changed session with the
// fencing token, release. (Compiled, not run: it needs a server.)
func Example_bot() {
	ctx := context.Background()
	// The URL may hold a password: it comes from the environment.
	store, err := fleetopen.Open(ctx, os.Getenv("TGSESSION_FLEET_URL"), fleetopen.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s/pid-%d", host, os.Getpid())
	lease, err := store.Acquire(ctx, "bot-1", holder, 30*time.Second)
	if held, ok := errors.AsType[*fleet.HeldError](err); ok {
		log.Fatalf("bot-1 is in use by %s", held.Holder) // exit at once, naming the holder
	} else if err != nil {
		log.Fatal(err)
	}
	defer store.Release(context.Background(), lease)

	running, cancel := context.WithCancel(ctx)
	defer cancel()
	sup, err := fleet.Supervise(store, lease, fleet.SuperviseOptions{
		// Renewal failed: stop using the key before the lease can expire.
		Stop: func(reason error) { cancel() },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sup.Close()

	entry, err := store.Get(ctx, "bot-1")
	if err != nil {
		log.Fatal(err)
	}
	s, err := vault.Open(entry.Sealed) // identities from TGSESSION_AGE_KEY etc.
	if err != nil {
		log.Fatal(err)
	}
	defer s.Destroy()
	if err := fleet.VerifyOpened(entry, s.KeyID().String()); err != nil {
		log.Fatal(err) // the store holds another account's session
	}
	select {
	case <-sup.Done():
		return // lease lost before we started
	default:
	}

	_ = running // … run the MTProto client with s until running is cancelled …

	// After a DC migration: seal the new session and write it back; a
	// holder whose lease was taken over gets fleet.ErrFenced.
	var resealed []byte // = newSession.Seal(vault.FormText, recipients)
	if resealed != nil {
		if err := store.WriteBack(ctx, lease, s.KeyID().String(), resealed); errors.Is(err, fleet.ErrFenced) {
			log.Print("lost the lease: not writing back")
		}
	}
}
