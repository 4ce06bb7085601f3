// Package model is the stored-session model and its conversion, without
// SQLite: [Stored] (a session plus the entity cache, update state and
// provenance a client keeps beside it), the file [Kind]s and conversion
// [Target]s, [ConvertWith] and [Shape] with their [Report], the errors,
// the extras encoding ([Stored.MarshalExtras]) and the DC table.
//
// Package compat re-exports all of it (its types are aliases of these, its
// sentinels the same values) and adds the SQLite .session reader and
// writer; users read compat's documentation. This package exists so that a
// program that uses only the model (decoding a string session, sealing it,
// a session store) does not link modernc.org/sqlite: it imports nothing but
// codec, internal/peerid and the standard library, which TestNoSQLiteDeps
// checks. Messages keep compat's "compat: " prefix, since users see them
// through compat.
//
// The exported helpers beyond compat's API (the Lib* names, KindOfLibrary,
// SelfUsername and the Set* functions, TelethonHash, PyrogramHash,
// PyrogramPeerType, IsIPv6, JoinHostPort, LookupDC, QuoteText, QuotePath)
// are for compat's readers and writers only: they are package-level
// functions, not methods, so that compat's aliased types gain nothing.
package model
