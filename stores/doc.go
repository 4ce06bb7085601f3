// Package stores is what the server-backed session stores share: the
// Telethon community stores (alchemysession on SQL databases, teleredis
// and TG-UserBot on Redis, telemongo on MongoDB) and the Pyrogram family's
// MongoDB storage, as docs/stores.md describes them byte for byte.
//
// Each store family is a package of its own that imports its driver:
// [github.com/tgsession/tgsession/stores/sqlalchemy] (PostgreSQL,
// MySQL/MariaDB, SQLite), [github.com/tgsession/tgsession/stores/redis]
// and [github.com/tgsession/tgsession/stores/mongo]. Each returns a
// [Store] that reads and writes the project's one stored-session model,
// compat.Stored: the session, its entity cache and its update state.
// Each family describes its layouts as a compat.StoreLayout conversion
// target (its Target function or method): compat.Shape fills, defaults
// and reports for a store exactly as compat.Convert does for a file, and
// the store writes what Shape returns. This package holds no driver, and
// importing codec, compat or vault pulls none. It does not link SQLite
// either: its signatures name the model as model.Stored, an internal
// package that compat.Stored is an alias of (the same type).
//
// # Store locations
//
// A store is named by a URL ([ParseURL]): postgres://, mysql://,
// sqlite:///path, redis://, rediss://, mongodb://, mongodb+srv://, also in
// SQLAlchemy's forms ("postgresql+psycopg2://"). A URL may hold a
// password, so [URL] never prints one, and [URL.HasCredentials] tells a
// caller that the URL is a secret that a command line must not carry.
//
// # Errors
//
// Every error is an [*Error] naming the store kind, the operation and the
// session name, around one of the sentinels ([ErrUnreachable], [ErrAuth],
// [ErrTLS], [ErrNotFound], [ErrExists], [ErrLayout], [ErrBadValue],
// [ErrTooLarge], …). Messages never hold a password, an auth key or a
// stored value; a driver's message is kept with the URL's secrets removed
// ([DriverError]).
//
// # Limits
//
// One call reads at most [MaxValueSize] per value, [MaxTotalSize] in all,
// [MaxEntities] entities and [MaxStates] update-state rows, and List returns
// at most [MaxNames] names; more is [ErrTooLarge], found before the excess
// is transferred where the server allows it.
package stores
