// Package dirfleet is the directory backend of [fleet], for holders on one
// machine: one JSON file per session (sealed bytes, metadata and lease)
// under <dir>/sessions, written atomically (0600, temp file + fsync +
// rename), every operation under an exclusive flock of <dir>/.lock. The
// "server clock" is the machine's wall clock, which every holder shares;
// a step of that clock (an NTP correction) moves lease expiries with it.
// Fencing tokens come from <dir>/fence.
package dirfleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/internal/safefile"
)

const backend = "dir"

// Store is a fleet store in a directory. It implements [fleet.Store].
type Store struct {
	dir   string
	clock fleet.Clock
}

var _ fleet.Store = (*Store)(nil)

// Options configure [Open].
type Options struct {
	// Clock is the machine's clock; nil means the system clock.
	Clock fleet.Clock
}

// Open opens (creating, 0700) the fleet directory dir.
func Open(dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Join(dir, "sessions"), 0o700); err != nil {
		return nil, fleet.Errorf(backend, "open", "", fleet.ErrUnreachable, "creating the directory: %v", errors.Unwrap(err))
	}
	s := &Store{dir: dir, clock: o.Clock}
	if s.clock == nil {
		s.clock = fleet.SystemClock{}
	}
	return s, nil
}

// Close does nothing.
func (s *Store) Close() error { return nil }

type record struct {
	Name         string            `json:"name"`
	Sealed       []byte            `json:"sealed"`
	AuthKeyID    string            `json:"auth_key_id"`
	Labels       map[string]string `json:"labels"`
	Recipients   []string          `json:"recipients"`
	Digest       string            `json:"digest"`
	Size         int               `json:"size"`
	Created      int64             `json:"created"`
	Updated      int64             `json:"updated"`
	Fence        uint64            `json:"fence"`
	Holder       string            `json:"holder,omitempty"`
	LeaseValue   string            `json:"lease_value,omitempty"`
	LeaseExpires int64             `json:"lease_expires,omitempty"` // Unix ns, machine clock
}

func (s *Store) path(name string) string {
	return filepath.Join(s.dir, "sessions", hex.EncodeToString([]byte(name))+".json")
}

// locked runs f under the directory lock.
func (s *Store) locked(ctx context.Context, op, name string, f func(now time.Time) error) error {
	unlock, err := lock(ctx, filepath.Join(s.dir, ".lock"))
	if err != nil {
		if ctx.Err() != nil {
			return &fleet.Error{Backend: backend, Op: op, Name: name, Err: fmt.Errorf("waiting for the directory lock: %w: %w", ctx.Err(), fleet.ErrUnreachable)}
		}
		return fleet.Errorf(backend, op, name, fleet.ErrUnreachable, "locking the directory")
	}
	defer unlock()
	if err := f(time.Now()); err != nil {
		if _, ok := errors.AsType[*fleet.Error](err); ok {
			return err
		}
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: err}
	}
	return nil
}

func (s *Store) read(name string) (*record, error) {
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fleet.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading the session file: %w", fleet.ErrUnreachable)
	}
	if len(b) > 4*fleet.MaxSealedSize {
		return nil, fmt.Errorf("session file of %d bytes: %w", len(b), fleet.ErrTooLarge)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || r.Name != name {
		return nil, fmt.Errorf("session file does not parse or names another session: %w", fleet.ErrBadValue)
	}
	return &r, nil
}

func (s *Store) write(r *record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := safefile.WriteFile(s.path(r.Name), b, true); err != nil {
		return fmt.Errorf("writing the session file: %w", fleet.ErrUnreachable)
	}
	return nil
}

func live(r *record, now time.Time) bool {
	return r.LeaseValue != "" && r.LeaseExpires > now.UnixNano()
}

func held(op string, r *record, now time.Time) error {
	return &fleet.Error{Backend: backend, Op: op, Name: r.Name, Err: &fleet.HeldError{Holder: r.Holder, Token: r.Fence, Expires: time.Duration(r.LeaseExpires - now.UnixNano())}}
}

// Put stores a sealed session.
func (s *Store) Put(ctx context.Context, m fleet.Meta, sealed []byte, replace bool) error {
	if err := fleet.CheckMeta(m); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	if err := fleet.CheckSealed(sealed); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	return s.locked(ctx, "put", m.Name, func(now time.Time) error {
		r, err := s.read(m.Name)
		switch {
		case errors.Is(err, fleet.ErrNotFound):
			r = &record{Name: m.Name, Created: now.UnixNano()}
		case err != nil:
			return err
		case !replace:
			return fleet.ErrExists
		case live(r, now):
			return held("put", r, now)
		}
		r.Sealed, r.AuthKeyID, r.Labels, r.Recipients = sealed, m.AuthKeyID, m.Labels, m.Recipients
		r.Digest, r.Size, r.Updated = fleet.Digest(sealed), len(sealed), now.UnixNano()
		return s.write(r)
	})
}

