// Package sqlalchemy reads and writes Telethon sessions kept in SQL
// databases by telethon-session-sqlalchemy ("alchemysession") 0.2.x (kind
// "telethon-sqlalchemy", https://github.com/tulir/telethon-session-sqlalchemy,
// alchemysession/sqlalchemy.py and core.py), on PostgreSQL (pgx),
// MySQL/MariaDB (go-sql-driver/mysql) and SQLite (modernc.org/sqlite), and
// mautrix-telegram's variant of the same tables.
//
// # Layout
//
// Many sessions share five tables, named {prefix}version, sessions,
// entities, sent_files and update_state ([Options.TablePrefix]); every row
// carries the session name in session_id:
//
//	sessions      (session_id, dc_id, server_address, port, auth_key BYTEA/BLOB)     PK (session_id, dc_id)
//	entities      (session_id, id, hash, username, phone BIGINT, name)               PK (session_id, id)
//	update_state  (session_id, entity_id, pts, qts, date, seq, unread_count)         PK (session_id, entity_id)
//	sent_files    (session_id, md5_digest, file_size, type, id, hash)                (a cache; not read)
//	version       (version)                                                          2
//
// alchemysession writes one sessions row per name (delete, then insert) and
// an empty auth_key while it has no key; entities.id is the marked peer id;
// update_state.entity_id is 0 for the common state and the bare channel id
// for a channel. mautrix-telegram (tables telethon_*) has no version table,
// a primary key on session_id alone, TEXT columns (phone too) and NULL
// keys. The layout is recognised from the catalog (tables, columns and
// their types), never from the version number.
//
// # Reading and writing
//
// Read runs SELECTs in a read-only transaction (PostgreSQL, MySQL) or on
// a read-only SQLite handle that never creates the file; values are cut
// with SUBSTR before they are transferred. Write is one transaction: it
// deletes the name's rows in every table and inserts the session row, the
// entities and the update state; without replace a name holding a key is
// refused. It creates the tables as create_all does when the database has
// none (MySQL: with sent_files.md5_digest VARBINARY(16), since MySQL
// refuses create_all's BLOB key part; MySQL commits DDL at once).
//
// # Connection settings
//
// PostgreSQL URLs go to pgx, which also honours libpq's environment
// (PGPASSWORD, PGSSLMODE, …) and ~/.pgpass. MySQL URLs take tls=true,
// skip-verify, preferred or false, unix_socket= and charset=.
package sqlalchemy
