package compat

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/peerid"
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
	if f.Library == libPyrogram && f.Schema == 3 && snap.wal {
		f.Library = libHydrogram
		f.Notes = append(f.Notes, "Pyrogram schema 3 in WAL mode: hydrogram (Pyrogram itself uses a rollback journal)")
	}
	f.Kind = kindOfLibrary(f.Library)
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

// telethonStructure is the schema version implied by Telethon's tables
// (FORMATS.md §2 version history).
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
	f := &Stored{Library: libTelethon}
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
	f = &Stored{Library: libTelethon, Schema: int(v), cacheCount: int(n), stateCount: int(u)}
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
	f.otherKeys = others
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
		var err error
		f.cacheCount, err = r.count("entities")
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

// ----------------------------------------------------------------- Telethon v2

func (r *reader) readTelethonV2() (*Stored, error) {
	f := &Stored{Library: libTelethonV2}
	var err error
	if f.Schema, _, err = r.versionNumber("version"); err != nil {
		return nil, err
	}
	if f.Schema != 10 {
		f.Notes = append(f.Notes, fmt.Sprintf("version table says %d; read as Telethon v2's version 10", f.Schema))
	}
	t, err := r.loadAll("datacenter", "", maxKeyRows)
	if err != nil {
		return nil, err
	}

	// Telethon v2 connects to user.dc, or to DC 2 when there is no user
	// row (client/client/net.py connect: DEFAULT_DC = 2).
	var user []driver.Value
	var ut *table
	if r.has("user", "id", "dc") {
		if ut, err = r.loadAll("user", " LIMIT 1", 1); err != nil {
			return nil, err
		}
		if len(ut.rows) > 0 {
			user = ut.rows[0]
		}
	}
	opts := r.opts
	if opts.DC == 0 && user != nil {
		if dc, ok := asInt(ut.get(user, "dc")); ok {
			r.opts.DC = int(dc)
		}
	}
	pick, others, err := r.pickRow(t, "id", "auth")
	r.opts = opts
	if err != nil {
		return nil, err
	}
	if err := r.checkDC(pick.dc); err != nil {
		return nil, err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "sqlite-v10", DC: pick.dc}}
	// ipv4_addr/ipv6_addr hold "ip:port" (the first v2 alphas had a single
	// addr column). Telethon v2 connects through the IPv4 one.
	for _, col := range []string{"ipv4_addr", "addr", "ipv6_addr"} {
		text, ok := asText(t.get(pick.row, col))
		if !ok || text == "" {
			continue
		}
		host, port, err := splitHostPort(text)
		if err != nil {
			return nil, r.errorf(ErrCorrupt, "datacenter.%s is not \"ip:port\"", col)
		}
		v6, err := r.checkAddress(host)
		if err != nil {
			return nil, err
		}
		s.ServerAddress, s.Port, s.IPv6 = host, port, codec.Some(v6)
		break
	}
	if s.Key, err = r.newKey(pick.key); err != nil {
		return nil, err
	}
	f.Session = s
	f.otherKeys = others
	if len(others) > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("read the key for DC %d; Telethon v2 also holds keys for DCs %v, which are not read", pick.dc, others))
	}
	if user != nil {
		dc, _ := asInt(ut.get(user, "dc"))
		if int(dc) == pick.dc {
			if id, ok := asInt(ut.get(user, "id")); ok {
				s.UserID = codec.Some(id)
			}
			if bot, ok := asBool(ut.get(user, "bot")); ok {
				s.IsBot = codec.Some(bot)
			}
			f.selfUsername, _ = asText(ut.get(user, "username"))
		} else {
			f.Notes = append(f.Notes, fmt.Sprintf("the user row names DC %d, not the chosen DC %d: its user id is not used", dc, pick.dc))
		}
	} else if pick.dc != 2 {
		f.Notes = append(f.Notes, fmt.Sprintf("no user row: Telethon v2 itself would start on DC 2, not on DC %d", pick.dc))
	}
	if r.has("state", "pts") {
		st, err := r.loadAll("state", " LIMIT 1", 1)
		if err != nil {
			return nil, err
		}
		if len(st.rows) > 0 {
			row := st.rows[0]
			u := &UpdateState{}
			u.PTS, _ = asInt(st.get(row, "pts"))
			u.QTS, _ = asInt(st.get(row, "qts"))
			u.Seq, _ = asInt(st.get(row, "seq"))
			u.Date, _ = asFloat(st.get(row, "date"))
			f.UpdateState = u
		}
	}
	if r.has("channelstate", "id", "pts") {
		err := r.scan("channelstate", r.tables["channelstate"], "", maxCacheRows, func(ct *table, row []driver.Value) error {
			if f.UpdateState == nil {
				f.UpdateState = &UpdateState{}
			}
			id, ok := asInt(ct.get(row, "id"))
			pts, ok2 := asInt(ct.get(row, "pts"))
			if ok && ok2 {
				f.UpdateState.Channels = append(f.UpdateState.Channels, ChannelState{ID: id, PTS: pts})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// splitHostPort splits Telethon v2's "ip:port", where an IPv6 address is
// not bracketed ("2001:b28:f23d:f001::a:443"): the port is after the last
// colon.
func splitHostPort(s string) (string, uint16, error) {
	if h, p, err := net.SplitHostPort(s); err == nil && strings.HasPrefix(s, "[") {
		s = h + ":" + p
	}
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, fmt.Errorf("no port")
	}
	p, err := strconv.ParseUint(s[i+1:], 10, 16)
	if err != nil || p == 0 {
		return "", 0, fmt.Errorf("bad port")
	}
	return s[:i], uint16(p), nil
}

// -------------------------------------------------------------- Pyrogram family

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
		f.Library, structure = libKurigram, 7
		f.Notes = append(f.Notes, "kurigram schema 7 (irenogram 7 writes the same schema)")
	case kuriNames:
		f.Library, structure = libKurigram, 4
		if updates {
			structure = 5
		}
		if r.hasIndex("idx_usernames_id") {
			structure = 6
		}
	case forkNames || updates:
		f.Library, structure = libPyrofork, 4
	case r.has("sessions", "api_id"):
		f.Library, structure = libPyrogram, 3
	default:
		f.Library, structure = libPyrogram, 2
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
		f.otherKeys = others
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
		f.date = codec.Some(v)
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
		var err error
		f.cacheCount, err = r.count("peers")
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
			e.Type = peerType(strings.ToLower(typ))
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
