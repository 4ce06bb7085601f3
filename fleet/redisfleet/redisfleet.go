// Package redisfleet is the Redis backend of [fleet]: sealed sessions in
// hashes, leases by Redis's documented single-instance lock pattern (SET
// NX PX with a unique value; renew and release by compare-and-PEXPIRE and
// compare-and-DEL scripts), fencing tokens from INCR. Every operation is
// one Lua script: atomic and one round trip. TTLs and timestamps are the
// server's.
//
// What this does not guarantee (see SECURITY.md): Redis replication is
// asynchronous, so a failover to a replica that had not received the
// latest SET or INCR can grant a second lease on a session, and a server
// restarted without persistence forgets leases and the counter. The
// fencing token still keeps write-back safe as long as the session's own
// hash (which carries its latest token) survives.
package redisfleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/stores"
)

const backend = "redis"

// DefaultPrefix is the default key prefix.
const DefaultPrefix = "tgsession:fleet:"

// anyBatch is how many names one AcquireAny script looks at.
const anyBatch = 200

// Options configure [Open].
type Options struct {
	// Prefix of every key; "" means DefaultPrefix.
	Prefix string
	// Timeout bounds dialing and each command when the context has no
	// earlier deadline; 0 means 10 seconds.
	Timeout time.Duration
	// PoolSize is the connection pool size; 0 means 4.
	PoolSize int
	// Clock reads the local time a request is sent, from which a lease's
	// local Deadline is computed; nil means the system clock. It never
	// decides a TTL: the server does.
	Clock fleet.Clock
}

// Store is a fleet store on Redis. It implements [fleet.Store].
type Store struct {
	c      *goredis.Client
	u      stores.URL
	prefix string
	clock  fleet.Clock
}

var _ fleet.Store = (*Store)(nil)

// Open connects to the Redis server at u (redis:// or rediss://) and
// checks that it answers.
func Open(ctx context.Context, u stores.URL, o Options) (*Store, error) {
	if sc := u.Scheme(); sc != stores.SchemeRedis && sc != stores.SchemeRedisTLS {
		return nil, fleet.Errorf(backend, "open", "", stores.ErrBadURL, "scheme %q is not redis or rediss", sc)
	}
	ro, err := goredis.ParseURL(u.Reveal().String())
	if err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "open", Err: stores.DriverError(ctx, backend, "open", "", u, stores.ErrBadURL, err)}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ro.Protocol = 2
	ro.DisableIdentity = true
	ro.MaxRetries = -1
	ro.DialerRetries = 1
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = timeout, timeout, timeout
	ro.ContextTimeoutEnabled = true
	ro.PoolSize = 4
	if o.PoolSize > 0 {
		ro.PoolSize = o.PoolSize
	}
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	s := &Store{c: goredis.NewClient(ro), u: u, prefix: o.Prefix, clock: o.Clock}
	if s.clock == nil {
		s.clock = fleet.SystemClock{}
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if err := s.c.Ping(ctx).Err(); err != nil {
		_ = s.c.Close()
		return nil, s.err(ctx, "open", "", err)
	}
	return s, nil
}

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Close closes the connections.
func (s *Store) Close() error { return s.c.Close() }

// Put stores a sealed session.
func (s *Store) Put(ctx context.Context, m fleet.Meta, sealed []byte, replace bool) error {
	if err := fleet.CheckMeta(m); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	if err := fleet.CheckSealed(sealed); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	labels, recips := encodeLists(m)
	rep := "0"
	if replace {
		rep = "1"
	}
	r, err := s.run(ctx, scriptPut, s.prefix, m.Name, rep, sealed, m.AuthKeyID, labels, recips, fleet.Digest(sealed), len(sealed))
	if err != nil {
		return s.err(ctx, "put", m.Name, err)
	}
	switch r[0] {
	case "ok":
		return nil
	case "exists":
		return fleet.Errorf(backend, "put", m.Name, fleet.ErrExists, "")
	case "held":
		return s.held("put", m.Name, r)
	}
	return s.unexpected("put", m.Name, r)
}