func entry(r *record, now time.Time, withSealed bool) *fleet.Entry {
	e := &fleet.Entry{Meta: fleet.Meta{Name: r.Name, Labels: r.Labels, AuthKeyID: r.AuthKeyID, Recipients: r.Recipients,
		Created: time.Unix(0, r.Created), Updated: time.Unix(0, r.Updated), Digest: r.Digest, Size: r.Size}, Fence: r.Fence}
	if withSealed {
		e.Sealed = r.Sealed
	}
	if live(r, now) {
		e.Lease = &fleet.LeaseState{Holder: r.Holder, Token: r.Fence, Expires: time.Duration(r.LeaseExpires - now.UnixNano())}
	}
	return e
}

// Get returns a session with its sealed bytes, digest checked.
func (s *Store) Get(ctx context.Context, name string) (*fleet.Entry, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	var e *fleet.Entry
	err := s.locked(ctx, "get", name, func(now time.Time) error {
		r, err := s.read(name)
		if err != nil {
			return err
		}
		e = entry(r, now, true)
		return fleet.CheckDigest(e)
	})
	return e, err
}

func (s *Store) names() ([]string, error) {
	des, err := os.ReadDir(filepath.Join(s.dir, "sessions"))
	if err != nil {
		return nil, fmt.Errorf("reading the directory: %w", fleet.ErrUnreachable)
	}
	var out []string
	for _, de := range des {
		h, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok || !de.Type().IsRegular() {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			continue
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out, nil
}

// List returns one page, sorted by name.
func (s *Store) List(ctx context.Context, o fleet.ListOptions) (*fleet.Page, error) {
	if err := fleet.CheckPrefix(o.Prefix); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "list", Name: o.Prefix, Err: err}
	}
	limit := o.Limit
	if limit <= 0 {
		limit = fleet.DefaultPageSize
	}
	if limit > fleet.MaxPageSize {
		return nil, fleet.Errorf(backend, "list", o.Prefix, fleet.ErrTooLarge, "page of %d entries (at most %d)", limit, fleet.MaxPageSize)
	}
	p := &fleet.Page{}
	err := s.locked(ctx, "list", o.Prefix, func(now time.Time) error {
		names, err := s.names()
		if err != nil {
			return err
		}
		for _, n := range names {
			if !strings.HasPrefix(n, o.Prefix) || n <= o.After {
				continue
			}
			if len(p.Entries) == limit {
				p.Next = p.Entries[limit-1].Name
				break
			}
			r, err := s.read(n)
			if err != nil {
				return err
			}
			p.Entries = append(p.Entries, *entry(r, now, false))
		}
		return nil
	})
	return p, err
}

// Delete removes a session that is not leased.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := fleet.CheckName(name); err != nil {
		return &fleet.Error{Backend: backend, Op: "delete", Name: name, Err: err}
	}
	return s.locked(ctx, "delete", name, func(now time.Time) error {
		r, err := s.read(name)
		if err != nil {
			return err
		}
		if live(r, now) {
			return held("delete", r, now)
		}
		if err := os.Remove(s.path(name)); err != nil {
			return fmt.Errorf("removing the session file: %w", fleet.ErrUnreachable)
		}
		return safefile.SyncDir(filepath.Join(s.dir, "sessions"))
	})
}

// nextToken draws a token above the counter and above the session's.
func (s *Store) nextToken(r *record) (uint64, error) {
	p := filepath.Join(s.dir, "fence")
	var n uint64
	if b, err := os.ReadFile(p); err == nil {
		n, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	n = max(n, r.Fence) + 1
	if err := safefile.WriteFile(p, []byte(strconv.FormatUint(n, 10)), true); err != nil {
		return 0, fmt.Errorf("writing the fence counter: %w", fleet.ErrUnreachable)
	}
	return n, nil
}

func newValue() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Store) grab(r *record, holder string, ttl time.Duration, now, sent time.Time) (*fleet.Lease, error) {
	tok, err := s.nextToken(r)
	if err != nil {
		return nil, err
	}
	exp := now.Add(ttl)
	r.Fence, r.Holder, r.LeaseValue, r.LeaseExpires = tok, holder, newValue(), exp.UnixNano()
	if err := s.write(r); err != nil {
		return nil, err
	}
	return fleet.NewLease(r.Name, holder, tok, ttl, r.LeaseValue, exp, sent), nil
}

func checkAcquire(op, name, holder string, ttl time.Duration) error {
	if err := fleet.CheckHolder(holder); err != nil {
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: err}
	}
	if err := fleet.CheckTTL(ttl); err != nil {
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: err}
	}
	return nil
}

