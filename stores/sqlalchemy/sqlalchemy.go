package sqlalchemy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// Kind is the kind name of this package's layout.
const Kind = "telethon-sqlalchemy"

// Options configure [Open].
type Options struct {
	// TablePrefix is alchemysession's table_prefix: the tables are
	// {prefix}version, {prefix}sessions, … mautrix-telegram uses
	// "telethon_". It may hold letters, digits, '_' and '$'.
	TablePrefix string
	// DC chooses the row to read when a name has keys for several DCs; 0
	// means "the only one".
	DC int
	// Timeout bounds connecting and waiting for locks when the context has
	// no earlier deadline; 0 means 10 seconds.
	Timeout time.Duration
}

// Store reads and writes alchemysession tables in one database. It
// implements [stores.Store].
type Store struct {
	u       stores.URL
	d       dialect
	db      *sql.DB // SQLite: read-only
	prefix  string
	dc      int
	timeout time.Duration

	mu     sync.Mutex
	rw     *sql.DB // SQLite: opened read-write by the first Write
	probed *layout // the last layout found, reused by Read and List
}

var _ stores.Store = (*Store)(nil)

// Open connects to the database u names: postgres://, mysql:// (also
// SQLAlchemy's "postgresql+psycopg2://", "mysql+pymysql://" forms) or
// sqlite:///path. An SQLite file is opened read-only (and never created)
// until the first Write.
func Open(ctx context.Context, u stores.URL, opts Options) (*Store, error) {
	for _, c := range opts.TablePrefix {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$') || len(opts.TablePrefix) > 40 {
			return nil, stores.Errorf(Kind, "open", "", stores.ErrBadURL, "the table prefix (%d bytes) holds characters other than letters, digits, _ and $", len(opts.TablePrefix))
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s := &Store{u: u, prefix: opts.TablePrefix, dc: opts.DC, timeout: timeout}
	if u.Scheme() == stores.SchemeSQLite {
		// The file is opened by the first Read or List (read-only) or
		// Write (read-write, creating it 0600): a missing file is then
		// "not found" or created, never created by a read.
		s.d = sqliteD
		db, _, err := openDB(u, timeout, true) // checks the URL; connects lazily
		if err != nil {
			return nil, driverError(ctx, "open", "", u, err)
		}
		_ = db.Close()
		return s, nil
	}
	db, d, err := openDB(u, timeout, true)
	if err != nil {
		return nil, driverError(ctx, "open", "", u, err)
	}
	db.SetConnMaxIdleTime(time.Minute)
	if err := ping(ctx, db); err != nil {
		_ = db.Close()
		return nil, driverError(ctx, "open", "", u, err)
	}
	s.d, s.db = d, db
	return s, nil
}

// reader returns the handle to read with: for SQLite the read-only handle,
// opened on first use, or an error wrapping [stores.ErrNotFound] if the
// file does not exist.
func (s *Store) reader(ctx context.Context) (*sql.DB, error) {
	if s.d.name != "sqlite" {
		return s.db, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		return s.db, nil
	}
	if _, err := os.Stat(s.u.FilePath()); err != nil {
		return nil, fmt.Errorf("no database file: %w", stores.ErrNotFound)
	}
	db, _, err := openDB(s.u, s.timeout, true)
	if err != nil {
		return nil, err
	}
	if err := ping(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.db = db
	return db, nil
}

// Close closes the database handles.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.db != nil {
		err = s.db.Close()
	}
	if s.rw != nil {
		err = errors.Join(err, s.rw.Close())
	}
	return err
}

func driverError(ctx context.Context, op, name string, u stores.URL, err error) error {
	if e, ok := errors.AsType[*stores.Error](err); ok {
		return e
	}
	// This package's own errors wrap a stores sentinel; a driver's never do.
	for _, t := range []error{stores.ErrBadURL, stores.ErrNotFound, stores.ErrExists, stores.ErrBadValue,
		stores.ErrTooLarge, stores.ErrAmbiguous, stores.ErrLayout, stores.ErrBadName} {
		if errors.Is(err, t) {
			return &stores.Error{Kind: Kind, Op: op, Name: name, Err: err}
		}
	}
	return stores.DriverError(ctx, Kind, op, name, u, classify(err), err)
}

