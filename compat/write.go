package compat

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/peerid"
	"github.com/tgsession/tgsession/internal/safefile"
)

// WriteFile writes s to path as a session database of the given kind.
//
// The database is built in memory by SQLite and serialized ([Marshal]); the
// bytes are then written through the project's safefile package: a
// temporary file created with O_EXCL and mode 0600 in the destination
// directory, fsynced, and linked (or, with overwrite, renamed) into place,
// then the directory is fsynced. SQLite never opens the destination, so no
// -journal file (which would hold the auth key) is ever created. On any
// error nothing is left behind, and an existing destination is untouched
// unless overwrite is set (an error matching fs.ErrExist otherwise); only
// a regular file is ever replaced.
//
// WriteFile is strict: it writes what s holds and refuses (with an error
// wrapping [codec.ErrMissingField]) a Stored that lacks a value the kind
// cannot do without, such as the user id of a Pyrogram file. [Convert]
// supplies, defaults and reports such values. The only values WriteFile
// derives itself are those fixed by the target library's own rules, listed
// in [Convert]'s documentation (peer types from ids, 0 as a basic group's
// Telethon hash, NULL for an unknown api id).
func WriteFile(path string, s *Stored, kind Kind, overwrite bool) error {
	img, err := Marshal(s, kind)
	if err != nil {
		return err
	}
	return writeBytes(path, img, overwrite)
}

// writeBytes writes img (a database image, cleared afterwards) to path.
func writeBytes(path string, img []byte, overwrite bool) error {
	defer clear(img)
	p, err := safefile.Create(path, overwrite)
	if err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	if _, err := p.Write(img); err != nil {
		p.Abort()
		return fmt.Errorf("compat: %s: %w", path, err)
	}
	if err := p.Commit(); err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	return nil
}

// Marshal returns the bytes of f as a session database of the given kind,
// as [WriteFile] would write them (docs/formats.md#sqlite-reading and the
// kind's own section). The caller should clear them when done:
// they hold the auth key.
func Marshal(f *Stored, kind Kind) ([]byte, error) {
	if f == nil || f.Session == nil {
		return nil, fmt.Errorf("compat: %s: no session to write: %w", kind, ErrNoSession)
	}
	if err := f.Session.Validate(); err != nil {
		return nil, fmt.Errorf("compat: %s: %w", kind, err)
	}
	if err := checkWritable(f, kind); err != nil {
		return nil, err
	}
	db, err := openMem()
	if err != nil {
		return nil, fmt.Errorf("compat: %w", err)
	}
	defer db.close()
	w := &writer{db: db, f: f, kind: kind}
	key := f.Session.Key.Reveal()
	defer clear(key)
	if err := db.exec("BEGIN"); err != nil {
		return nil, err
	}
	switch kind {
	case TelethonSQLite:
		err = w.telethon(key)
	case TelethonV2SQLite:
		err = w.telethonV2(key)
	case PyrogramSQLite, PyroforkSQLite, KurigramSQLite:
		err = w.pyrogram(key)
	default:
		err = fmt.Errorf("compat: unknown file kind %d: %w", int(kind), codec.ErrUnknownFormat)
	}
	if err == nil {
		err = db.exec("COMMIT")
	}
	if err != nil {
		return nil, fmt.Errorf("compat: writing %s: %w", kind, err)
	}
	img, err := db.bytes()
	if err != nil {
		return nil, fmt.Errorf("compat: serializing %s: %w", kind, err)
	}
	return img, nil
}

// missing reports a value kind cannot be written without.
func missing(kind Kind, field, why string) error {
	return fmt.Errorf("compat: %s: %s is required (%s): %w", kind, field, why, codec.ErrMissingField)
}

