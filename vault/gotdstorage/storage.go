// Package gotdstorage implements gotd/td's session.Storage
// (github.com/gotd/td/session) on top of tgsession's age-sealed sessions: a
// gotd client can load its session from a sealed environment variable or a
// tgsession vault entry, and store it back into the vault entry, re-sealed.
//
// It is a separate module so that importing github.com/tgsession/tgsession
// never pulls in gotd for users who do not use it.
//
//	d, _ := vault.OpenDir(path)
//	ids, _ := (&vault.KeySearch{Env: true, DefaultFile: true}).Find()
//	st, err := gotdstorage.FromVault(d, "bot", recipients, ids)
//	…
//	client := telegram.NewClient(appID, appHash, telegram.Options{SessionStorage: st})
//
// [FromFleet] gives a gotd client a session of a tgsession fleet store
// (package fleet: Redis, PostgreSQL or a directory) and holds the
// session's lease for the client's life, so that the auth key is live in
// one process only; updates are written back with the lease's fencing
// token. Run the client under [Storage.Context]:
//
//	st, err := gotdstorage.FromFleet(ctx, store, "bot-1", recipients, ids, gotdstorage.FleetOptions{})
//	// err wraps fleet.ErrHeld (a *fleet.HeldError names the holder) while another process has it
//	defer st.Close() // releases the lease
//	client := telegram.NewClient(appID, appHash, telegram.Options{SessionStorage: st})
//	err = client.Run(st.Context(), run) // cancelled if the lease is lost
//
// # Security
//
// gotd's Storage interface moves the session as JSON bytes, with the auth
// key in base64: LoadSession necessarily returns a copy of the key that gotd
// owns, and gotd keeps the key in ordinary memory while connected. Between
// calls this package holds the key only in a memguard Enclave. The JSON
// holds only what tgsession's envelope holds: gotd's Salt and cached Config
// (DC list) are not stored, and gotd fetches them again on connect.
package gotdstorage

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"filippo.io/age"
	"github.com/gotd/td/session"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// ErrReadOnly is returned by StoreSession for a Storage opened from an
// environment variable: there is nowhere to write the session back. gotd
// stores the session after login, DC migration and config updates, so an
// environment-backed client must already be logged in, and a change made
// by gotd (for example a new key after a DC migration) is kept only for the
// life of the process.
var ErrReadOnly = errors.New("gotdstorage: a session from an environment variable cannot be stored back; use a vault entry")

// Storage is a gotd session.Storage backed by a sealed session. It is safe
// for concurrent use.
type Storage struct {
	mu   sync.Mutex
	sess *vault.Session // nil: no session yet (vault entry missing)

	// Environment-backed: the variable name; vault-backed: empty.
	env string
	// Vault-backed.
	dir        *vault.Dir
	entry      string
	recipients []age.Recipient
	// Fleet-backed (fleet.go): the lease and its supervisor.
	fl *fleetState
}

var _ session.Storage = (*Storage)(nil)

// FromEnv opens the sealed session in the environment variable name with
// ids, as [vault.OpenEnv] does (the variable is removed from the
// environment), and returns a read-only Storage for it: StoreSession fails
// with [ErrReadOnly].
func FromEnv(name string, ids ...age.Identity) (*Storage, error) {
	s, err := vault.OpenEnv(name, ids...)
	if err != nil {
		return nil, err
	}
	return &Storage{sess: s, env: name}, nil
}

// FromVault returns a Storage for entry in d. If the entry exists it is
// opened now with ids (see [vault.Dir.Get]); if it does not, LoadSession
// reports session.ErrNotFound, so gotd logs in afresh, and the first
// StoreSession creates the entry, sealed to recipients. Every StoreSession
// that changes the session re-seals the entry to recipients, atomically.
func FromVault(d *vault.Dir, entry string, recipients []age.Recipient, ids ...age.Identity) (*Storage, error) {
	if !vault.ValidName(entry) {
		return nil, fmt.Errorf("gotdstorage: invalid vault entry name: %w", vault.ErrMalformed)
	}
	if len(recipients) == 0 {
		return nil, fmt.Errorf("gotdstorage: no recipients to re-seal the entry to: %w", vault.ErrMalformed)
	}
	st := &Storage{dir: d, entry: entry, recipients: recipients}
	s, err := d.Get(entry, ids...)
	switch {
	case err == nil:
		st.sess = s
	case !errors.Is(err, vault.ErrNotFound):
		return nil, err
	}
	return st, nil
}

// LoadSession implements session.Storage: it returns the session as gotd's
// session JSON, or session.ErrNotFound if there is none yet. A
// fleet-backed Storage whose lease is lost returns [ErrLeaseLost].
func (s *Storage) LoadSession(context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fl.lostErr(); err != nil {
		return nil, err
	}
	if s.sess == nil {
		return nil, session.ErrNotFound
	}
	j, err := s.sess.Export(codec.Gotd)
	if err != nil {
		return nil, err
	}
	return []byte(j), nil
}

// StoreSession implements session.Storage: it re-seals the session gotd
// hands over into the vault entry (the Source format and labels of the
// previous session are kept, so that exports default to the same format).
// A session identical to the stored one (same DC, address and key) is not
// written again. Environment-backed storage returns [ErrReadOnly]. A
// fleet-backed Storage writes with its lease's fencing token (see
// [FromFleet]).
func (s *Storage) StoreSession(ctx context.Context, data []byte) error {
	if s.env != "" {
		return ErrReadOnly
	}
	cs, err := codec.DecodeAs(codec.Gotd, string(data))
	if err != nil {
		return fmt.Errorf("gotdstorage: %w", err)
	}
	defer cs.Wipe()

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fl.lostErr(); err != nil {
		return err
	}
	var labels map[string]string
	if prev := s.sess; prev != nil {
		if prev.KeyID() == cs.AuthKeyID() && prev.DC == cs.DC &&
			prev.ServerAddress == cs.ServerAddress && prev.Port == cs.Port && sameKey(prev, cs) {
			return nil
		}
		if prev.Source != codec.FormatUnknown {
			cs.Source, cs.Layout = prev.Source, ""
		}
		labels = prev.Labels
	}
	next, err := vault.NewSession(cs)
	if err != nil {
		return err
	}
	next.Labels = labels
	if s.fl != nil {
		err = s.fl.writeBack(ctx, next, s.recipients)
	} else {
		_, err = s.dir.Replace(s.entry, next, s.recipients...)
	}
	if err != nil {
		next.Destroy()
		return err
	}
	if s.sess != nil {
		s.sess.Destroy()
	}
	s.sess = next
	return nil
}

// sameKey compares the keys of a and b in constant time.
func sameKey(a *vault.Session, b *codec.Session) bool {
	same := false
	_ = a.WithKey(func(k *[codec.AuthKeySize]byte) error {
		ak, err := codec.NewAuthKey(k[:])
		if err == nil {
			same = ak.Equal(b.Key)
			ak.Wipe()
		}
		return nil
	})
	return same
}

// Close forgets the session held in memory; a fleet-backed Storage also
// stops renewing its lease and releases it (the store itself is not
// closed). The Storage must not be used afterwards. Close the gotd client
// (return from its Run) first: after Close another process may take the
// session.
func (s *Storage) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess != nil {
		s.sess.Destroy()
		s.sess = nil
	}
	if s.fl != nil {
		return s.fl.close()
	}
	return nil
}