// table returns the quoted name of a layout table.
func (s *Store) table(name string) string { return s.d.ident(s.prefix + name) }

// layout is what the probe found.
type layout struct {
	name      string // "alchemysession" or "mautrix"
	version   int    // the version table's value, 0 if none
	entities  bool
	state     bool
	unread    bool // update_state.unread_count exists
	sentFiles bool
	phoneInt  bool // entities.phone is an integer column
}

// probe reads the catalog: which tables and columns exist, and their types.
func (s *Store) probe(ctx context.Context, q queryer) (*layout, error) {
	tables, err := s.tables(ctx, q)
	if err != nil {
		return nil, err
	}
	has := func(t string) bool { return slices.Contains(tables, s.prefix+t) }
	if !has("sessions") {
		msg := fmt.Sprintf("no %ssessions table", s.prefix)
		if s.prefix == "" && slices.Contains(tables, "telethon_sessions") {
			msg += " (a telethon_sessions table exists: table prefix \"telethon_\", as mautrix-telegram uses)"
		}
		return nil, fmt.Errorf("%s: %w%w", msg, stores.ErrLayout, errNoTables)
	}
	cols, err := s.columns(ctx, q, s.prefix+"sessions")
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"session_id", "dc_id", "server_address", "port", "auth_key"} {
		if _, ok := cols[c]; !ok {
			return nil, fmt.Errorf("%ssessions has no %s column: %w", s.prefix, c, stores.ErrLayout)
		}
	}
	if t := cols["auth_key"]; !binaryType(t) {
		return nil, fmt.Errorf("%ssessions.auth_key is %s, not a binary column: %w", s.prefix, t, stores.ErrBadValue)
	}
	l := &layout{name: "alchemysession"}
	if has("version") {
		var v sql.NullInt64
		err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM "+s.table("version")).Scan(&v)
		if err != nil {
			return nil, err
		}
		l.version = int(v.Int64)
	} else {
		l.name = "mautrix"
	}
	if has("entities") {
		ec, err := s.columns(ctx, q, s.prefix+"entities")
		if err != nil {
			return nil, err
		}
		l.entities = true
		for _, c := range []string{"session_id", "id", "hash", "username", "phone", "name"} {
			if _, ok := ec[c]; !ok {
				l.entities = false
			}
		}
		l.phoneInt = integerType(ec["phone"])
	}
	if has("update_state") {
		uc, err := s.columns(ctx, q, s.prefix+"update_state")
		if err != nil {
			return nil, err
		}
		l.state = true
		for _, c := range []string{"session_id", "entity_id", "pts", "qts", "date", "seq"} {
			if _, ok := uc[c]; !ok {
				l.state = false
			}
		}
		_, l.unread = uc["unread_count"]
	}
	l.sentFiles = has("sent_files")
	return l, nil
}

// errNoTables marks the layout error of a database without the tables.
var errNoTables = noTables{}

type noTables struct{}

func (noTables) Error() string { return "" }

