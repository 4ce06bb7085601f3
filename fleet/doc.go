// Package fleet is a store of sealed sessions shared by many processes on
// many machines, with leases that keep each auth key live in one process
// at a time (two live copies get the account AUTH_KEY_DUPLICATED and the
// key revoked).
//
// The value at rest is the sealed age envelope exactly as vault writes it
// (never plaintext, never a bare key), kept as opaque bytes, plus
// non-secret metadata: the name, labels, the auth_key_id, the recipients
// it was sealed to, creation and update times (the server's clock), a
// SHA-256 digest of the sealed bytes and the lease state.
//
// This package holds the model, the [Store] interface, the typed errors and
// the lease [Supervisor]; it imports no database driver. The backends are
// packages of their own: [github.com/tgsession/tgsession/fleet/redisfleet]
// (Redis, go-redis) and [github.com/tgsession/tgsession/fleet/pgfleet]
// (PostgreSQL, pgx).
//
// # Leases and fencing
//
// [Store.Acquire] grants a lease for a time to live measured by the
// store's server, never by the caller's clock, so clock skew between
// holders does not matter. Every acquisition draws a fencing token from a
// counter that only grows. [Store.WriteBack] of an updated sealed session
// is accepted only with the token of the latest acquisition: a holder that
// lost its lease (it paused, its network was cut, the server failed over)
// and did not notice is refused with [ErrFenced] instead of overwriting
// its successor's state.
//
// A lease is advisory for what the holder does outside the store: the
// holder must stop using the key before the lease can expire. The
// [Supervisor] renews a lease at a third of its TTL and calls a stop
// callback (the CLI stops its child) before the local, conservatively
// computed deadline passes when renewal fails.
package fleet
