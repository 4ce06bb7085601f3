package sqlalchemy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// Write stores r under name in one transaction: it deletes the name's
// sessions, entities, update_state and sent_files rows and inserts one
// sessions row (alchemysession's own delete-then-insert), the entities and
// the update state. Without replace, a name that holds a key is refused
// with [stores.ErrExists] and nothing changes.
//
// Into a database without the layout's tables it first creates them as
// alchemysession's create_all does (with sent_files.md5_digest
// VARBINARY(16) on MySQL, which refuses create_all's BLOB key), and
// version 2. On PostgreSQL and SQLite the tables are created in the same
// transaction; MySQL commits DDL at once.
func (s *Store) Write(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	if err := check.Name(name); err != nil {
		return &stores.Error{Kind: Kind, Op: "write", Name: name, Err: err}
	}
	if r == nil || r.Session == nil || !r.Session.Key.IsSet() {
		return stores.Errorf(Kind, "write", name, stores.ErrBadValue, "the session holds no auth key")
	}
	if _, err := check.DC("dc", int64(r.Session.DC)); err != nil {
		return &stores.Error{Kind: Kind, Op: "write", Name: name, Err: err}
	}
	db, err := s.writer(ctx)
	if err == nil {
		err = s.write(ctx, db, name, r, replace)
	}
	if err != nil {
		return driverError(ctx, "write", name, s.u, err)
	}
	return nil
}