// Get returns a session with its sealed bytes, digest checked.
func (s *Store) Get(ctx context.Context, name string) (*fleet.Entry, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	r, err := s.run(ctx, scriptGet, s.prefix, name)
	if err != nil {
		return nil, s.err(ctx, "get", name, err)
	}
	if r[0] == "nf" {
		return nil, fleet.Errorf(backend, "get", name, fleet.ErrNotFound, "")
	}
	if r[0] != "ok" || len(r) != 12 {
		return nil, s.unexpected("get", name, r)
	}
	e, err := decodeEntry(name, r[2:])
	if err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	e.Sealed = []byte(r[1])
	if err := fleet.CheckDigest(e); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	return e, nil
}

// List returns one page of metadata and lease state: one script, one
// round trip.
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
	lo, hi := lexRange(o.Prefix, o.After)
	r, err := s.run(ctx, scriptList, s.prefix, lo, hi, limit)
	if err != nil {
		return nil, s.err(ctx, "list", o.Prefix, err)
	}
	if len(r) < 1 || (len(r)-1)%listFields != 0 {
		return nil, s.unexpected("list", o.Prefix, r)
	}
	p := &fleet.Page{Entries: make([]fleet.Entry, 0, (len(r)-1)/listFields)}
	for i := 1; i < len(r); i += listFields {
		e, err := decodeEntry(r[i], r[i+1:i+listFields])
		if err != nil {
			return nil, &fleet.Error{Backend: backend, Op: "list", Name: r[i], Err: err}
		}
		p.Entries = append(p.Entries, *e)
	}
	if r[0] == "1" && len(p.Entries) > 0 {
		p.Next = p.Entries[len(p.Entries)-1].Name
	}
	return p, nil
}

// Delete removes a session that is not leased.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := fleet.CheckName(name); err != nil {
		return &fleet.Error{Backend: backend, Op: "delete", Name: name, Err: err}
	}
	r, err := s.run(ctx, scriptDelete, s.prefix, name)
	if err != nil {
		return s.err(ctx, "delete", name, err)
	}
	switch r[0] {
	case "ok":
		return nil
	case "nf":
		return fleet.Errorf(backend, "delete", name, fleet.ErrNotFound, "")
	case "held":
		return s.held("delete", name, r)
	}
	return s.unexpected("delete", name, r)
}

func newValue() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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

// Acquire leases a session: SET NX PX of a unique value, token from INCR.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: name, Err: err}
	}
	if err := checkAcquire("acquire", name, holder, ttl); err != nil {
		return nil, err
	}
	id := newValue()
	sent := s.clock.Now()
	r, err := s.run(ctx, scriptAcquire, s.prefix, name, holder, id, ttl.Milliseconds())
	if err != nil {
		return nil, s.err(ctx, "acquire", name, err)
	}
	return s.granted("acquire", name, holder, id, ttl, sent, r)
}

func (s *Store) granted(op, name, holder, id string, ttl time.Duration, sent time.Time, r []string) (*fleet.Lease, error) {
	switch r[0] {
	case "ok":
		if len(r) != 4 {
			break
		}
		tok, err1 := strconv.ParseUint(r[2], 10, 64)
		ms, err2 := strconv.ParseInt(r[3], 10, 64)
		if err1 != nil || err2 != nil {
			break
		}
		return fleet.NewLease(r[1], holder, tok, ttl, leaseValue(tok, id, holder), time.UnixMilli(ms).Add(ttl), sent), nil
	case "nf":
		return nil, fleet.Errorf(backend, op, name, fleet.ErrNotFound, "")
	case "held":
		return nil, s.held(op, name, r)
	}
	return nil, s.unexpected(op, name, r)
}

func leaseValue(tok uint64, id, holder string) string {
	return strconv.FormatUint(tok, 10) + ":" + id + ":" + holder
}

// AcquireAny leases the first free session (by name) under prefix.
func (s *Store) AcquireAny(ctx context.Context, prefix, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckPrefix(prefix); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: prefix, Err: err}
	}
	if err := checkAcquire("acquire", prefix, holder, ttl); err != nil {
		return nil, err
	}
	id := newValue()
	after := ""
	for {
		lo, hi := lexRange(prefix, after)
		sent := s.clock.Now()
		r, err := s.run(ctx, scriptAcquireAny, s.prefix, lo, hi, holder, id, ttl.Milliseconds(), anyBatch)
		if err != nil {
			return nil, s.err(ctx, "acquire", prefix, err)
		}
		switch r[0] {
		case "ok":
			return s.granted("acquire", prefix, holder, id, ttl, sent, r)
		case "more":
			if len(r) != 2 {
				return nil, s.unexpected("acquire", prefix, r)
			}
			after = r[1]
		case "none":
			return nil, fleet.Errorf(backend, "acquire", prefix, fleet.ErrNoFree, "")
		default:
			return nil, s.unexpected("acquire", prefix, r)
		}
	}
}

