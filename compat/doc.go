// Package compat holds the stored-session model, [Stored]: a session plus
// everything a client keeps beside it (entity cache, update state) and where
// it came from. It reads and writes the SQLite .session files of Telethon
// (schema versions 1–7, and Telethon v2's version 10) and of the Pyrogram
// family (Pyrogram 1–3, pyrofork 4, kurigram 4–7, irenogram 7, hydrogram), as
// docs/formats.md specifies them (#sqlite-reading and one section per
// library), and converts a Stored to any string format or file kind with
// the pure [Convert], listing in a [Report] every field the target cannot
// hold, has to default, or takes from the caller.
//
// [ReadFile] reads any of these files; [Marshal] and [WriteFile] write the
// layouts named by [Kind]; [Convert] works in memory and reads or writes
// nothing.
//
// The server-backed session stores (package stores and its families) read
// and write the same model. A store's layout is a conversion target too
// ([Target.Store], a [StoreLayout]: its name, the file kind whose rules its
// library follows, and what it holds): [Shape], which is Convert without
// the encoding, fills it (a missing address from the DC table), lists the
// values it needs in one [*MissingError], and reports every field it cannot
// hold exactly as for a file; the store package writes the shaped Stored.
//
// The model, the conversion, the errors and the DC table live in the
// internal package internal/model, which links no SQLite, so that a program
// converting only string sessions does not pay for SQLite; this package
// re-exports them unchanged (its types are aliases, its sentinels the same
// values) and adds the SQLite reader and writer. Each library family has
// one file holding its reader, CREATE statements and writer
// (telethon.go, telethon_v2.go, pyrogram.go; what each kind holds is
// internal/model/families.go); the generic SQLite plumbing lives in
// read.go, write.go, snapshot.go, memdb.go, imagevfs.go and
// schemacheck.go.
//
// # Schema history
//
// The library is recognised by probing tables and columns; the version
// number alone is not trusted (the Pyrogram forks number independently) and
// every table is read by column name, because migrated files append columns
// where fresh files declare them elsewhere.
//
//	library         version  recognised by / schema change
//	Telethon 0.16   1        sessions(dc_id, server_address, port, auth_key), entities(id, hash, username, phone, name)
//	Telethon 0.16.1 2        + old sent_files(md5_digest, file_size, file_id, part_count)
//	Telethon 0.16.2 3        sent_files recreated with type, id, hash
//	Telethon 0.19   4        + update_state(id, pts, qts, date, seq)
//	Telethon 1.6    5        + sessions.takeout_id
//	Telethon 1.10.2 6        (entities emptied)
//	Telethon 1.17   7        + entities.date               (written by WriteFile: telethon-sqlite)
//	Telethon v2     10       datacenter(id, ipv4_addr, ipv6_addr, auth), user, state, channelstate
//	                         (the first alphas: datacenter(id, addr, auth))   (telethon-v2-sqlite)
//	Pyrogram 0.15   1        sessions(dc_id, test_mode, auth_key, date, user_id, is_bot), peers, version(number)
//	Pyrogram 0.16   2        (peers emptied)
//	Pyrogram 2.x    3        + sessions.api_id (2nd column fresh, last migrated)   (pyrogram-sqlite)
//	hydrogram       3        Pyrogram's schema 3 in WAL mode
//	pyrofork        4        + update_state, usernames(id = username, peer_id)    (pyrofork-sqlite)
//	kurigram        4        + usernames(id = peer id, username); fresh files drop peers.username
//	kurigram        5        + update_state
//	kurigram        6        + index idx_usernames_id
//	kurigram        7        + sessions.server_address, port (irenogram 7: same)  (kurigram-sqlite)
//
// # Reading without writing
//
// An input file and its -wal, -shm and -journal companions are opened
// read-only and never modified, yet data that lives only in the -wal file is
// read. [ReadFile] takes SQLite's SHARED lock on the database file
// (open-file-description locks on Linux), copies the file into memory,
// applies the WAL's committed frames (or rolls back a hot journal left by a
// crashed writer) in memory, exactly as SQLite's recovery would, and lets
// SQLite (modernc.org/sqlite, pure Go) read that image through a read-only
// in-memory VFS. The -shm file is never opened. A writer that holds the
// database lock for longer than the busy timeout gives [ErrLocked].
//
// # Untrusted files
//
// A session file is input from whoever sent it, and SQLite is a language:
// a file can declare generated columns, views and defaults that make a
// careless reader compute gigabytes. Reading is bounded by what the file
// holds, never by what it asks for:
//
//   - the readers query only the known columns of the known tables, by
//     name: another table or column, a view, a virtual table is never
//     evaluated, and a known column that is generated (an SQL expression)
//     is refused with [ErrUnknownSchema];
//   - before SQLite sees the file, the schema is walked in Go: more than 1
//     MiB of schema is [codec.ErrTooLarge], and SQLite planner statistics
//     (sqlite_stat4, which SQLite would load at up to 48 KB per row) are
//     [ErrUnknownSchema];
//   - a TEXT or BLOB value longer than 64 KiB is [codec.ErrTooLarge] without
//     SQLite loading it (the longest real values are 256-byte keys); the
//     keys table may hold 1,024 rows, each entity cache or update-state
//     table 1,048,576 rows; and the values read together may not exceed
//     the bytes the file holds plus 1 MiB, which only column defaults
//     repeated over many rows can do. Counting a cache (string targets)
//     reads none of its rows. Real files come nowhere near: a cache of
//     100,000 peers is a 6 MB file that reads in about a second;
//   - the -wal and -journal companions cost what they hold: pages past the
//     end of the file are kept apart, and pages no frame or record holds
//     read as zeros, so a 568-byte -wal that claims a 256 MiB database adds
//     one page.
//
// Time follows: every row costs a bounded amount, SQLite computes nothing
// but counts and the reader's own length checks. Messages quote names
// from the file (table names, a username in a [Report]) and file names
// escaped, so that no escape sequence reaches a terminal.
//
// # Writing
//
// [WriteFile] builds the database in memory with the exact CREATE statements
// of the target library, serializes it, and writes the bytes through an
// O_EXCL, 0600 temporary file in the destination directory that is fsynced
// and moved into place (never over an existing file unless asked). SQLite
// never opens the destination, so no -journal file holding the auth key is
// ever created.
//
// # Security
//
// Errors name files, tables, columns and DC ids, never key bytes. The auth
// key passes through memory this package does not control: SQLite's page
// cache copies the pages it reads into its own heap and frees them without
// clearing them; Go strings of converted sessions cannot be wiped. Buffers
// this package owns (file images, key copies) are cleared after use.
//
// A process that has the input database open itself through SQLite with
// POSIX locks (the default of modernc.org/sqlite and of C SQLite) loses those
// locks when ReadFile closes its own descriptor of the same file (a POSIX
// rule); ReadFile is meant for files other processes own.
package compat