// checkWritable checks that f holds every value kind needs.
func checkWritable(f *Stored, kind Kind) error {
	s := f.Session
	switch kind {
	case TelethonSQLite:
		if s.ServerAddress == "" || s.Port == 0 {
			return missing(kind, "server_address and port", "Telethon connects to the stored address")
		}
	case TelethonV2SQLite:
		if s.ServerAddress == "" || s.Port == 0 {
			return missing(kind, "server_address and port", "Telethon v2 stores \"ip:port\"")
		}
		if !s.UserID.Known() && s.DC != 2 {
			return missing(kind, "user_id", "without a user row Telethon v2 starts on DC 2")
		}
		if s.UserID.Known() && !s.IsBot.Known() {
			return missing(kind, "is_bot", "user.bot is NOT NULL")
		}
	case PyrogramSQLite, PyroforkSQLite, KurigramSQLite:
		// Pyrogram (client.py load_session) treats a NULL test_mode,
		// user_id or is_bot as an empty session and creates a new key.
		if !s.UserID.Known() {
			return missing(kind, "user_id", "Pyrogram discards a session whose user_id is NULL")
		}
		if !s.IsBot.Known() {
			return missing(kind, "is_bot", "Pyrogram discards a session whose is_bot is NULL")
		}
		if !s.TestMode.Known() {
			return missing(kind, "test_mode", "Pyrogram discards a session whose test_mode is NULL")
		}
		if kind == KurigramSQLite && (s.ServerAddress == "" || s.Port == 0) {
			return missing(kind, "server_address and port", "kurigram connects to the stored address")
		}
	}
	return nil
}

