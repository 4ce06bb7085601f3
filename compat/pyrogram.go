package compat

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
)

// The Pyrogram family's .session files (docs/formats.md#pyrogram-sqlite,
// #pyrofork-sqlite, #kurigram-sqlite, #irenogram-sqlite, #hydrogram-sqlite):
// one reader for Pyrogram 1–3, pyrofork 4, kurigram 4–7, irenogram 7 and
// hydrogram, and the CREATE statements and writer of the kinds
// PyrogramSQLite, PyroforkSQLite and KurigramSQLite. What each kind holds
// and the peer type and access hash rules are in
// internal/model/families.go.

func (r *reader) readPyrogram() (*Stored, error) {
	f := &Stored{}
	version, hasVersion, err := r.versionNumber("number")
	if err != nil {
		return nil, err
	}
	kuriNames := r.has("usernames", "id", "username")
	forkNames := r.has("usernames", "id", "peer_id")
	updates := r.exists("update_state")
	var structure int
	switch {
	case r.has("sessions", "server_address", "port"):
		f.Library, structure = model.LibKurigram, 7
		f.Notes = append(f.Notes, "kurigram schema 7 (irenogram 7 writes the same schema)")
	case kuriNames:
		f.Library, structure = model.LibKurigram, 4
		if updates {
			structure = 5
		}
		if r.hasIndex("idx_usernames_id") {
			structure = 6
		}
	case forkNames || updates:
		f.Library, structure = model.LibPyrofork, 4
	case r.has("sessions", "api_id"):
		f.Library, structure = model.LibPyrogram, 3
	default:
		f.Library, structure = model.LibPyrogram, 2
	}
	switch {
	case !hasVersion:
		f.Schema = structure
		f.Notes = append(f.Notes, "no version row: schema inferred from the tables")
	case structure == 2 && (version == 1 || version == 2):
		f.Schema = version
	default:
		f.Schema = version
		if version != structure {
			f.Notes = append(f.Notes, fmt.Sprintf("version table says %d, the tables look like %s %d", version, f.Library, structure))
		}
	}

	t, err := r.loadAll("sessions", "", maxKeyRows)
	if err != nil {
		return nil, err
	}
	pick, others, err := r.pickRow(t, "dc_id", "auth_key")
	if err != nil {
		return nil, err
	}
	if err := r.checkDC(pick.dc); err != nil {
		return nil, err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Pyrogram, Layout: fmt.Sprintf("sqlite-v%d", f.Schema), DC: pick.dc}}
	if len(others) > 0 {
		f.OtherDCs = others
		f.Notes = append(f.Notes, fmt.Sprintf("read the key for DC %d; keys for DCs %v are not read", pick.dc, others))
	}
	row := pick.row
	// api_id 0 or NULL is "unknown" to Pyrogram (client.py: if not api_id).
	if v, ok := asInt(t.get(row, "api_id")); ok && v > 0 && v <= 0xffffffff {
		s.APIID = codec.Some(uint32(v))
	}
	if v, ok := asBool(t.get(row, "test_mode")); ok {
		s.TestMode = codec.Some(v)
	}
	if v, ok := asInt(t.get(row, "user_id")); ok {
		s.UserID = codec.Some(v)
	}
	if v, ok := asBool(t.get(row, "is_bot")); ok {
		s.IsBot = codec.Some(v)
	}
	if v, ok := asInt(t.get(row, "date")); ok {
		f.Date = codec.Some(v)
	}
	if addr, ok := asText(t.get(row, "server_address")); ok && addr != "" {
		v6, err := r.checkAddress(addr)
		if err != nil {
			return nil, err
		}
		s.ServerAddress, s.IPv6 = addr, codec.Some(v6)
	}
	if s.Port, err = r.port(t.get(row, "port")); err != nil {
		return nil, err
	}
	if s.Key, err = r.newKey(pick.key); err != nil {
		return nil, err
	}
	f.Session = s
	if err := r.readPeers(f, kuriNames, forkNames); err != nil {
		return nil, err
	}
	if updates {
		// Counted, not read: the forks' update_state rows mean different
		// things.
		if n, err := r.count("update_state"); err == nil && n > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%d update_state rows not read (their meaning differs between forks)", n))
		}
	}
	return f, nil
}

func (r *reader) hasIndex(name string) bool {
	t, err := r.db.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", name)
	return err == nil && len(t.rows) > 0
}

func (r *reader) readPeers(f *Stored, kuriNames, forkNames bool) error {
	if !r.exists("peers") {
		return nil
	}
	if r.countOnly {
		n, err := r.count("peers")
		model.SetCacheCount(f, n)
		return err
	}
	if !r.has("peers", "id") {
		return nil
	}
	index := map[int64]int{}
	skipped := 0
	err := r.scan("peers", r.tables["peers"], "", maxCacheRows, func(t *table, row []driver.Value) error {
		id, ok := asInt(t.get(row, "id"))
		if !ok || id == 0 {
			skipped++
			return nil
		}
		e := Entity{ID: id}
		if h, ok := asInt(t.get(row, "access_hash")); ok {
			e.AccessHash = codec.Some(h)
		}
		if typ, ok := asText(t.get(row, "type")); ok {
			e.Type = strings.ToLower(typ)
		}
		e.Username, _ = asText(t.get(row, "username"))
		e.Phone, _ = asText(t.get(row, "phone_number"))
		if d, ok := asTime(t.get(row, "last_update_on")); ok {
			e.Date = codec.Some(d)
		}
		index[id] = len(f.Entities)
		f.Entities = append(f.Entities, e)
		return nil
	})
	if err != nil {
		return err
	}
	if skipped > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("skipped %d peers rows without an integer id", skipped))
	}
	// Further usernames. kurigram: usernames(id = peer id, username);
	// pyrofork: usernames(id = username, peer_id).
	var cols []string
	switch {
	case kuriNames:
		cols = []string{"id", "username"}
	case forkNames:
		cols = []string{"peer_id", "id"}
	default:
		return nil
	}
	orphans, seen := 0, false
	// extra holds the further usernames already listed, per entity: a
	// linear search of e.Usernames would make a peer with a million
	// usernames cost 10^12 comparisons.
	type entityName struct {
		i    int
		name string
	}
	extra := map[entityName]bool{}
	each := func(_ *table, row []driver.Value) error {
		seen = true
		id, ok := asInt(row[0])
		name, ok2 := asText(row[1])
		if !ok || !ok2 || name == "" {
			return nil
		}
		i, ok := index[id]
		if !ok {
			orphans++
			return nil
		}
		e := &f.Entities[i]
		switch {
		case e.Username == "":
			e.Username = name
		case e.Username != name && !extra[entityName{i, name}]:
			extra[entityName{i, name}] = true
			e.Usernames = append(e.Usernames, name)
		}
		return nil
	}
	err = r.scan("usernames", cols, " ORDER BY rowid", maxCacheRows, each)
	if errors.Is(err, ErrCorrupt) && !seen {
		// A usernames table declared WITHOUT ROWID has no rowid: SQLite
		// refuses the query before it returns a row.
		err = r.scan("usernames", cols, "", maxCacheRows, each)
	}
	if err != nil {
		return err
	}
	if orphans > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d usernames rows name no cached peer and were skipped", orphans))
	}
	return nil
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

func (w *writer) pyrogram(key []byte) error {
	s := w.f.Session
	date := w.f.Date.Or(0)
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
		hash, ok := model.PyrogramHash(e)
		if !ok {
			continue
		}
		typ, _ := model.PyrogramPeerType(e, w.kind)
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
