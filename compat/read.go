package compat

import (
	"database/sql/driver"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
)

// ReadOptions adjusts [ReadFile]. The zero value reads everything, with
// the default busy timeout.
type ReadOptions struct {
	// DC chooses the row to read when the database holds keys for more
	// than one DC (otherwise a [*MultipleSessionsError]). 0 means "the
	// only one".
	DC int
	// BusyTimeout is how long to wait for a writer holding the database
	// lock; 0 means one second.
	BusyTimeout time.Duration
	// CountCache counts the entity cache and update-state rows instead of
	// reading them (Stored.Entities and UpdateState stay empty): for a
	// caller that converts to a string session, which holds neither. The
	// conversion report still counts them.
	CountCache bool
}

// ReadFile reads the session database at path: Telethon schema versions
// 1–7 and Telethon v2's version 10, and the Pyrogram family (Pyrogram 1–3,
// pyrofork 4, kurigram 4–7, irenogram 7, hydrogram in WAL mode). The library
// is recognised by probing tables and columns, never by the version number
// alone, and every table is read by column name
// (docs/formats.md#sqlite-reading).
//
// The file and its -wal, -shm or -journal companions are opened read-only
// and never modified: the database is copied into memory under SQLite's
// SHARED lock, the WAL (or a hot journal) is applied in memory, and SQLite
// reads that image. Data that lives only in the -wal file is therefore
// seen. See the package documentation for what this costs.
func ReadFile(path string, opts ReadOptions) (*Stored, error) {
	return readFile(path, opts, opts.CountCache)
}

// readFile is the generic part of reading: the snapshot, the schema
// check, the bounded SQLite connection; the per-library readers live in
// telethon.go, telethon_v2.go and pyrogram.go.
func readFile(path string, opts ReadOptions, countOnly bool) (*Stored, error) {
	snap, err := takeSnapshot(path, opts.BusyTimeout)
	if err != nil {
		return nil, err
	}
	defer snap.wipe()
	onePage, err := checkSchema(path, snap.image)
	if err != nil {
		return nil, err
	}
	conn, err := getReadConn()
	if err != nil {
		return nil, err
	}
	if err := conn.load(snap.image, onePage); err != nil {
		conn.release(true)
		return nil, sqliteError(path, err)
	}
	limit := snap.image.held() + readSlack
	r := &reader{path: path, db: conn.db, conn: conn, opts: opts, countOnly: countOnly, budget: limit, budgetLimit: limit}
	defer r.wipe()
	f, err := r.read()
	// A connection whose read failed may hold odd state: do not reuse it.
	conn.release(err != nil)
	if err != nil {
		return nil, err
	}
	f.WAL = snap.wal
	if snap.walFrames > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("applied %d committed frames from the -wal file", snap.walFrames))
	}
	if snap.hotJournal {
		f.Notes = append(f.Notes, "rolled back an interrupted transaction found in the -journal file (in memory; the file is untouched)")
	}
	if f.Library == model.LibPyrogram && f.Schema == 3 && snap.wal {
		f.Library = model.LibHydrogram
		f.Notes = append(f.Notes, "Pyrogram schema 3 in WAL mode: hydrogram (Pyrogram itself uses a rollback journal)")
	}
	f.Kind = model.KindOfLibrary(f.Library)
	return f, nil
}

// Read limits. A session database is read in memory and time bounded by
// its size: SQLite evaluates nothing but the reader's own queries over
// plain stored columns, and these caps bound what the rows may cost. Real
// files never come near them (a Telethon cache of 100,000 peers is a 6 MB
// file); a file that exceeds one gets [codec.ErrTooLarge].
const (
	// maxValueSize bounds one TEXT or BLOB value of a column the reader
	// reads. The longest real ones are 256-byte keys and 255-character
	// names; SQLite never loads a longer value.
	maxValueSize = 64 << 10
	// maxCacheRows bounds the rows read from one entity-cache table
	// (entities, peers, usernames) or update-state table (update_state,
	// channelstate): at most about 150 bytes of Go memory each, plus
	// their text. A cache of a million peers is a 60 MB file; accounts
	// hold thousands.
	maxCacheRows = 1 << 20
	// maxKeyRows bounds the rows of the table holding the keys (sessions,
	// datacenter): libraries write one per DC.
	maxKeyRows = 1024
	// readSlack is what the TEXT and BLOB values read may add up to beyond
	// the bytes the image holds. Every byte of a real value is stored in the
	// file; only a column default repeated over rows that predate the
	// column (ALTER TABLE ADD COLUMN … DEFAULT) can make the values
	// outgrow the file.
	readSlack = 1 << 20
)