// writer returns the handle to write with: for SQLite a read-write handle
// opened on first use (taking the write lock at BEGIN), else the one
// handle.
func (s *Store) writer(ctx context.Context) (*sql.DB, error) {
	if s.d.name != "sqlite" {
		return s.db, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rw == nil {
		// Create a missing file 0600 (a session database holds keys)
		// before SQLite opens it; never replace anything.
		if f, err := os.OpenFile(s.u.FilePath(), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			_ = f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("cannot create the database file: %w", stores.ErrServer)
		}
		db, _, err := openDB(s.u, s.timeout, false)
		if err != nil {
			return nil, err
		}
		if err := ping(ctx, db); err != nil {
			_ = db.Close()
			return nil, err
		}
		s.rw = db
	}
	return s.rw, nil
}

func (s *Store) write(ctx context.Context, db *sql.DB, name string, r *compat.Stored, replace bool) error {
	l, err := s.probe(ctx, db)
	create := false
	if err != nil {
		if !errors.Is(err, errNoTables) {
			return err
		}
		create = true
	}
	if create && s.d.name == "mysql" {
		if err := s.createTables(ctx, db); err != nil {
			return err
		}
		create = false
		if l, err = s.probe(ctx, db); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if create {
		if err := s.createTables(ctx, tx); err != nil {
			return err
		}
		if l, err = s.probe(ctx, tx); err != nil {
			return err
		}
	}
	d, p1 := s.d, s.d.ph(1)
	if d.name == "postgres" {
		// Serialise writers of one name: FOR UPDATE below locks nothing
		// when the name has no rows yet.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", s.prefix+"sessions:"+name); err != nil {
			return err
		}
	}
	lock := ""
	if d.name != "sqlite" {
		lock = " FOR UPDATE"
	}
	rows, err := tx.QueryContext(ctx, "SELECT dc_id, LENGTH(auth_key) FROM "+s.table("sessions")+" WHERE session_id = "+p1+lock, name)
	if err != nil {
		return err
	}
	var keyed []int
	for rows.Next() {
		var dc, n sql.NullInt64
		if err := rows.Scan(&dc, &n); err != nil {
			rows.Close()
			return fmt.Errorf("a sessions row has a value of the wrong type: %w", stores.ErrBadValue)
		}
		if n.Int64 > 0 {
			keyed = append(keyed, int(dc.Int64))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(keyed) > 0 && !replace {
		return fmt.Errorf("the name holds a session (DC %d): %w", keyed[0], stores.ErrExists)
	}
	tables := []string{"sessions"}
	if l.entities {
		tables = append(tables, "entities")
	}
	if l.state {
		tables = append(tables, "update_state")
	}
	if l.sentFiles {
		tables = append(tables, "sent_files")
	}
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+s.table(t)+" WHERE session_id = "+p1, name); err != nil {
			return err
		}
	}
	row, ents, states := fromStored(r, l.phoneInt)
	defer clear(row.key)
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+s.table("sessions")+" (session_id, dc_id, server_address, port, auth_key) VALUES ("+
		d.phs(1, 5)+")", name, row.dc, row.address, row.port, row.key); err != nil {
		return err
	}
	if l.entities && len(ents) > 0 {
		if err := s.insertEntities(ctx, tx, name, ents, l.phoneInt); err != nil {
			return err
		}
	}
	if l.state && len(states) > 0 {
		if err := s.insertStates(ctx, tx, name, states, l.unread); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.mu.Lock()
	s.probed = l
	s.mu.Unlock()
	return nil
}

const rowsPerInsert = 500

func (s *Store) insertEntities(ctx context.Context, tx *sql.Tx, name string, ents []entityRow, phoneInt bool) error {
	// One entity per id: the primary key is (session_id, id); the last wins.
	seen := make(map[int64]int, len(ents))
	uniq := ents[:0:0]
	for _, e := range ents {
		if i, ok := seen[e.id]; ok {
			uniq[i] = e
			continue
		}
		seen[e.id] = len(uniq)
		uniq = append(uniq, e)
	}
	for start := 0; start < len(uniq); start += rowsPerInsert {
		chunk := uniq[start:min(start+rowsPerInsert, len(uniq))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + s.table("entities") + " (session_id, id, hash, username, phone, name) VALUES ")
		args := make([]any, 0, 6*len(chunk))
		for i, e := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + s.d.phs(len(args)+1, 6) + ")")
			var phone any = e.phone
			if phoneInt && e.phone.Valid {
				var n int64
				if _, err := fmt.Sscan(e.phone.String, &n); err == nil {
					phone = n
				} else {
					phone = nil
				}
			}
			args = append(args, name, e.id, e.hash, e.username, phone, e.name)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) insertStates(ctx context.Context, tx *sql.Tx, name string, states []stateRow, unread bool) error {
	cols, n := "session_id, entity_id, pts, qts, date, seq", 6
	if unread {
		cols, n = cols+", unread_count", 7
	}
	for start := 0; start < len(states); start += rowsPerInsert {
		chunk := states[start:min(start+rowsPerInsert, len(states))]
		var b strings.Builder
		b.WriteString("INSERT INTO " + s.table("update_state") + " (" + cols + ") VALUES ")
		args := make([]any, 0, n*len(chunk))
		for i, st := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + s.d.phs(len(args)+1, n) + ")")
			args = append(args, name, st.entity, st.pts, st.qts, st.date, st.seq)
			if unread {
				args = append(args, st.unreadCnt)
			}
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// createTables creates the five tables as alchemysession 0.2.16's
// create_all emits them for the dialect (vectors: alchemy-*.txt), and
// writes version 2.
func (s *Store) createTables(ctx context.Context, q queryer) error {
	blob, version, md5 := "BLOB", "INTEGER NOT NULL", "BLOB"
	switch s.d.name {
	case "postgres":
		blob, version, md5 = "BYTEA", "SERIAL NOT NULL", "BYTEA"
	case "mysql":
		version, md5 = "INTEGER NOT NULL AUTO_INCREMENT", "VARBINARY(16)"
	}
	t := s.table
	stmts := []string{
		"CREATE TABLE " + t("version") + " (\n\tversion " + version + ", \n\tPRIMARY KEY (version)\n)",
		"CREATE TABLE " + t("sessions") + " (\n\tsession_id VARCHAR(255) NOT NULL, \n\tdc_id INTEGER NOT NULL, \n\tserver_address VARCHAR(255), \n\tport INTEGER, \n\tauth_key " + blob + ", \n\tPRIMARY KEY (session_id, dc_id)\n)",
		"CREATE TABLE " + t("entities") + " (\n\tsession_id VARCHAR(255) NOT NULL, \n\tid BIGINT NOT NULL, \n\thash BIGINT NOT NULL, \n\tusername VARCHAR(32), \n\tphone BIGINT, \n\tname VARCHAR(255), \n\tPRIMARY KEY (session_id, id)\n)",
		"CREATE TABLE " + t("sent_files") + " (\n\tsession_id VARCHAR(255) NOT NULL, \n\tmd5_digest " + md5 + " NOT NULL, \n\tfile_size INTEGER NOT NULL, \n\ttype INTEGER NOT NULL, \n\tid BIGINT, \n\thash BIGINT, \n\tPRIMARY KEY (session_id, md5_digest, file_size, type)\n)",
		"CREATE TABLE " + t("update_state") + " (\n\tsession_id VARCHAR(255) NOT NULL, \n\tentity_id BIGINT NOT NULL, \n\tpts BIGINT, \n\tqts BIGINT, \n\tdate BIGINT, \n\tseq BIGINT, \n\tunread_count INTEGER, \n\tPRIMARY KEY (session_id, entity_id)\n)",
		"INSERT INTO " + t("version") + " (version) VALUES (2)",
	}
	tables, err := s.tables(ctx, q)
	if err != nil {
		return err
	}
	for i, st := range stmts {
		if i < 5 && containsFold(tables, s.prefix+[]string{"version", "sessions", "entities", "sent_files", "update_state"}[i]) {
			if i == 0 {
				stmts[5] = "" // keep an existing version table as it is
			}
			continue
		}
		if st == "" {
			continue
		}
		if _, err := q.ExecContext(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
