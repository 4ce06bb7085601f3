package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// Layout is one of the Redis layouts this package reads and writes.
type Layout int

// Layouts.
const (
	// TeleRedis is teleredis 0.1.x: a JSON string per DC under
	// <prefix>:<name>:sessions:<dc> and one per cached entity under
	// <prefix>:<name>:entities:<marked id>. Kind "telethon-redis".
	TeleRedis Layout = iota + 1
	// Hash is TG-UserBot's RedisSession: one hash <prefix>:<name>:auth.
	// Kind "telethon-redis-hash".
	Hash
)

// Default key prefixes: teleredis's DEFAULT_HIVE_PREFIX and TG-UserBot's
// fixed prefix.
const (
	DefaultTeleRedisPrefix = "telethon:client"
	DefaultHashPrefix      = "telethon:session"
)

// Kind returns the kind name: "telethon-redis" or "telethon-redis-hash".
func (l Layout) Kind() string {
	switch l {
	case TeleRedis:
		return "telethon-redis"
	case Hash:
		return "telethon-redis-hash"
	}
	return "redis-layout-" + strconv.Itoa(int(l))
}

func (l Layout) String() string { return l.Kind() }

// Options configure [Open].
type Options struct {
	// Layout is the layout to read and write (required).
	Layout Layout
	// Prefix replaces the layout's default key prefix (teleredis's
	// hive_prefix).
	Prefix string
	// DC chooses the key to read when a teleredis name holds keys for
	// several DCs; 0 means "the only one".
	DC int
	// Timeout bounds dialing and each command when the context has no
	// earlier deadline; 0 means 10 seconds.
	Timeout time.Duration
}

// Store reads and writes one Redis layout. It implements [stores.Store].
type Store struct {
	c      *goredis.Client
	u      stores.URL
	layout Layout
	kind   string
	prefix string
	dc     int
}

var _ stores.Store = (*Store)(nil)

// scanCount is the COUNT hint of every SCAN.
const scanCount = 5000