type writer struct {
	db   *memDB
	f    *Stored
	kind Kind
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// optional returns o's value as an SQLite value, or NULL.
func optional[T int64 | uint32 | float64](o codec.Optional[T]) any {
	if v, ok := o.Get(); ok {
		switch x := any(v).(type) {
		case uint32:
			return int64(x)
		default:
			return x
		}
	}
	return nil
}

// dateValue stores a float the way Python's sqlite3 does: integral values
// as INTEGER, others as REAL.
func dateValue(d float64) any {
	if d == math.Trunc(d) && math.Abs(d) < 1<<53 {
		return int64(d)
	}
	return d
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Telethon 1.25 sqlite.py: the tables exactly as SQLiteSession creates them
// ('create table ' + definition).
var telethonSchema = []string{
	"create table version (version integer primary key)",
	`create table sessions (
                    dc_id integer primary key,
                    server_address text,
                    port integer,
                    auth_key blob,
                    takeout_id integer
                )`,
	`create table entities (
                    id integer primary key,
                    hash integer not null,
                    username text,
                    phone integer,
                    name text,
                    date integer
                )`,
	`create table sent_files (
                    md5_digest blob,
                    file_size integer,
                    type integer,
                    id integer,
                    hash integer,
                    primary key(md5_digest, file_size, type)
                )`,
	`create table update_state (
                    id integer primary key,
                    pts integer,
                    qts integer,
                    date integer,
                    seq integer
                )`,
}

func (w *writer) telethon(key []byte) error {
	for _, q := range telethonSchema {
		if err := w.db.exec(q); err != nil {
			return err
		}
	}
	if err := w.db.exec("insert into version values (?)", int64(7)); err != nil {
		return err
	}
	s := w.f.Session
	if err := w.db.exec("insert or replace into sessions values (?,?,?,?,?)",
		int64(s.DC), s.ServerAddress, int64(s.Port), key, optional(w.f.TakeoutID)); err != nil {
		return err
	}
	for _, e := range w.entities() {
		hash, ok := telethonHash(e)
		if !ok {
			continue
		}
		if err := w.db.exec("insert or replace into entities values (?,?,?,?,?,?)",
			e.ID, hash, nullIfEmpty(strings.ToLower(e.Username)), nullIfEmpty(e.Phone), nullIfEmpty(e.Name), optional(e.Date)); err != nil {
			return err
		}
	}
	if u := w.f.UpdateState; u != nil {
		if err := w.db.exec("insert or replace into update_state values (?,?,?,?,?)",
			int64(0), u.PTS, u.QTS, dateValue(u.Date), u.Seq); err != nil {
			return err
		}
		for _, c := range u.Channels {
			d, ok := c.Date.Get()
			if !ok {
				continue // Telethon 1.x cannot load a channel state without a date
			}
			if err := w.db.exec("insert or replace into update_state values (?,?,?,?,?)",
				c.ID, c.PTS, int64(0), dateValue(d), int64(0)); err != nil {
				return err
			}
		}
	}
	return nil
}

// telethonHash returns the value of entities.hash (NOT NULL) for e: its
// access hash, or 0 for a basic group as Telethon itself stores
// (sessions/memory.py _entity_to_row). Users and channels without an
// access hash cannot be stored.
func telethonHash(e Entity) (int64, bool) {
	if h, ok := e.AccessHash.Get(); ok {
		return h, true
	}
	if peerid.Of(e.ID) == peerid.Chat {
		return 0, true
	}
	return 0, false
}

// Telethon v2 (branch v2, client/src/telethon/_impl/session/storage/
// sqlite.py, _create_tables), as FORMATS.md §2 records it.
const telethonV2Schema = `
            create table version (
                version integer primary key
            );
            create table datacenter(
                id integer primary key,
                ipv4_addr text,
                ipv6_addr text,
                auth blob
            );
            create table user(
                id integer primary key,
                dc integer not null,
                bot integer not null,
                username text
            );
            create table state(
                pts integer not null,
                qts integer not null,
                date integer not null,
                seq integer not null
            );
            create table channelstate(
                id integer primary key,
                pts integer not null
            );
            `

func (w *writer) telethonV2(key []byte) error {
	if err := w.db.exec(telethonV2Schema); err != nil {
		return err
	}
	if err := w.db.exec("insert into version values (?)", int64(10)); err != nil {
		return err
	}
	s := w.f.Session
	var v4, v6 any
	addr := joinHostPort(s.ServerAddress, s.Port)
	if isIPv6(s) {
		v6 = addr
		// Telethon v2 connects through ipv4_addr only (net.py
		// connect_sender), falling back to its own table.
		if a, p, ok := lookupDC(s.DC, s.TestMode.Or(false), false); ok {
			v4 = joinHostPort(a, p)
		}
	} else {
		v4 = addr
	}
	if err := w.db.exec("insert into datacenter values (?, ?, ?, ?)", int64(s.DC), v4, v6, key); err != nil {
		return err
	}
	if id, ok := s.UserID.Get(); ok {
		if err := w.db.exec("insert into user values (?, ?, ?, ?)",
			id, int64(s.DC), boolInt(s.IsBot.Or(false)), nullIfEmpty(w.f.selfUsername)); err != nil {
			return err
		}
	}
	if u := w.f.UpdateState; u != nil {
		if err := w.db.exec("insert into state values (?, ?, ?, ?)", u.PTS, u.QTS, dateValue(u.Date), u.Seq); err != nil {
			return err
		}
		for _, c := range u.Channels {
			if err := w.db.exec("insert into channelstate values (?, ?)", c.ID, c.PTS); err != nil {
				return err
			}
		}
	}
	return nil
}

func isIPv6(s *codec.Session) bool {
	if v, ok := s.IPv6.Get(); ok {
		return v
	}
	return strings.Contains(s.ServerAddress, ":")
}

// joinHostPort writes Telethon v2's "ip:port" (IPv6 unbracketed, as
// net.py formats f"{opt.ip_address}:{opt.port}").
func joinHostPort(host string, port uint16) string {
	return fmt.Sprintf("%s:%d", host, port)
}

// Pyrogram 2.x (pyrogram/pyrogram master 30de1e21) sqlite_storage.py SCHEMA,
// version 3. Hydrogram's is identical.
const pyrogramSchema = `
CREATE TABLE sessions
(
    dc_id     INTEGER PRIMARY KEY,
    api_id    INTEGER,
    test_mode INTEGER,
    auth_key  BLOB,
    date      INTEGER NOT NULL,
    user_id   INTEGER,
    is_bot    INTEGER
);

CREATE TABLE peers
(
    id             INTEGER PRIMARY KEY,
    access_hash    INTEGER,
    type           INTEGER NOT NULL,
    username       TEXT,
    phone_number   TEXT,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TABLE version
(
    number INTEGER PRIMARY KEY
);

CREATE INDEX idx_peers_id ON peers (id);
CREATE INDEX idx_peers_username ON peers (username);
CREATE INDEX idx_peers_phone_number ON peers (phone_number);

CREATE TRIGGER trg_peers_last_update_on
    AFTER UPDATE
    ON peers
BEGIN
    UPDATE peers
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
`

// pyrofork (Mayuri-Chan/pyrofork main) sqlite_storage.py SCHEMA and
// UNAME_SCHEMA, version 4.
const pyroforkSchema = `
CREATE TABLE sessions
(
    dc_id     INTEGER PRIMARY KEY,
    api_id    INTEGER,
    test_mode INTEGER,
    auth_key  BLOB,
    date      INTEGER NOT NULL,
    user_id   INTEGER,
    is_bot    INTEGER
);

CREATE TABLE peers
(
    id             INTEGER PRIMARY KEY,
    access_hash    INTEGER,
    type           INTEGER NOT NULL,
    username       TEXT,
    phone_number   TEXT,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TABLE update_state
(
    id   INTEGER PRIMARY KEY,
    pts  INTEGER,
    qts  INTEGER,
    date INTEGER,
    seq  INTEGER
);

CREATE TABLE version
(
    number INTEGER PRIMARY KEY
);

CREATE INDEX idx_peers_id ON peers (id);
CREATE INDEX idx_peers_username ON peers (username);
CREATE INDEX idx_peers_phone_number ON peers (phone_number);

CREATE TRIGGER trg_peers_last_update_on
    AFTER UPDATE
    ON peers
BEGIN
    UPDATE peers
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
`

const pyroforkUnameSchema = `
CREATE TABLE IF NOT EXISTS usernames
(
    id             TEXT PRIMARY KEY,
    peer_id        INTEGER NOT NULL,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TRIGGER IF NOT EXISTS trg_usernames_last_update_on
    AFTER UPDATE
    ON usernames
BEGIN
    UPDATE usernames
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
`

// kurigram (kurigram-org/kurigram 584b0c38) sqlite_storage.py SCHEMA,
// version 7; irenogram's is identical.
const kurigramSchema = `
CREATE TABLE sessions
(
    dc_id          INTEGER PRIMARY KEY,
    server_address TEXT,
    port           INTEGER,
    api_id         INTEGER,
    test_mode      INTEGER,
    auth_key       BLOB,
    date           INTEGER NOT NULL,
    user_id        INTEGER,
    is_bot         INTEGER
);

CREATE TABLE peers
(
    id             INTEGER PRIMARY KEY,
    access_hash    INTEGER,
    type           INTEGER NOT NULL,
    phone_number   TEXT,
    last_update_on INTEGER NOT NULL DEFAULT (CAST(STRFTIME('%s', 'now') AS INTEGER))
);

CREATE TABLE usernames
(
    id       INTEGER,
    username TEXT,
    FOREIGN KEY (id) REFERENCES peers(id)
);

CREATE TABLE update_state
(
    id   INTEGER PRIMARY KEY,
    pts  INTEGER,
    qts  INTEGER,
    date INTEGER,
    seq  INTEGER
);

CREATE TABLE version
(
    number INTEGER PRIMARY KEY
);

CREATE INDEX idx_peers_id ON peers (id);
CREATE INDEX idx_peers_phone_number ON peers (phone_number);
CREATE INDEX idx_usernames_id ON usernames (id);
CREATE INDEX idx_usernames_username ON usernames (username);

CREATE TRIGGER trg_peers_last_update_on
    AFTER UPDATE
    ON peers
BEGIN
    UPDATE peers
    SET last_update_on = CAST(STRFTIME('%s', 'now') AS INTEGER)
    WHERE id = NEW.id;
END;
`

// pyrogramPeerType returns the peers.type to write for e in kind, and
// whether it was chosen by rule rather than read from the source:
//
//   - a type the target's get_input_peer accepts is kept;
//   - kurigram's and irenogram's channel-like types ("forum", "direct",
//     "community") become "supergroup" (forum) or "channel" for Pyrogram 3
//     and pyrofork 4, which raise ValueError on them; all of them resolve
//     to InputPeerChannel either way;
//   - an unknown type follows the id: "user" for a user id (Pyrogram
//     resolves "user" and "bot" to the same InputPeerUser), "group" for a
//     basic group id, "channel" for a channel id (resolved like
//     "supergroup").
func pyrogramPeerType(e Entity, kind Kind) (peerType, bool) {
	switch e.Type {
	case PeerUser, PeerBot, PeerGroup, PeerChannel, PeerSupergroup:
		return e.Type, false
	case "direct", "forum", "community":
		if kind == KurigramSQLite {
			return e.Type, false
		}
		if e.Type == "forum" {
			return PeerSupergroup, true
		}
		return PeerChannel, true
	}
	switch peerid.Of(e.ID) {
	case peerid.User:
		return PeerUser, true
	case peerid.Chat:
		return PeerGroup, true
	default:
		return PeerChannel, true
	}
}

// pyrogramHash returns peers.access_hash for e: NULL for a basic group (as
// Pyrogram stores it), the access hash otherwise; users and channels
// without one cannot be resolved by Pyrogram and are not written.
func pyrogramHash(e Entity) (any, bool) {
	if peerid.Of(e.ID) == peerid.Chat {
		return nil, true
	}
	if h, ok := e.AccessHash.Get(); ok {
		return h, true
	}
	return nil, false
}

func (w *writer) pyrogram(key []byte) error {
	s := w.f.Session
	date := w.f.date.Or(0)
	var err error
	switch w.kind {
	case PyrogramSQLite:
		err = w.db.exec(pyrogramSchema)
	case PyroforkSQLite:
		if err = w.db.exec(pyroforkSchema); err == nil {
			err = w.db.exec(pyroforkUnameSchema)
		}
	case KurigramSQLite:
		err = w.db.exec(kurigramSchema)
	}
	if err != nil {
		return err
	}
	if err := w.db.exec("INSERT INTO version VALUES (?)", int64(w.kind.Schema())); err != nil {
		return err
	}
	test, _ := s.TestMode.Get()
	user, _ := s.UserID.Get()
	bot, _ := s.IsBot.Get()
	if w.kind == KurigramSQLite {
		err = w.db.exec("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			int64(s.DC), s.ServerAddress, int64(s.Port), optional(s.APIID), boolInt(test), key, date, user, boolInt(bot))
	} else {
		err = w.db.exec("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
			int64(s.DC), optional(s.APIID), boolInt(test), key, date, user, boolInt(bot))
	}
	if err != nil {
		return err
	}
	for _, e := range w.entities() {
		hash, ok := pyrogramHash(e)
		if !ok {
			continue
		}
		typ, _ := pyrogramPeerType(e, w.kind)
		cols := []string{"id", "access_hash", "type"}
		args := []any{e.ID, hash, string(typ)}
		if w.kind != KurigramSQLite {
			cols = append(cols, "username")
			args = append(args, nullIfEmpty(strings.ToLower(e.Username)))
		}
		cols = append(cols, "phone_number")
		args = append(args, nullIfEmpty(e.Phone))
		if d, ok := e.Date.Get(); ok {
			// Otherwise the column default: the time of writing.
			cols = append(cols, "last_update_on")
			args = append(args, d)
		}
		q := "REPLACE INTO peers (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")"
		if err := w.db.exec(q, args...); err != nil {
			return err
		}
		switch w.kind {
		case KurigramSQLite:
			seen := make(map[string]bool, 1+len(e.Usernames))
			for _, u := range append([]string{e.Username}, e.Usernames...) {
				u = strings.ToLower(u)
				if u == "" || seen[u] {
					continue
				}
				seen[u] = true
				if err := w.db.exec("REPLACE INTO usernames (id, username) VALUES (?, ?)", e.ID, strings.ToLower(u)); err != nil {
					return err
				}
			}
		case PyroforkSQLite:
			for _, u := range e.Usernames {
				if u == "" || strings.EqualFold(u, e.Username) {
					continue
				}
				// The row's date is the peer's (pyrofork writes both in one
				// update); only an undated peer leaves the column default, so
				// that Marshal of a file it wrote reproduces it byte for byte.
				q, args := "REPLACE INTO usernames (peer_id, id) VALUES (?, ?)", []any{e.ID, strings.ToLower(u)}
				if d, ok := e.Date.Get(); ok {
					q, args = "REPLACE INTO usernames (peer_id, id, last_update_on) VALUES (?, ?, ?)", append(args, d)
				}
				if err := w.db.exec(q, args...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// entities returns the entities to write ordered by id (stable, so that of
// two entities with one id the later still replaces the earlier), so that
// the bytes written do not depend on the order in which a reader returned
// the rows: Marshal of a file it wrote reproduces it byte for byte.
func (w *writer) entities() []Entity {
	es := slices.Clone(w.f.Entities)
	slices.SortStableFunc(es, func(a, b Entity) int { return cmp.Compare(a.ID, b.ID) })
	return es
}
