// Package pgfleet is the PostgreSQL backend of [fleet]: one row per
// session in <schema>.sessions holding the sealed bytes, the metadata and
// the lease (holder, unique value, expiry computed by now() on the
// server), and fencing tokens from a sequence. Each operation is one
// statement (one implicit transaction); row locks serialise the holders
// of one session, and AcquireAny claims with FOR UPDATE SKIP LOCKED.
package pgfleet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/stores"
)

const backend = "postgres"

// DefaultSchema is the default schema.
const DefaultSchema = "tgsession_fleet"

// Options configure [Open].
type Options struct {
	// Schema holding the tables, created if missing; "" means DefaultSchema.
	Schema string
	// Timeout bounds connecting when the context has no earlier deadline;
	// 0 means 10 seconds.
	Timeout time.Duration
	// MaxConns is the pool size; 0 means 4.
	MaxConns int32
	// Clock reads the local send time of lease requests (for the lease's
	// local Deadline); nil means the system clock. TTLs are the server's.
	Clock fleet.Clock
}

// Store is a fleet store on PostgreSQL. It implements [fleet.Store].
type Store struct {
	p     *pgxpool.Pool
	u     stores.URL
	t     string // quoted schema.sessions
	seq   string // quoted schema.fence (for nextval, as a regclass literal)
	clock fleet.Clock
}

var _ fleet.Store = (*Store)(nil)