// Open connects to the Redis server at u (redis:// or rediss://) and checks
// that it answers (PING, with the URL's credentials).
func Open(ctx context.Context, u stores.URL, opts Options) (*Store, error) {
	kind := opts.Layout.Kind()
	if opts.Layout != TeleRedis && opts.Layout != Hash {
		return nil, stores.Errorf(kind, "open", "", stores.ErrLayout, "unknown layout %d", int(opts.Layout))
	}
	if sc := u.Scheme(); sc != stores.SchemeRedis && sc != stores.SchemeRedisTLS {
		return nil, stores.Errorf(kind, "open", "", stores.ErrBadURL, "scheme %q is not redis or rediss", sc)
	}
	o, err := goredis.ParseURL(u.Reveal().String())
	if err != nil {
		return nil, stores.DriverError(ctx, kind, "open", "", u, stores.ErrBadURL, err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	o.Protocol = 2
	o.DisableIdentity = true
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
	o.PoolSize = 4
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	s := &Store{c: goredis.NewClient(o), u: u, layout: opts.Layout, kind: kind, prefix: opts.Prefix, dc: opts.DC}
	if s.prefix == "" {
		s.prefix = DefaultTeleRedisPrefix
		if opts.Layout == Hash {
			s.prefix = DefaultHashPrefix
		}
	}
	// go-redis bounds a new connection's AUTH by ReadTimeout rather than
	// by the context: wait for the context too.
	done := make(chan error, 1)
	go func() { done <- s.c.Ping(ctx).Err() }()
	var err2 error
	select {
	case err2 = <-done:
	case <-ctx.Done():
		err2 = ctx.Err()
	}
	if err2 != nil {
		_ = s.c.Close()
		return nil, s.err(ctx, "open", "", err2)
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.c.Close() }

// Read returns the session stored under name. It issues only reading
// commands (SCAN, TYPE, STRLEN, GETRANGE, HLEN, HSTRLEN, HMGET).
func (s *Store) Read(ctx context.Context, name string) (*compat.Stored, error) {
	if err := check.Name(name); err != nil {
		return nil, &stores.Error{Kind: s.kind, Op: "read", Name: name, Err: err}
	}
	var (
		r   *compat.Stored
		err error
	)
	if s.layout == Hash {
		r, err = s.readHash(ctx, name)
	} else {
		r, err = s.readTeleRedis(ctx, name)
	}
	if err != nil {
		return nil, s.wrap(ctx, "read", name, err)
	}
	return r, nil
}

// Write stores r under name in one MULTI/EXEC transaction, WATCHing the
// keys it replaces. Replacing removes every key the name held (other DCs'
// sessions keys, cached entities).
func (s *Store) Write(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	if err := check.Name(name); err != nil {
		return &stores.Error{Kind: s.kind, Op: "write", Name: name, Err: err}
	}
	if r == nil || r.Session == nil || !r.Session.Key.IsSet() {
		return stores.Errorf(s.kind, "write", name, stores.ErrBadValue, "the session holds no auth key")
	}
	if _, err := check.DC("dc", int64(r.Session.DC)); err != nil {
		return &stores.Error{Kind: s.kind, Op: "write", Name: name, Err: err}
	}
	var err error
	if s.layout == Hash {
		err = s.writeHash(ctx, name, r, replace)
	} else {
		err = s.writeTeleRedis(ctx, name, r, replace)
	}
	if err != nil {
		return s.wrap(ctx, "write", name, err)
	}
	return nil
}

// List returns the session names under the prefix, sorted.
func (s *Store) List(ctx context.Context) ([]string, error) {
	var names []string
	var err error
	if s.layout == Hash {
		names, err = s.listHash(ctx)
	} else {
		names, err = s.listTeleRedis(ctx)
	}
	if err != nil {
		return nil, s.wrap(ctx, "list", "", err)
	}
	return names, nil
}

// wrap turns an error from the read/write code into an [*stores.Error].
func (s *Store) wrap(ctx context.Context, op, name string, err error) error {
	if e, ok := errors.AsType[*stores.Error](err); ok {
		return e
	}
	if isRedisError(err) || !isOwn(err) {
		return s.err(ctx, op, name, err)
	}
	return &stores.Error{Kind: s.kind, Op: op, Name: name, Err: err}
}

// isOwn reports whether err is one of this package's errors (which wrap a
// stores sentinel) rather than a driver error.
func isOwn(err error) bool {
	for _, t := range []error{stores.ErrNotFound, stores.ErrExists, stores.ErrBadValue, stores.ErrTooLarge,
		stores.ErrAmbiguous, stores.ErrPickled, stores.ErrLayout, stores.ErrBadName} {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func isRedisError(err error) bool {
	var re goredis.Error
	return errors.As(err, &re) && !errors.Is(err, goredis.Nil)
}

// err classifies a go-redis error.
func (s *Store) err(ctx context.Context, op, name string, err error) error {
	var sentinel error
	if isRedisError(err) {
		msg := err.Error()
		switch {
		case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"), strings.HasPrefix(msg, "NOPERM"),
			strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
			sentinel = stores.ErrAuth
		case strings.HasPrefix(msg, "WRONGTYPE"):
			sentinel = stores.ErrBadValue
		case strings.HasPrefix(msg, "LOADING"):
			sentinel = stores.ErrUnreachable
		default:
			sentinel = stores.ErrServer
		}
	}
	return stores.DriverError(ctx, s.kind, op, name, s.u, sentinel, err)
}

// scan returns the keys matching pattern, at most limit of them (more is
// [stores.ErrTooLarge]).
func (s *Store) scan(ctx context.Context, pattern string, limit int, what string) ([]string, error) {
	var keys []string
	var cursor uint64
	for {
		batch, next, err := s.c.Scan(ctx, cursor, pattern, scanCount).Result()
		if err != nil {
			return nil, err
		}
		keys = append(keys, batch...)
		if len(keys) > limit {
			return nil, fmt.Errorf("more than %d %s: %w", limit, what, stores.ErrTooLarge)
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	// SCAN may return a key more than once.
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// globEscape escapes the glob characters of SCAN MATCH patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch c {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