// knownColumns are the tables the readers read and, for each, the columns
// they may read. Tables and columns of a file that are not listed are
// never evaluated: an unlisted generated column or view costs nothing.
var knownColumns = map[string][]string{
	"sessions":     {"dc_id", "server_address", "port", "auth_key", "takeout_id", "api_id", "test_mode", "date", "user_id", "is_bot"},
	"version":      {"version", "number"},
	"entities":     {"id", "hash", "username", "phone", "name", "date"},
	"sent_files":   {"type"},
	"update_state": {"id", "pts", "qts", "date", "seq"},
	"datacenter":   {"id", "ipv4_addr", "ipv6_addr", "addr", "auth"},
	"user":         {"id", "dc", "bot", "username"},
	"state":        {"pts", "qts", "seq", "date"},
	"channelstate": {"id", "pts"},
	"peers":        {"id", "access_hash", "type", "username", "phone_number", "last_update_on"},
	"usernames":    {"id", "username", "peer_id"},
}

// schemaQuery lists the columns of the known tables: ordinary tables only
// (SQLite stores "CREATE TABLE …" for those, "CREATE VIRTUAL TABLE …" for
// virtual tables, whose modules run code, and views have type 'view'), with
// PRAGMA table_xinfo's hidden flag (2, 3: a generated column).
var schemaQuery = func() string {
	names := make([]string, 0, len(knownColumns))
	for t := range knownColumns {
		names = append(names, "'"+t+"'")
	}
	slices.Sort(names)
	return "SELECT lower(m.name), lower(p.name), p.hidden FROM sqlite_master AS m, pragma_table_xinfo(m.name) AS p" +
		" WHERE m.type = 'table' AND m.sql LIKE 'CREATE TABLE %' AND lower(m.name) IN (" + strings.Join(names, ", ") + ")"
}()

type reader struct {
	path string
	db   *memDB
	conn *readConn // caches the tables found while the schema stays the same
	opts ReadOptions
	// countOnly counts the entity cache instead of reading it (string
	// targets, which drop it anyway).
	countOnly bool
	// tables maps each known table the file has (lower case) to the known
	// columns it has.
	tables map[string][]string
	// budget is what the TEXT and BLOB values read may still add up to.
	budget, budgetLimit int64
	loaded              []*table // tables read (they hold keys)
}

func (r *reader) errorf(sentinel error, format string, args ...any) error {
	return fileError(r.path, sentinel, format, args...)
}

// wipe clears every blob read (auth keys).
func (r *reader) wipe() {
	for _, t := range r.loaded {
		t.wipe()
	}
}

func (r *reader) read() (*Stored, error) {
	if err := r.loadSchema(); err != nil {
		return nil, err
	}
	switch {
	case r.has("datacenter", "id", "auth") && r.has("version", "version"):
		return r.readTelethonV2()
	case r.has("sessions", "dc_id", "auth_key") && r.hasAny("sessions", "test_mode", "user_id", "is_bot"):
		return r.readPyrogram()
	case r.has("sessions", "dc_id", "auth_key", "server_address", "port"):
		return r.readTelethon()
	}
	return nil, r.unknownSchema()
}

// loadSchema finds the known tables and their known columns, and refuses a
// known column that is generated: the readers read stored data, never an
// expression the file supplies.
func (r *reader) loadSchema() error {
	if c := r.conn; c != nil && c.known != nil && c.knownCookie == c.cookie {
		r.tables = c.known
		return nil
	}
	r.tables = map[string][]string{}
	t, err := r.db.query(schemaQuery)
	if err != nil {
		return sqliteError(r.path, err)
	}
	for _, row := range t.rows {
		name, _ := row[0].(string)
		col, _ := row[1].(string)
		known := knownColumns[name]
		if _, ok := r.tables[name]; !ok {
			r.tables[name] = nil
		}
		if !slices.Contains(known, col) {
			continue
		}
		if hidden, _ := row[2].(int64); hidden != 0 {
			return r.errorf(ErrUnknownSchema, "%s.%s is a generated column (an SQL expression, not stored data), which no session library writes", name, col)
		}
		r.tables[name] = append(r.tables[name], col)
	}
	// Keep the columns in knownColumns order: queries are then the same
	// for every file of a layout, whatever order its columns were added in.
	for name, cols := range r.tables {
		r.tables[name] = slices.DeleteFunc(slices.Clone(knownColumns[name]), func(c string) bool { return !slices.Contains(cols, c) })
	}
	if c := r.conn; c != nil {
		c.known, c.knownCookie = r.tables, c.cookie
		clear(c.queries)
	}
	return nil
}

