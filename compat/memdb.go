package compat

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// memDB is one SQLite connection (modernc.org/sqlite, pure Go): an
// in-memory database that a writer builds and serializes, or a reader
// connection on an image (see imagevfs.go). No SQLite connection is ever
// opened on a file on disk.
type memDB struct {
	c     sqliteConn
	stmts map[string]driver.Stmt // prepared queries, reused while the schema holds
}

type sqliteConn interface {
	driver.Conn
	driver.ExecerContext
	driver.QueryerContext
}

var sqliteDriver = &sqlite.Driver{}

// openMem opens an empty in-memory database in SQLite's defensive mode
// (no writable schema, no shadow-table writes) with untrusted schemas.
func openMem() (*memDB, error) {
	c, err := sqliteDriver.Open(":memory:?_defensive=true")
	if err != nil {
		return nil, err
	}
	return wrapConn(c)
}

func (m *memDB) close() {
	for _, s := range m.stmts {
		s.Close()
	}
	m.c.Close()
}

// bytes returns the database file image (sqlite3_serialize).
func (m *memDB) bytes() ([]byte, error) {
	s, ok := m.c.(interface{ Serialize() ([]byte, error) })
	if !ok {
		return nil, errors.New("compat: the sqlite driver cannot serialize")
	}
	return s.Serialize()
}

func named(args []any) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return nv
}

func (m *memDB) exec(query string, args ...any) error {
	_, err := m.c.ExecContext(context.Background(), query, named(args))
	return err
}

// table is the result of a query: column names (lower-cased) and rows of
// driver values (int64, float64, string, []byte or nil).
type table struct {
	cols []string
	rows [][]driver.Value
}

// rows runs query, through a prepared statement kept for reuse.
func (m *memDB) rows(query string, args []any) (driver.Rows, error) {
	st, ok := m.stmts[query]
	if !ok {
		var err error
		if st, err = m.c.Prepare(query); err != nil {
			return nil, err
		}
		m.stmts[query] = st
	}
	q, ok := st.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("compat: the sqlite driver lacks StmtQueryContext")
	}
	return q.QueryContext(context.Background(), named(args))
}

// query runs query and returns all its rows.
func (m *memDB) query(query string, args ...any) (*table, error) {
	t := &table{}
	err := m.scan(query, func(cols []string, row []driver.Value) error {
		t.rows = append(t.rows, slices.Clone(row))
		return nil
	}, func(cols []string) { t.cols = cols }, args...)
	if err != nil {
		t.wipe()
		return nil, err
	}
	return t, nil
}

// scan runs query and calls fn with the (lower-cased) column names and each
// row, in a buffer that the next row reuses: fn keeps values, not the
// slice. An error from fn ends the scan and is returned as it is. head, if
// not nil, gets the column names before the first row.
func (m *memDB) scan(query string, fn func(cols []string, row []driver.Value) error, head func(cols []string), args ...any) error {
	rows, err := m.rows(query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols := rows.Columns()
	for i, c := range cols {
		cols[i] = strings.ToLower(c)
	}
	if head != nil {
		head(cols)
	}
	row := make([]driver.Value, len(cols))
	for {
		if err := rows.Next(row); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := fn(cols, row); err != nil {
			return err
		}
	}
}

// wipe clears every blob the table holds (auth keys).
func (t *table) wipe() {
	for _, r := range t.rows {
		for _, v := range r {
			if b, ok := v.([]byte); ok {
				clear(b)
			}
		}
	}
}

// col returns the index of column name, or -1.
func (t *table) col(name string) int {
	for i, c := range t.cols {
		if c == name {
			return i
		}
	}
	return -1
}

// get returns row[name], nil if the column is absent.
func (t *table) get(row []driver.Value, name string) driver.Value {
	if i := t.col(name); i >= 0 {
		return row[i]
	}
	return nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Value conversions. Real files mix storage classes: integers as REAL
// (Telethon writes float dates), as TEXT (an untyped column), phones as
// INTEGER. Each helper accepts every representation of its type and
// reports whether the value was usable; NULL is (zero, false).

// asInt accepts INTEGER, an integral REAL, and TEXT holding a decimal
// integer.
func asInt(v driver.Value) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
			return int64(x), true
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, true
		}
	case []byte:
		if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// asTime accepts what asInt accepts plus a fractional REAL, truncated.
func asTime(v driver.Value) (int64, bool) {
	if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1<<62 {
		return int64(f), true
	}
	return asInt(v)
}

// asFloat accepts any number, or TEXT holding one.
func asFloat(v driver.Value) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// asBool accepts 0/1 in any numeric representation.
func asBool(v driver.Value) (bool, bool) {
	n, ok := asInt(v)
	if !ok || (n != 0 && n != 1) {
		return false, false
	}
	return n == 1, true
}

// asText accepts TEXT, a BLOB (as bytes) and numbers (in decimal, as
// Python would print an integer phone).
func asText(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

// asBlob accepts a BLOB or TEXT (some converters store keys as TEXT).
func asBlob(v driver.Value) ([]byte, bool) {
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return []byte(x), true
	}
	return nil, false
}

// sqliteError maps SQLite result codes to this package's sentinels. SQLite's
// own messages can quote the file's schema text, which an attacker shapes,
// so only the result code is kept.
func sqliteError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		switch code & 0xff {
		case 26: // SQLITE_NOTADB
			return fileError(path, ErrNotSQLite, "SQLite result code %d", code)
		case 11: // SQLITE_CORRUPT
			return fileError(path, ErrCorrupt, "database is malformed (SQLite result code %d)", code)
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return fileError(path, ErrLocked, "SQLite result code %d", code)
		}
		// Any other SQLite error while reading a file image (a UTF-16
		// database, a malformed schema, …) means a database this package
		// cannot read as a session: typed as corrupt, never untyped.
		return fileError(path, ErrCorrupt, "SQLite cannot read it (result code %d)", code)
	}
	return fmt.Errorf("compat: %s: %w", quotePath(path), err)
}