// Acquire leases a session.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: name, Err: err}
	}
	if err := checkAcquire("acquire", name, holder, ttl); err != nil {
		return nil, err
	}
	sent := s.clock.Now()
	var l *fleet.Lease
	err := s.locked(ctx, "acquire", name, func(now time.Time) error {
		r, err := s.read(name)
		if err != nil {
			return err
		}
		if live(r, now) {
			return held("acquire", r, now)
		}
		l, err = s.grab(r, holder, ttl, now, sent)
		return err
	})
	return l, err
}

// AcquireAny leases the first free session (by name) under prefix.
func (s *Store) AcquireAny(ctx context.Context, prefix, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckPrefix(prefix); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: prefix, Err: err}
	}
	if err := checkAcquire("acquire", prefix, holder, ttl); err != nil {
		return nil, err
	}
	sent := s.clock.Now()
	var l *fleet.Lease
	err := s.locked(ctx, "acquire", prefix, func(now time.Time) error {
		names, err := s.names()
		if err != nil {
			return err
		}
		for _, n := range names {
			if !strings.HasPrefix(n, prefix) {
				continue
			}
			r, err := s.read(n)
			if err != nil {
				return err
			}
			if !live(r, now) {
				l, err = s.grab(r, holder, ttl, now, sent)
				return err
			}
		}
		return fleet.ErrNoFree
	})
	return l, err
}

func (s *Store) mine(op string, l *fleet.Lease, now time.Time) (*record, error) {
	r, err := s.read(l.Name)
	if err != nil {
		return nil, err
	}
	if r.LeaseValue != l.Value || r.Fence != l.Token || !live(r, now) {
		if live(r, now) && r.Fence != l.Token {
			return nil, fmt.Errorf("token %d; now leased by %q with token %d: %w", l.Token, r.Holder, r.Fence, fleet.ErrLost)
		}
		return nil, fmt.Errorf("token %d; the lease expired or is not ours: %w", l.Token, fleet.ErrLost)
	}
	return r, nil
}

// Renew extends the lease if it is still ours and live.
func (s *Store) Renew(ctx context.Context, l *fleet.Lease) error {
	sent := s.clock.Now()
	return s.locked(ctx, "renew", l.Name, func(now time.Time) error {
		r, err := s.mine("renew", l, now)
		if err != nil {
			return err
		}
		exp := now.Add(l.TTL)
		r.LeaseExpires = exp.UnixNano()
		if err := s.write(r); err != nil {
			return err
		}
		l.Renewed(exp, sent)
		return nil
	})
}

// Release ends the lease if it is still ours and live.
func (s *Store) Release(ctx context.Context, l *fleet.Lease) error {
	return s.locked(ctx, "release", l.Name, func(now time.Time) error {
		r, err := s.mine("release", l, now)
		if err != nil {
			return err
		}
		r.Holder, r.LeaseValue, r.LeaseExpires = "", "", 0
		return s.write(r)
	})
}

// WriteBack replaces the sealed bytes if l's token is the session's latest.
func (s *Store) WriteBack(ctx context.Context, l *fleet.Lease, authKeyID string, sealed []byte) error {
	return s.writeBack(ctx, "writeback", l, authKeyID, nil, sealed)
}

// Reseal replaces the sealed bytes and the recipient list if l's token is
// the session's latest.
func (s *Store) Reseal(ctx context.Context, l *fleet.Lease, authKeyID string, recipients []string, sealed []byte) error {
	if recipients == nil {
		recipients = []string{}
	}
	return s.writeBack(ctx, "reseal", l, authKeyID, recipients, sealed)
}

// writeBack is WriteBack, and with recipients not nil, Reseal.
func (s *Store) writeBack(ctx context.Context, op string, l *fleet.Lease, authKeyID string, recipients []string, sealed []byte) error {
	if err := fleet.CheckAuthKeyID(authKeyID); err != nil {
		return &fleet.Error{Backend: backend, Op: op, Name: l.Name, Err: err}
	}
	if err := fleet.CheckSealed(sealed); err != nil {
		return &fleet.Error{Backend: backend, Op: op, Name: l.Name, Err: err}
	}
	if err := fleet.CheckRecipients(recipients); err != nil {
		return &fleet.Error{Backend: backend, Op: op, Name: l.Name, Err: err}
	}
	return s.locked(ctx, op, l.Name, func(now time.Time) error {
		r, err := s.read(l.Name)
		if err != nil {
			return err
		}
		if r.Fence != l.Token {
			return fmt.Errorf("token %d, the session's latest is %d: %w", l.Token, r.Fence, fleet.ErrFenced)
		}
		r.Sealed, r.AuthKeyID, r.Digest, r.Size, r.Updated = sealed, authKeyID, fleet.Digest(sealed), len(sealed), now.UnixNano()
		if recipients != nil {
			r.Recipients = recipients
		}
		return s.write(r)
	})
}