// Open connects to the server at u (postgres://), and creates the schema,
// table and sequence if missing.
func Open(ctx context.Context, u stores.URL, o Options) (*Store, error) {
	if u.Scheme() != stores.SchemePostgres {
		return nil, fleet.Errorf(backend, "open", "", stores.ErrBadURL, "scheme %q is not postgres", u.Scheme())
	}
	ru := u.Reveal()
	ru.Scheme = "postgres"
	cfg, err := pgxpool.ParseConfig(ru.String())
	if err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "open", Err: stores.DriverError(ctx, backend, "open", "", u, stores.ErrBadURL, err).Err}
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	cfg.ConnConfig.ConnectTimeout = timeout
	cfg.MaxConns = 4
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	schema := o.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	if len(schema) > 63 || schema == "" {
		return nil, fleet.Errorf(backend, "open", "", fleet.ErrBadName, "schema name of %d bytes", len(schema))
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "open", Err: stores.DriverError(ctx, backend, "open", "", u, nil, err).Err}
	}
	qs := pgx.Identifier{schema}.Sanitize()
	s := &Store{p: p, u: u, t: qs + ".sessions", seq: qs + ".fence", clock: o.Clock}
	if s.clock == nil {
		s.clock = fleet.SystemClock{}
	}
	if err := s.migrate(ctx, schema, qs); err != nil {
		p.Close()
		return nil, s.err(ctx, "open", "", err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context, schema, qs string) error {
	return pgx.BeginFunc(ctx, s.p, func(tx pgx.Tx) error {
		// Serialise concurrent first opens (CREATE … IF NOT EXISTS races).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('tgsession-fleet:' || $1))`, schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+qs+`;
CREATE SEQUENCE IF NOT EXISTS `+s.seq+`;
CREATE TABLE IF NOT EXISTS `+s.t+` (
  name          text COLLATE "C" PRIMARY KEY,
  sealed        bytea NOT NULL,
  auth_key_id   text NOT NULL,
  labels        jsonb NOT NULL,
  recipients    jsonb NOT NULL,
  digest        text NOT NULL,
  size          integer NOT NULL,
  created       timestamptz NOT NULL,
  updated       timestamptz NOT NULL,
  fence         bigint NOT NULL DEFAULT 0,
  holder        text,
  lease_value   text,
  lease_expires timestamptz
)`)
		return err
	})
}

// Close closes the pool.
func (s *Store) Close() error {
	s.p.Close()
	return nil
}

const free = `(lease_expires IS NULL OR lease_expires <= now())`

// remaining is the live lease's time left in ms, NULL when none.
const remaining = `CASE WHEN lease_expires > now() THEN (extract(epoch FROM lease_expires - now()) * 1000)::bigint END`

// Put stores a sealed session.
func (s *Store) Put(ctx context.Context, m fleet.Meta, sealed []byte, replace bool) error {
	if err := fleet.CheckMeta(m); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	if err := fleet.CheckSealed(sealed); err != nil {
		return &fleet.Error{Backend: backend, Op: "put", Name: m.Name, Err: err}
	}
	labels, recips := encodeLists(m)
	q := `INSERT INTO ` + s.t + ` (name, sealed, auth_key_id, labels, recipients, digest, size, created, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now()) ON CONFLICT (name) DO NOTHING`
	if replace {
		q = `INSERT INTO ` + s.t + ` AS s (name, sealed, auth_key_id, labels, recipients, digest, size, created, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now()) ON CONFLICT (name) DO UPDATE
SET sealed = excluded.sealed, auth_key_id = excluded.auth_key_id, labels = excluded.labels,
    recipients = excluded.recipients, digest = excluded.digest, size = excluded.size, updated = now()
WHERE s.lease_expires IS NULL OR s.lease_expires <= now()`
	}
	tag, err := s.p.Exec(ctx, q, m.Name, sealed, m.AuthKeyID, labels, recips, fleet.Digest(sealed), len(sealed))
	if err != nil {
		return s.err(ctx, "put", m.Name, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if !replace {
		return fleet.Errorf(backend, "put", m.Name, fleet.ErrExists, "")
	}
	return s.whyNot(ctx, "put", m.Name)
}

// whyNot explains a statement that matched no row: ErrNotFound or a
// HeldError (or ErrHeld without details when the lease ended meanwhile).
func (s *Store) whyNot(ctx context.Context, op, name string) error {
	var (
		holder *string
		fence  int64
		ms     *int64
	)
	err := s.p.QueryRow(ctx, `SELECT holder, fence, `+remaining+` FROM `+s.t+` WHERE name = $1`, name).Scan(&holder, &fence, &ms)
	if errors.Is(err, pgx.ErrNoRows) {
		return fleet.Errorf(backend, op, name, fleet.ErrNotFound, "")
	}
	if err != nil {
		return s.err(ctx, op, name, err)
	}
	if holder == nil || ms == nil {
		return fleet.Errorf(backend, op, name, fleet.ErrHeld, "by a lease that ended meanwhile")
	}
	return &fleet.Error{Backend: backend, Op: op, Name: name, Err: &fleet.HeldError{Holder: *holder, Token: uint64(fence), Expires: time.Duration(*ms) * time.Millisecond}}
}

const cols = `name, auth_key_id, labels, recipients, digest, size, created, updated, fence, holder, ` + remaining

func scanEntry(row pgx.Row, sealed *[]byte) (*fleet.Entry, error) {
	var (
		e              fleet.Entry
		labels, recips []byte
		fence          int64
		holder         *string
		ms             *int64
	)
	dst := []any{&e.Name, &e.AuthKeyID, &labels, &recips, &e.Digest, &e.Size, &e.Created, &e.Updated, &fence, &holder, &ms}
	if sealed != nil {
		dst = append(dst, sealed)
	}
	if err := row.Scan(dst...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(labels, &e.Labels); err != nil {
		return nil, fmt.Errorf("labels column does not parse: %w", fleet.ErrBadValue)
	}
	if err := json.Unmarshal(recips, &e.Recipients); err != nil {
		return nil, fmt.Errorf("recipients column does not parse: %w", fleet.ErrBadValue)
	}
	e.Fence = uint64(fence)
	if holder != nil && ms != nil {
		e.Lease = &fleet.LeaseState{Holder: *holder, Token: uint64(fence), Expires: time.Duration(*ms) * time.Millisecond}
	}
	return &e, nil
}

// Get returns a session with its sealed bytes, digest checked.
func (s *Store) Get(ctx context.Context, name string) (*fleet.Entry, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	var sealed []byte
	e, err := scanEntry(s.p.QueryRow(ctx, `SELECT `+cols+`, sealed FROM `+s.t+` WHERE name = $1`, name), &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fleet.Errorf(backend, "get", name, fleet.ErrNotFound, "")
	}
	if err != nil {
		return nil, s.err(ctx, "get", name, err)
	}
	e.Sealed = sealed
	if err := fleet.CheckDigest(e); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "get", Name: name, Err: err}
	}
	return e, nil
}

// List returns one page of metadata and lease state: one query.
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
	rows, err := s.p.Query(ctx, `SELECT `+cols+` FROM `+s.t+`
WHERE name >= $1 AND starts_with(name, $1) AND name > $2 ORDER BY name LIMIT $3`, o.Prefix, o.After, limit+1)
	if err != nil {
		return nil, s.err(ctx, "list", o.Prefix, err)
	}
	defer rows.Close()
	p := &fleet.Page{}
	more := false
	for rows.Next() {
		if len(p.Entries) == limit {
			more = true
			break
		}
		e, err := scanEntry(rows, nil)
		if err != nil {
			return nil, s.err(ctx, "list", o.Prefix, err)
		}
		p.Entries = append(p.Entries, *e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.err(ctx, "list", o.Prefix, err)
	}
	if more {
		p.Next = p.Entries[len(p.Entries)-1].Name
	}
	return p, nil
}

// Delete removes a session that is not leased.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := fleet.CheckName(name); err != nil {
		return &fleet.Error{Backend: backend, Op: "delete", Name: name, Err: err}
	}
	tag, err := s.p.Exec(ctx, `DELETE FROM `+s.t+` WHERE name = $1 AND `+free, name)
	if err != nil {
		return s.err(ctx, "delete", name, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return s.whyNot(ctx, "delete", name)
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

// set is the SET clause of an acquisition; $2 holder, $3 value, $4 ttl ms.
func (s *Store) set() string {
	return `fence = greatest(nextval('` + s.seq + `'), s.fence + 1), holder = $2, lease_value = $3,
  lease_expires = now() + make_interval(secs => $4::float8 / 1000)`
}

// Acquire leases a session: one UPDATE of its row where the lease is free.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckName(name); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: name, Err: err}
	}
	if err := checkAcquire("acquire", name, holder, ttl); err != nil {
		return nil, err
	}
	id := newValue()
	for range 3 {
		sent := s.clock.Now()
		var (
			fence   int64
			expires time.Time
		)
		err := s.p.QueryRow(ctx, `UPDATE `+s.t+` AS s SET `+s.set()+`
WHERE name = $1 AND `+free+` RETURNING fence, lease_expires`, name, holder, id, ttl.Milliseconds()).Scan(&fence, &expires)
		if err == nil {
			return fleet.NewLease(name, holder, uint64(fence), ttl, id, expires, sent), nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, s.err(ctx, "acquire", name, err)
		}
		err = s.whyNot(ctx, "acquire", name)
		var held *fleet.HeldError
		if errors.Is(err, fleet.ErrHeld) && !errors.As(err, &held) {
			continue // the lease ended between the two statements
		}
		return nil, err
	}
	return nil, fleet.Errorf(backend, "acquire", name, fleet.ErrHeld, "by leases that keep changing hands")
}

// AcquireAny leases the first free session (by name) under prefix,
// skipping rows other claimers have locked.
func (s *Store) AcquireAny(ctx context.Context, prefix, holder string, ttl time.Duration) (*fleet.Lease, error) {
	if err := fleet.CheckPrefix(prefix); err != nil {
		return nil, &fleet.Error{Backend: backend, Op: "acquire", Name: prefix, Err: err}
	}
	if err := checkAcquire("acquire", prefix, holder, ttl); err != nil {
		return nil, err
	}
	id := newValue()
	sent := s.clock.Now()
	var (
		name    string
		fence   int64
		expires time.Time
	)
	err := s.p.QueryRow(ctx, `UPDATE `+s.t+` AS s SET `+s.set()+`
FROM (SELECT name FROM `+s.t+` WHERE name >= $1 AND starts_with(name, $1) AND `+free+`
      ORDER BY name LIMIT 1 FOR UPDATE SKIP LOCKED) c
WHERE s.name = c.name AND (s.lease_expires IS NULL OR s.lease_expires <= now())
RETURNING s.name, s.fence, s.lease_expires`, prefix, holder, id, ttl.Milliseconds()).Scan(&name, &fence, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fleet.Errorf(backend, "acquire", prefix, fleet.ErrNoFree, "")
	}
	if err != nil {
		return nil, s.err(ctx, "acquire", prefix, err)
	}
	return fleet.NewLease(name, holder, uint64(fence), ttl, id, expires, sent), nil
}

// Renew extends the lease if it is still ours and live. A renewal that
// fails because its pooled connection was dead (the server restarted, a
// proxy cut it) is tried once more at once on a new connection: renewing
// is idempotent, and the failure has emptied the pool (see [Store.err]),
// whose other connections died with the first.
func (s *Store) Renew(ctx context.Context, l *fleet.Lease) error {
	err := s.renew(ctx, l)
	if errors.Is(err, fleet.ErrUnreachable) && ctx.Err() == nil {
		err = s.renew(ctx, l)
	}
	return err
}

func (s *Store) renew(ctx context.Context, l *fleet.Lease) error {
	sent := s.clock.Now()
	var expires time.Time
	err := s.p.QueryRow(ctx, `UPDATE `+s.t+` SET lease_expires = now() + make_interval(secs => $4::float8 / 1000)
WHERE name = $1 AND lease_value = $2 AND fence = $3 AND lease_expires > now() RETURNING lease_expires`,
		l.Name, l.Value, int64(l.Token), l.TTL.Milliseconds()).Scan(&expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.lost(ctx, "renew", l)
	}
	if err != nil {
		return s.err(ctx, "renew", l.Name, err)
	}
	l.Renewed(expires, sent)
	return nil
}

// Release ends the lease if it is still ours and live.
func (s *Store) Release(ctx context.Context, l *fleet.Lease) error {
	tag, err := s.p.Exec(ctx, `UPDATE `+s.t+` SET holder = NULL, lease_value = NULL, lease_expires = NULL
WHERE name = $1 AND lease_value = $2 AND fence = $3 AND lease_expires > now()`, l.Name, l.Value, int64(l.Token))
	if err != nil {
		return s.err(ctx, "release", l.Name, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return s.lost(ctx, "release", l)
}

func (s *Store) lost(ctx context.Context, op string, l *fleet.Lease) error {
	err := s.whyNot(ctx, op, l.Name)
	if held, ok := errors.AsType[*fleet.HeldError](err); ok && held.Token != l.Token {
		return fleet.Errorf(backend, op, l.Name, fleet.ErrLost, "token %d; now leased by %q with token %d", l.Token, held.Holder, held.Token)
	}
	if errors.Is(err, fleet.ErrNotFound) || errors.Is(err, fleet.ErrUnreachable) {
		return err
	}
	return fleet.Errorf(backend, op, l.Name, fleet.ErrLost, "token %d; the lease expired or is not ours", l.Token)
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
	var recips *string // NULL keeps the recorded list
	if recipients != nil {
		_, r := encodeLists(fleet.Meta{Recipients: recipients})
		recips = &r
	}
	tag, err := s.p.Exec(ctx, `UPDATE `+s.t+` SET sealed = $3, auth_key_id = $4, digest = $5, size = $6, updated = now(),
recipients = coalesce($7::jsonb, recipients)
WHERE name = $1 AND fence = $2`, l.Name, int64(l.Token), sealed, authKeyID, fleet.Digest(sealed), len(sealed), recips)
	if err != nil {
		return s.err(ctx, op, l.Name, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var fence int64
	err = s.p.QueryRow(ctx, `SELECT fence FROM `+s.t+` WHERE name = $1`, l.Name).Scan(&fence)
	if errors.Is(err, pgx.ErrNoRows) {
		return fleet.Errorf(backend, op, l.Name, fleet.ErrNotFound, "")
	}
	if err != nil {
		return s.err(ctx, op, l.Name, err)
	}
	return fleet.Errorf(backend, op, l.Name, fleet.ErrFenced, "token %d, the session's latest is %d", l.Token, fence)
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

// err classifies a driver error (its message scrubbed of the URL's
// secrets); a connection failure empties the pool.
func (s *Store) err(ctx context.Context, op, name string, err error) error {
	if errors.Is(err, fleet.ErrBadValue) {
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: err}
	}
	de := stores.DriverError(ctx, backend, op, name, s.u, nil, err).Err
	if errors.Is(de, stores.ErrUnreachable) {
		if ctx.Err() == nil {
			// The connection broke (a restart, a cut): its siblings in
			// the pool most likely broke with it, and the pool finds a
			// dead one only by failing a statement on it. Drop them all
			// (those in use close when released) so that the next
			// statement dials afresh.
			s.p.Reset()
		}
		return &fleet.Error{Backend: backend, Op: op, Name: name, Err: &wrapped{de, fleet.ErrUnreachable}}
	}
	return &fleet.Error{Backend: backend, Op: op, Name: name, Err: de}
}

type wrapped struct {
	err      error
	sentinel error
}

func (w *wrapped) Error() string   { return w.err.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.sentinel, w.err} }