// Renew extends the lease: compare-and-PEXPIRE.
func (s *Store) Renew(ctx context.Context, l *fleet.Lease) error {
	// A renewal that failed on a dead pooled connection (a server restart,
	// a cut) is tried once more at once: renewing is idempotent, and
	// go-redis retries a reset connection only for some errors.
	err := s.renew(ctx, l)
	if errors.Is(err, fleet.ErrUnreachable) && ctx.Err() == nil {
		err = s.renew(ctx, l)
	}
	return err
}

func (s *Store) renew(ctx context.Context, l *fleet.Lease) error {
	sent := s.clock.Now()
	r, err := s.run(ctx, scriptRenew, s.prefix, l.Name, l.Value, l.TTL.Milliseconds())
	if err != nil {
		return s.err(ctx, "renew", l.Name, err)
	}
	switch r[0] {
	case "ok":
		if len(r) == 2 {
			if ms, err := strconv.ParseInt(r[1], 10, 64); err == nil {
				l.Renewed(time.UnixMilli(ms).Add(l.TTL), sent)
				return nil
			}
		}
	case "lost":
		return s.lost("renew", l, r)
	}
	return s.unexpected("renew", l.Name, r)
}

// Release ends the lease: compare-and-DEL.
func (s *Store) Release(ctx context.Context, l *fleet.Lease) error {
	r, err := s.run(ctx, scriptRelease, s.prefix, l.Name, l.Value)
	if err != nil {
		return s.err(ctx, "release", l.Name, err)
	}
	switch r[0] {
	case "ok":
		return nil
	case "lost":
		return s.lost("release", l, r)
	}
	return s.unexpected("release", l.Name, r)
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
	recips := "" // keeps the recorded list
	if recipients != nil {
		_, recips = encodeLists(fleet.Meta{Recipients: recipients})
	}
	r, err := s.run(ctx, scriptWriteBack, s.prefix, l.Name, strconv.FormatUint(l.Token, 10), sealed, authKeyID, fleet.Digest(sealed), len(sealed), recips)
	if err != nil {
		return s.err(ctx, op, l.Name, err)
	}
	switch r[0] {
	case "ok":
		return nil
	case "nf":
		return fleet.Errorf(backend, op, l.Name, fleet.ErrNotFound, "")
	case "fenced":
		if len(r) == 2 {
			return fleet.Errorf(backend, op, l.Name, fleet.ErrFenced, "token %d, the session's latest is %s", l.Token, r[1])
		}
	}
	return s.unexpected(op, l.Name, r)
}

// run runs a script and returns its reply as strings (nil elements as "").
func (s *Store) run(ctx context.Context, sc *goredis.Script, args ...any) ([]string, error) {
	v, err := sc.Run(ctx, s.c, nil, args...).Result()
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("script reply of type %T: %w", v, fleet.ErrBadValue)
	}
	out := make([]string, len(arr))
	for i, x := range arr {
		switch x := x.(type) {
		case string:
			out[i] = x
		case int64:
			out[i] = strconv.FormatInt(x, 10)
		case nil:
		default:
			return nil, fmt.Errorf("script reply element of type %T: %w", x, fleet.ErrBadValue)
		}
	}
	return out, nil
}

// lexRange returns ZRANGEBYLEX bounds for names starting with prefix and
// sorting after after.
func lexRange(prefix, after string) (string, string) {
	lo := "[" + prefix
	if after != "" && after >= prefix {
		lo = "(" + after
	}
	hi := "+"
	if prefix != "" {
		hi = "(" + fleet.PrefixEnd(prefix)
	}
	return lo, hi
}

func encodeLists(m fleet.Meta) (string, string) {
	labels := m.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	recips := m.Recipients
	if recips == nil {
		recips = []string{}
	}
	lb, _ := json.Marshal(labels)
	rb, _ := json.Marshal(recips)
	return string(lb), string(rb)
}

