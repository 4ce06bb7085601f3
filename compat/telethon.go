package compat

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/internal/peerid"
)

// Telethon 1.x .session files, schema versions 1–7
// (docs/formats.md#telethon-sqlite): the reader of every version, the
// CREATE statements of version 7 as Telethon 1.25 runs them and the writer
// (kind TelethonSQLite). What the kind holds and the entity hash rule are
// in internal/model/families.go.

// telethonStructure is the schema version implied by Telethon's tables
// (docs/formats.md#telethon-sqlite).
func (r *reader) telethonStructure() int {
	switch {
	case r.has("entities", "date"):
		return 7
	case r.has("sessions", "takeout_id"):
		return 5 // or 6: the 5→6 step only emptied entities
	case r.exists("update_state"):
		return 4
	case r.has("sent_files", "type"):
		return 3
	case r.exists("sent_files"):
		return 2
	}
	return 1
}

func (r *reader) readTelethon() (*Stored, error) {
	if r.countOnly && r.has("version", "version") && r.exists("entities") && r.exists("update_state") {
		if f, ok, err := r.countTelethon(); ok || err != nil {
			return f, err
		}
	}
	f := &Stored{Library: model.LibTelethon}
	v, ok, err := r.versionNumber("version")
	if err != nil {
		return nil, err
	}
	if ok {
		f.Schema = v
		// Only the session is wanted: the cross-check is left out, as
		// before it cost extra queries.
		if !r.countOnly {
			if structure := r.telethonStructure(); v != structure && !(v == 6 && structure == 5) {
				f.Notes = append(f.Notes, fmt.Sprintf("version table says %d, the tables look like version %d", v, structure))
			}
		}
	} else {
		f.Schema = r.telethonStructure()
		f.Notes = append(f.Notes, "no version row: schema inferred from the tables")
	}
	t, err := r.loadAll("sessions", "", maxKeyRows)
	if err != nil {
		return nil, err
	}
	if err := r.telethonSession(t, f); err != nil {
		return nil, err
	}
	if err := r.readEntities(f); err != nil {
		return nil, err
	}
	if r.has("update_state", "id", "pts") {
		u := &UpdateState{}
		found := false
		err := r.scan("update_state", r.tables["update_state"], "", maxCacheRows, func(t *table, row []driver.Value) error {
			found = telethonState(t, row, "id", 0, u) || found
			return nil
		})
		if err != nil {
			return nil, err
		}
		if found || len(u.Channels) > 0 {
			f.UpdateState = u
		}
	}
	return f, nil
}

// countTelethon is the countOnly path for the common case, a Telethon 1.x
// file with version, entities and update_state tables: one query for the
// version and the row counts, one for the session. ok = false means the
// version is not a number, and the file is read the general way.
func (r *reader) countTelethon() (f *Stored, ok bool, err error) {
	c, err := r.db.query(telethonCountQuery)
	if err != nil {
		return nil, false, sqliteError(r.path, err)
	}
	v, ok := asInt(c.rows[0][0])
	if !ok {
		return nil, false, nil
	}
	n, _ := asInt(c.rows[0][1])
	u, _ := asInt(c.rows[0][2])
	f = &Stored{Library: model.LibTelethon, Schema: int(v)}
	model.SetCacheCount(f, int(n))
	model.SetStateCount(f, int(u))
	t, err := r.loadAll("sessions", "", maxKeyRows)
	if err != nil {
		return nil, true, err
	}
	if err := r.telethonSession(t, f); err != nil {
		return nil, true, err
	}
	return f, true, nil
}

// telethonSession reads the session row of Telethon's sessions table t.
func (r *reader) telethonSession(t *table, f *Stored) error {
	pick, others, err := r.pickRow(t, "dc_id", "auth_key")
	if err != nil {
		return err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: fmt.Sprintf("sqlite-v%d", f.Schema), DC: pick.dc}}
	if err := r.checkDC(pick.dc); err != nil {
		return err
	}
	if addr, ok := asText(t.get(pick.row, "server_address")); ok && addr != "" {
		v6, err := r.checkAddress(addr)
		if err != nil {
			return err
		}
		s.ServerAddress, s.IPv6 = addr, codec.Some(v6)
	}
	if s.Port, err = r.port(t.get(pick.row, "port")); err != nil {
		return err
	}
	if s.Key, err = r.newKey(pick.key); err != nil {
		return err
	}
	f.Session = s
	if id, ok := asInt(t.get(pick.row, "takeout_id")); ok {
		f.TakeoutID = codec.Some(id)
	}
	f.OtherDCs = others
	if len(others) > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("read the key for DC %d; keys for DCs %v are not read", pick.dc, others))
	}
	if first, _ := asInt(t.get(t.rows[0], "dc_id")); len(t.rows) > 1 && int(first) != pick.dc {
		f.Notes = append(f.Notes, fmt.Sprintf("the sessions table has %d rows; Telethon itself reads only the first (DC %d)", len(t.rows), first))
	}
	return nil
}

// telethonState adds one update_state row to u: row idCol = account is the
// account state, every other row a channel. It reports whether the row was
// the account's.
func telethonState(t *table, row []driver.Value, idCol string, account int64, u *UpdateState) bool {
	id, ok := asInt(t.get(row, idCol))
	if !ok {
		return false
	}
	pts, _ := asInt(t.get(row, "pts"))
	if id != account {
		c := ChannelState{ID: id, PTS: pts}
		c.QTS, _ = asInt(t.get(row, "qts"))
		c.Seq, _ = asInt(t.get(row, "seq"))
		if d, ok := asFloat(t.get(row, "date")); ok {
			c.Date = codec.Some(d)
		}
		u.Channels = append(u.Channels, c)
		return false
	}
	u.PTS = pts
	u.QTS, _ = asInt(t.get(row, "qts"))
	u.Seq, _ = asInt(t.get(row, "seq"))
	u.Date, _ = asFloat(t.get(row, "date"))
	return true
}

func (r *reader) readEntities(f *Stored) error {
	if !r.exists("entities") {
		return nil
	}
	if r.countOnly {
		n, err := r.count("entities")
		model.SetCacheCount(f, n)
		return err
	}
	if !r.has("entities", "id") {
		return nil
	}
	skipped := 0
	err := r.scan("entities", r.tables["entities"], "", maxCacheRows, func(t *table, row []driver.Value) error {
		id, ok := asInt(t.get(row, "id"))
		if !ok || id == 0 {
			skipped++
			return nil
		}
		e := Entity{ID: id}
		if h, ok := asInt(t.get(row, "hash")); ok {
			e.AccessHash = codec.Some(h)
		}
		e.Username, _ = asText(t.get(row, "username"))
		e.Phone, _ = asText(t.get(row, "phone"))
		e.Name, _ = asText(t.get(row, "name"))
		if d, ok := asTime(t.get(row, "date")); ok {
			e.Date = codec.Some(d)
		}
		if peerid.Of(id) == peerid.Chat {
			e.Type = PeerGroup
		}
		f.Entities = append(f.Entities, e)
		return nil
	})
	if err != nil {
		return err
	}
	if skipped > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("skipped %d entities rows without an integer id", skipped))
	}
	return nil
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
		hash, ok := model.TelethonHash(e)
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
				c.ID, c.PTS, c.QTS, dateValue(d), c.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}