// cachedProbe returns the layout found by an earlier probe of this Store,
// or probes. A table dropped since makes the queries fail with
// [stores.ErrLayout].
func (s *Store) cachedProbe(ctx context.Context, q queryer) (*layout, error) {
	s.mu.Lock()
	l := s.probed
	s.mu.Unlock()
	if l != nil {
		return l, nil
	}
	l, err := s.probe(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.probed = l
	s.mu.Unlock()
	return l, nil
}

// queryer is *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) tables(ctx context.Context, q queryer) ([]string, error) {
	var query string
	switch s.d.name {
	case "postgres":
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	case "mysql":
		query = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
	default:
		query = "SELECT name FROM sqlite_master WHERE type = 'table'"
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		if len(out) > 10000 {
			return nil, fmt.Errorf("more than 10000 tables: %w", stores.ErrTooLarge)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// columns returns the lower-cased column types of a table by column name.
func (s *Store) columns(ctx context.Context, q queryer, table string) (map[string]string, error) {
	var query string
	switch s.d.name {
	case "postgres":
		query = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	case "mysql":
		query = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?"
	default:
		query = "SELECT name, type FROM pragma_table_info(?)"
	}
	rows, err := q.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		if len(out) > 1000 {
			return nil, fmt.Errorf("more than 1000 columns: %w", stores.ErrTooLarge)
		}
		out[strings.ToLower(n)] = strings.ToLower(t)
	}
	return out, rows.Err()
}

func binaryType(t string) bool {
	switch {
	case t == "bytea", t == "", strings.Contains(t, "blob"), strings.Contains(t, "binary"):
		return true
	}
	return false
}

func integerType(t string) bool {
	return strings.Contains(t, "int") || t == "numeric" || t == "decimal"
}

// Read returns the session stored under name. It runs SELECTs only, in one
// read-only transaction (PostgreSQL, MySQL) or on a read-only SQLite
// handle.
func (s *Store) Read(ctx context.Context, name string) (*compat.Stored, error) {
	if err := check.Name(name); err != nil {
		return nil, &stores.Error{Kind: Kind, Op: "read", Name: name, Err: err}
	}
	r, err := s.read(ctx, name)
	if err != nil {
		return nil, driverError(ctx, "read", name, s.u, err)
	}
	return r, nil
}

func (s *Store) read(ctx context.Context, name string) (*compat.Stored, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	var q queryer = db
	if s.d.name != "sqlite" {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		if err != nil {
			return nil, err
		}
		defer func() { _ = tx.Rollback() }()
		q = tx
	}
	l, err := s.cachedProbe(ctx, q)
	if err != nil {
		return nil, err
	}
	d, p := s.d, s.d.ph(1)
	sqliteTypes := ""
	if d.name == "sqlite" {
		sqliteTypes = ", typeof(dc_id), typeof(auth_key)"
	}
	rows, err := q.QueryContext(ctx, "SELECT dc_id, SUBSTR(server_address, 1, 256), port, SUBSTR(auth_key, 1, 257)"+sqliteTypes+
		" FROM "+s.table("sessions")+" WHERE session_id = "+p+" LIMIT 101", name)
	if err != nil {
		return nil, err
	}
	var srows []sessionRow
	for rows.Next() {
		var r sessionRow
		var dc sql.NullInt64
		var t1, t2 sql.NullString
		dest := []any{&dc, &r.address, &r.port, &r.key}
		if d.name == "sqlite" {
			dest = append(dest, &t1, &t2)
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("a sessions row has a value of the wrong type: %w", stores.ErrBadValue)
		}
		if d.name == "sqlite" && (t1.String != "integer" || (t2.String != "blob" && t2.String != "null")) {
			rows.Close()
			return nil, fmt.Errorf("a sessions row holds %s dc_id and %s auth_key (want integer and blob): %w", t1.String, t2.String, stores.ErrBadValue)
		}
		if !dc.Valid {
			rows.Close()
			return nil, fmt.Errorf("a sessions row has a NULL dc_id: %w", stores.ErrBadValue)
		}
		r.dc = dc.Int64
		srows = append(srows, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	defer func() {
		for i := range srows {
			clear(srows[i].key)
		}
	}()
	if len(srows) > 100 {
		return nil, fmt.Errorf("more than 100 sessions rows: %w", stores.ErrTooLarge)
	}
	row, others, err := pick(srows, s.dc)
	if err != nil {
		return nil, err
	}
	if len(row.key) > 256 {
		return nil, fmt.Errorf("auth_key is more than 256 bytes: %w: %w", stores.ErrBadValue, codec.ErrBadKey)
	}
	var ents []entityRow
	if l.entities {
		ents, err = s.readEntities(ctx, q, name)
		if err != nil {
			return nil, err
		}
	}
	var states []stateRow
	if l.state {
		states, err = s.readStates(ctx, q, name, l.unread)
		if err != nil {
			return nil, err
		}
	}
	rec, err := toStored(row, others, ents, states, l.name)
	if err != nil {
		return nil, err
	}
	if l.version != 0 && l.version != 2 {
		rec.Notes = append(rec.Notes, fmt.Sprintf("the version table says %d (alchemysession writes 2; 3 after its own upgrade of a version-1 database)", l.version))
	}
	return rec, nil
}

func (s *Store) readEntities(ctx context.Context, q queryer, name string) ([]entityRow, error) {
	d := s.d
	rows, err := q.QueryContext(ctx, "SELECT id, hash, SUBSTR(username, 1, 257), SUBSTR(CAST(phone AS "+d.textType+"), 1, 65), SUBSTR(name, 1, 4097) FROM "+
		s.table("entities")+" WHERE session_id = "+d.ph(1)+" LIMIT "+fmt.Sprint(stores.MaxEntities+1), name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entityRow
	bad := 0
	for rows.Next() {
		var e entityRow
		var id, hash sql.NullInt64
		if err := rows.Scan(&id, &hash, &e.username, &e.phone, &e.name); err != nil {
			bad++
			continue
		}
		if !id.Valid {
			bad++
			continue
		}
		e.id, e.hash = id.Int64, hash.Int64
		out = append(out, e)
		if len(out) > stores.MaxEntities {
			return nil, fmt.Errorf("more than %d entities: %w", stores.MaxEntities, stores.ErrTooLarge)
		}
	}
	if bad > 0 {
		out = append(out, entityRow{}) // counted as skipped by toRecord (id 0)
	}
	return out, rows.Err()
}

func (s *Store) readStates(ctx context.Context, q queryer, name string, unread bool) ([]stateRow, error) {
	d := s.d
	cols := "entity_id, pts, qts, date, seq"
	if unread {
		cols += ", unread_count"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM "+s.table("update_state")+" WHERE session_id = "+d.ph(1)+
		" LIMIT "+fmt.Sprint(stores.MaxStates+1), name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stateRow
	for rows.Next() {
		var st stateRow
		dest := []any{&st.entity, &st.pts, &st.qts, &st.date, &st.seq}
		if unread {
			dest = append(dest, &st.unreadCnt)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("an update_state row has a value of the wrong type: %w", stores.ErrBadValue)
		}
		out = append(out, st)
		if len(out) > stores.MaxStates {
			return nil, fmt.Errorf("more than %d update_state rows: %w", stores.MaxStates, stores.ErrTooLarge)
		}
	}
	return out, rows.Err()
}

// List returns the session ids that hold a non-empty auth key, sorted.
func (s *Store) List(ctx context.Context) ([]string, error) {
	names, err := s.list(ctx)
	if err != nil {
		return nil, driverError(ctx, "list", "", s.u, err)
	}
	return names, nil
}

func (s *Store) list(ctx context.Context) ([]string, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.cachedProbe(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT DISTINCT session_id FROM "+s.table("sessions")+
		" WHERE auth_key IS NOT NULL AND LENGTH(auth_key) > 0 LIMIT "+fmt.Sprint(stores.MaxNames+1))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n sql.NullString
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("a session_id is not text: %w", stores.ErrBadValue)
		}
		if len(names) >= stores.MaxNames {
			return nil, fmt.Errorf("more than %d sessions: %w", stores.MaxNames, stores.ErrTooLarge)
		}
		names = append(names, n.String)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(names) // the server's collation may order differently
	return slices.Compact(names), nil
}