// decodeEntry decodes the 8 meta fields, the lease value and its PTTL.
func decodeEntry(name string, f []string) (*fleet.Entry, error) {
	e := &fleet.Entry{Meta: fleet.Meta{Name: name, AuthKeyID: f[0], Digest: f[3]}}
	if err := json.Unmarshal([]byte(f[1]), &e.Labels); err != nil {
		return nil, fmt.Errorf("labels field does not parse: %w", fleet.ErrBadValue)
	}
	if err := json.Unmarshal([]byte(f[2]), &e.Recipients); err != nil {
		return nil, fmt.Errorf("recipients field does not parse: %w", fleet.ErrBadValue)
	}
	size, err1 := strconv.Atoi(f[4])
	created, err2 := strconv.ParseInt(f[5], 10, 64)
	updated, err3 := strconv.ParseInt(f[6], 10, 64)
	fence, err4 := strconv.ParseUint(f[7], 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("a size, time or fence field is not a number: %w", fleet.ErrBadValue)
	}
	e.Size, e.Created, e.Updated, e.Fence = size, time.UnixMilli(created), time.UnixMilli(updated), fence
	if f[8] != "" {
		tok, _, holder, ok := parseValue(f[8])
		if !ok {
			return nil, fmt.Errorf("lease value does not parse: %w", fleet.ErrBadValue)
		}
		pttl, _ := strconv.ParseInt(f[9], 10, 64)
		e.Lease = &fleet.LeaseState{Holder: holder, Token: tok, Expires: time.Duration(max(pttl, 0)) * time.Millisecond}
	}
	return e, nil
}

// parseValue splits a lease value "<token>:<id>:<holder>".
func parseValue(v string) (tok uint64, id, holder string, ok bool) {
	t, rest, ok1 := strings.Cut(v, ":")
	id, holder, ok2 := strings.Cut(rest, ":")
	n, err := strconv.ParseUint(t, 10, 64)
	if !ok1 || !ok2 || err != nil {
		return 0, "", "", false
	}
	return n, id, holder, true
}

func (s *Store) held(op, name string, r []string) error {
	if len(r) != 3 {
		return s.unexpected(op, name, r)
	}
	tok, _, holder, ok := parseValue(r[1])
	if !ok {
		return fleet.Errorf(backend, op, name, fleet.ErrHeld, "by a lease whose value does not parse")
	}
	pttl, _ := strconv.ParseInt(r[2], 10, 64)
	return &fleet.Error{Backend: backend, Op: op, Name: name, Err: &fleet.HeldError{Holder: holder, Token: tok, Expires: time.Duration(max(pttl, 0)) * time.Millisecond}}
}

func (s *Store) lost(op string, l *fleet.Lease, r []string) error {
	if len(r) == 2 && r[1] != "" {
		if tok, _, holder, ok := parseValue(r[1]); ok {
			return fleet.Errorf(backend, op, l.Name, fleet.ErrLost, "token %d; now leased by %q with token %d", l.Token, holder, tok)
		}
	}
	return fleet.Errorf(backend, op, l.Name, fleet.ErrLost, "token %d; the lease expired", l.Token)
}

func (s *Store) unexpected(op, name string, r []string) error {
	tag := ""
	if len(r) > 0 && len(r[0]) < 16 {
		tag = r[0]
	}
	return fleet.Errorf(backend, op, name, fleet.ErrBadValue, "unexpected script reply %q of %d elements", tag, len(r))
}

// err classifies a driver error (its message scrubbed of the URL's
// secrets).
func (s *Store) err(ctx context.Context, op, name string, err error) error {
	if errors.Is(err, fleet.ErrBadValue) {
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: err}
	}
	if errors.Is(err, goredis.ErrClosed) {
		return fleet.Errorf(backend, op, name, fleet.ErrClosed, "")
	}
	de := stores.DriverError(ctx, backend, op, name, s.u, nil, err).Err
	if errors.Is(de, stores.ErrUnreachable) {
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: &wrapped{de, fleet.ErrUnreachable}}
	}
	return &fleet.Error{Backend: backend, Op: op, Name: name, Err: de}
}

// wrapped is a driver error that also matches a fleet sentinel.
type wrapped struct {
	err      error
	sentinel error
}

func (w *wrapped) Error() string   { return w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.sentinel, w.err} }