// unknownSchema describes a database that is none of the known layouts by
// its table names (escaped: they are the file's text).
func (r *reader) unknownSchema() error {
	t, err := r.db.query("SELECT substr(name, 1, 200) FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 13")
	if err != nil {
		return sqliteError(r.path, err)
	}
	if len(t.rows) == 0 {
		return r.errorf(ErrUnknownSchema, "the database has no tables")
	}
	var names []string
	for _, row := range t.rows[:min(len(t.rows), 12)] {
		name, _ := asText(row[0])
		names = append(names, quoteName(name))
	}
	if len(t.rows) > 12 {
		names = append(names, "…")
	}
	return r.errorf(ErrUnknownSchema, "tables %s are not those of Telethon or the Pyrogram family", strings.Join(names, ", "))
}

// exists reports whether the file has the known table name.
func (r *reader) exists(name string) bool {
	_, ok := r.tables[name]
	return ok
}

// has reports whether table exists with all of cols.
func (r *reader) has(table string, cols ...string) bool {
	have, ok := r.tables[table]
	if !ok {
		return false
	}
	for _, c := range cols {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}

func (r *reader) hasAny(table string, cols ...string) bool {
	for _, c := range cols {
		if r.has(table, c) {
			return true
		}
	}
	return false
}

// selectQuery reads cols of table, each value replaced by NULL if it is a
// TEXT or BLOB longer than maxValueSize (SQLite learns the size of such a
// value from the record header: it never loads it), plus
// a last column holding the 1-based index of the first such column, or
// NULL. tail may add ORDER BY or LIMIT.
func selectQuery(table string, cols []string, tail string) string {
	var b strings.Builder
	// octet_length of a TEXT or BLOB column reads only the record header;
	// of a number, it formats the number (cheaper than a typeof test).
	over := func(i int) string {
		return "octet_length(" + quoteIdent(cols[i]) + ") > " + strconv.Itoa(maxValueSize)
	}
	b.WriteString("SELECT ")
	// Short result names: the driver copies them for every query.
	for i, c := range cols {
		fmt.Fprintf(&b, "CASE WHEN %s THEN NULL ELSE %s END AS c%d, ", over(i), quoteIdent(c), i)
	}
	b.WriteString("CASE")
	for i := range cols {
		fmt.Fprintf(&b, " WHEN %s THEN %d", over(i), i+1)
	}
	b.WriteString(" END AS over FROM " + quoteIdent(table) + tail)
	return b.String()
}

// scan reads cols of table, at most maxRows rows, and calls fn with each
// row (a buffer reused for the next row), charging every TEXT and BLOB
// value to the read's budget. Limits exceeded give [codec.ErrTooLarge].
func (r *reader) scan(name string, cols []string, tail string, maxRows int, fn func(t *table, row []driver.Value) error) error {
	q := r.conn.selectQuery(name, cols, tail)
	t := &table{cols: cols}
	n := 0
	var stop error
	err := r.db.scan(q, func(_ []string, row []driver.Value) error {
		if i, ok := row[len(cols)].(int64); ok && i >= 1 && int(i) <= len(cols) {
			stop = r.errorf(errTooLarge, "a value of %s.%s is longer than %d bytes, the limit", name, cols[i-1], maxValueSize)
			return stop
		}
		if n++; n > maxRows {
			stop = r.errorf(errTooLarge, "the %s table has more than %d rows, the limit", name, maxRows)
			return stop
		}
		row = row[:len(cols)]
		for _, v := range row {
			switch v := v.(type) {
			case string:
				r.budget -= int64(len(v))
			case []byte:
				r.budget -= int64(len(v))
			}
		}
		if r.budget < 0 {
			stop = r.errorf(errTooLarge, "its values add up to more than %d bytes, the limit for a database of this size", r.budgetLimit)
			return stop
		}
		if err := fn(t, row); err != nil {
			stop = err
			return err
		}
		return nil
	}, nil)
	if stop != nil {
		return stop
	}
	if err != nil {
		return sqliteError(r.path, err)
	}
	return nil
}

// load reads cols of table (see scan) into a table.
func (r *reader) load(name string, cols []string, tail string, maxRows int) (*table, error) {
	t := &table{cols: cols}
	r.loaded = append(r.loaded, t)
	err := r.scan(name, cols, tail, maxRows, func(_ *table, row []driver.Value) error {
		t.rows = append(t.rows, slices.Clone(row))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// loadAll reads every known column of table (see scan).
func (r *reader) loadAll(name string, tail string, maxRows int) (*table, error) {
	return r.load(name, r.tables[name], tail, maxRows)
}

// versionNumber returns the first row of version.<col>, if any.
func (r *reader) versionNumber(col string) (int, bool, error) {
	if !r.has("version", col) {
		return 0, false, nil
	}
	q := telethonVersionQuery
	if col == "number" {
		q = pyrogramVersionQuery
	}
	t, err := r.db.query(q)
	if err != nil {
		return 0, false, sqliteError(r.path, err)
	}
	if len(t.rows) == 0 {
		return 0, false, nil
	}
	n, ok := asInt(t.rows[0][0])
	return int(n), ok, nil
}

// versionQuery reads the first version.<col>: a number, so a TEXT or BLOB
// longer than 64 bytes is NULL (not a number), and never loaded.
func versionQuery(col string) string {
	return "SELECT CASE WHEN octet_length(" + col + ") > 64 THEN NULL ELSE " + col + " END AS v FROM version LIMIT 1"
}

// Queries built once.
var (
	telethonVersionQuery = versionQuery("version")
	pyrogramVersionQuery = versionQuery("number")
	telethonCountQuery   = "SELECT (" + telethonVersionQuery + ") AS v, (SELECT count(*) FROM entities) AS e, (SELECT count(*) FROM update_state) AS u"
)

// keyRow is one sessions/datacenter row holding a key.
type keyRow struct {
	dc  int
	row []driver.Value
	key []byte
}

// pickRow chooses the row to read among rows with a non-empty key: the DC
// the caller asked for, else the only one. Rows with an empty or NULL key
// are placeholders (Telethon writes X” for "no key") and are skipped.
func (r *reader) pickRow(t *table, dcCol, keyCol string) (*keyRow, []int, error) {
	var keyed []keyRow
	for _, row := range t.rows {
		key, _ := asBlob(t.get(row, keyCol))
		if len(key) == 0 {
			continue
		}
		dc, ok := asInt(t.get(row, dcCol))
		if !ok {
			return nil, nil, r.errorf(ErrCorrupt, "a row with an auth key has no integer %s", dcCol)
		}
		keyed = append(keyed, keyRow{dc: int(dc), row: row, key: key})
	}
	if len(keyed) == 0 {
		if len(t.rows) == 0 {
			return nil, nil, r.errorf(ErrNoSession, "the sessions table has no rows")
		}
		return nil, nil, r.errorf(ErrNoSession, "no row holds an auth key (a fresh or logged-out session)")
	}
	var pick *keyRow
	var dcs []int
	for i := range keyed {
		dcs = append(dcs, keyed[i].dc)
		if r.opts.DC != 0 && keyed[i].dc == r.opts.DC {
			pick = &keyed[i]
		}
	}
	switch {
	case r.opts.DC != 0 && pick == nil:
		return nil, nil, r.errorf(ErrNoSession, "no auth key for DC %d", r.opts.DC)
	case pick == nil && len(keyed) > 1:
		return nil, nil, &MultipleSessionsError{Path: r.path, DCs: dcs}
	case pick == nil:
		pick = &keyed[0]
	}
	var others []int
	for _, dc := range dcs {
		if dc != pick.dc {
			others = append(others, dc)
		}
	}
	return pick, others, nil
}

// newKey validates and copies key bytes into an AuthKey.
func (r *reader) newKey(b []byte) (codec.AuthKey, error) {
	k, err := codec.NewAuthKey(b)
	switch {
	case err == nil:
		return k, nil
	case len(b) == codec.AuthKeySize:
		return k, r.errorf(ErrNoSession, "the auth key is all zeros (%v)", err)
	default:
		return k, r.errorf(ErrCorrupt, "the auth key is %d bytes, not %d (%v)", len(b), codec.AuthKeySize, err)
	}
}

func (r *reader) checkDC(dc int) error {
	if dc <= 0 || dc > 0xffff {
		return r.errorf(ErrCorrupt, "DC id %d out of range", dc)
	}
	return nil
}

// checkAddress validates a stored server address: an IP literal or a host
// name. It returns whether the address is IPv6.
func (r *reader) checkAddress(addr string) (bool, error) {
	if ip, err := netip.ParseAddr(addr); err == nil {
		return ip.Is6() && !ip.Is4In6(), nil
	}
	if validHostname(addr) {
		return false, nil
	}
	return false, r.errorf(ErrCorrupt, "the server address (%d bytes) is neither an IP address nor a host name", len(addr))
}

func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func (r *reader) port(v driver.Value) (uint16, error) {
	if v == nil {
		return 0, nil
	}
	n, ok := asInt(v)
	if !ok || n <= 0 || n > 0xffff {
		return 0, r.errorf(ErrCorrupt, "invalid port")
	}
	return uint16(n), nil
}

// count returns the number of rows of table.
func (r *reader) count(table string) (int, error) {
	t, err := r.db.query("SELECT count(*) FROM " + quoteIdent(table))
	if err != nil {
		return 0, sqliteError(r.path, err)
	}
	n, _ := asInt(t.rows[0][0])
	return int(n), nil
}

// ---------------------------------------------------------------- Telethon 1.x

// ----------------------------------------------------------------- Telethon v2

// -------------------------------------------------------------- Pyrogram family
