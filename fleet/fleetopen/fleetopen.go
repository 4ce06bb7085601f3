// Package fleetopen opens a fleet store by its location, the one place
// that imports every backend: redis:// or rediss:// (redisfleet),
// postgres:// or postgresql:// (pgfleet), and a directory path (dirfleet)
// for anything without "://". A URL may hold a password: callers take it
// from an environment variable, never from argv, and errors never quote it.
package fleetopen

import (
	"context"
	"strings"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/dirfleet"
	"github.com/tgsession/tgsession/fleet/pgfleet"
	"github.com/tgsession/tgsession/fleet/redisfleet"
	"github.com/tgsession/tgsession/stores"
)

// Options configure [Open].
type Options struct {
	// Namespace is the Redis key prefix or the PostgreSQL schema; ""
	// means the backend's default. Unused for directories.
	Namespace string
	// Timeout bounds connecting and each command without an earlier
	// context deadline; 0 means the backend's default (10 s).
	Timeout time.Duration
}

// Open opens the store at loc.
func Open(ctx context.Context, loc string, o Options) (fleet.Store, error) {
	if !strings.Contains(loc, "://") {
		if loc == "" {
			return nil, fleet.Errorf("dir", "open", "", stores.ErrBadURL, "empty store location")
		}
		return ret(dirfleet.Open(loc, dirfleet.Options{}))
	}
	u, err := stores.ParseURL(loc)
	if err != nil {
		return nil, &fleet.Error{Backend: "url", Op: "open", Err: err}
	}
	switch u.Scheme() {
	case stores.SchemeRedis, stores.SchemeRedisTLS:
		return ret(redisfleet.Open(ctx, u, redisfleet.Options{Prefix: o.Namespace, Timeout: o.Timeout}))
	case stores.SchemePostgres:
		return ret(pgfleet.Open(ctx, u, pgfleet.Options{Schema: o.Namespace, Timeout: o.Timeout}))
	}
	return nil, fleet.Errorf("url", "open", "", stores.ErrBadURL, "a fleet store is redis://, rediss://, postgres:// or a directory, not %s://", u.Scheme())
}

// ret returns a nil interface, not a typed nil pointer, on error.
func ret[S fleet.Store](s S, err error) (fleet.Store, error) {
	if err != nil {
		return nil, err
	}
	return s, nil
}
