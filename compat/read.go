package compat

import (
	"database/sql/driver"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
)

// ReadOptions adjusts [ReadFileWith].
type ReadOptions struct {
	// DC chooses the row to read when the database holds keys for more
	// than one DC (otherwise [ErrMultipleSessions]). 0 means "the only
	// one".
	DC int
	// BusyTimeout is how long to wait for a writer holding the database
	// lock; 0 means [DefaultBusyTimeout].
	BusyTimeout time.Duration
}

// ReadFile reads the session database at path, whichever library wrote it,
// with default options. See [ReadFileWith].
func ReadFile(path string) (*File, error) { return ReadFileWith(path, ReadOptions{}) }

// ReadFileWith reads the session database at path: Telethon schema versions
// 1–7 and Telethon v2's version 10, and the Pyrogram family (Pyrogram 1–3,
// pyrofork 4, kurigram 4–7, irenogram 7, hydrogram in WAL mode). The library
// is recognised by probing tables and columns, never by the version number
// alone, and every table is read by column name.
//
// The file and its -wal, -shm or -journal companions are opened read-only
// and never modified: the database is copied into memory under SQLite's
// SHARED lock, the WAL (or a hot journal) is applied in memory, and SQLite
// reads that image. Data that lives only in the -wal file is therefore
// seen. See the package documentation for what this costs.
func ReadFileWith(path string, opts ReadOptions) (*File, error) {
	return readFile(path, opts, false)
}

func readFile(path string, opts ReadOptions, countOnly bool) (*File, error) {
	snap, err := takeSnapshot(path, opts.BusyTimeout)
	if err != nil {
		return nil, err
	}
	defer snap.wipe()
	conn, err := getReadConn()
	if err != nil {
		return nil, err
	}
	if err := conn.load(snap.image); err != nil {
		conn.release(true)
		return nil, sqliteError(path, err)
	}
	r := &reader{path: path, db: conn.db, opts: opts, countOnly: countOnly}
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
	if f.Library == LibPyrogram && f.Schema == 3 && snap.wal {
		f.Library = LibHydrogram
		f.Notes = append(f.Notes, "Pyrogram schema 3 in WAL mode: hydrogram (Pyrogram itself uses a rollback journal)")
	}
	return f, nil
}

type reader struct {
	path string
	db   *memDB
	opts ReadOptions
	// countOnly counts the entity cache instead of reading it (string
	// targets, which drop it anyway).
	countOnly bool
	tables    map[string]bool   // table name (lower case) → exists (views are not tables)
	data      map[string]*table // SELECT * results, loaded on first use
}

func (r *reader) errorf(sentinel error, format string, args ...any) error {
	return fileError(r.path, sentinel, format, args...)
}

// wipe clears every blob read (auth keys).
func (r *reader) wipe() {
	for _, t := range r.data {
		t.wipe()
	}
}

func (r *reader) read() (*File, error) {
	r.tables = map[string]bool{}
	r.data = map[string]*table{}
	if r.countOnly {
		if f, ok, err := r.fastTelethon(); ok {
			return f, err
		}
		r.wipe()
		r.data = map[string]*table{}
	}
	// Views are not tables: a view named "sessions" is not read.
	t, err := r.db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return nil, sqliteError(r.path, err)
	}
	var names []string
	for _, row := range t.rows {
		name, _ := asText(row[0])
		names = append(names, name)
		r.tables[strings.ToLower(name)] = true
	}
	switch {
	case r.has("datacenter", "id", "auth") && r.has("version", "version"):
		return r.readTelethonV2()
	case r.has("sessions", "dc_id", "auth_key") && r.hasAny("sessions", "test_mode", "user_id", "is_bot"):
		return r.readPyrogram()
	case r.has("sessions", "dc_id", "auth_key", "server_address", "port"):
		return r.readTelethon()
	}
	sort.Strings(names)
	if len(names) > 12 {
		names = append(names[:12], "…")
	}
	if len(names) == 0 {
		return nil, r.errorf(ErrUnknownSchema, "the database has no tables")
	}
	return nil, r.errorf(ErrUnknownSchema, "tables %s are not those of Telethon or the Pyrogram family", strings.Join(names, ", "))
}

// selectAll returns every row of table with all its columns (SELECT *,
// which also gives the column names), cached.
func (r *reader) selectAll(table string) (*table, error) {
	if t, ok := r.data[table]; ok {
		return t, nil
	}
	t, err := r.db.query("SELECT * FROM " + quoteIdent(table))
	if err != nil {
		return nil, sqliteError(r.path, err)
	}
	r.data[table] = t
	return t, nil
}

// columns returns the lower-cased column names of table, or nil if there
// is no such table. Small tables are read whole; tables whose rows are not
// needed (caches) are probed with LIMIT 0.
func (r *reader) columns(name string) []string {
	if !r.tables[name] {
		return nil
	}
	if t, ok := r.data[name]; ok {
		return t.cols
	}
	switch name {
	case "sessions", "datacenter", "version", "user", "state":
		if t, err := r.selectAll(name); err == nil {
			return t.cols
		}
		return nil
	}
	t, err := r.db.query("SELECT * FROM " + quoteIdent(name) + " LIMIT 0")
	if err != nil {
		return nil
	}
	return t.cols
}

// has reports whether table exists with all of cols.
func (r *reader) has(table string, cols ...string) bool {
	have := r.columns(table)
	if have == nil {
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

// versionNumber returns the first row of version.<col>, if any.
func (r *reader) versionNumber(col string) (int, bool) {
	if !r.has("version", col) {
		return 0, false
	}
	t, err := r.selectAll("version")
	if err != nil || len(t.rows) == 0 {
		return 0, false
	}
	n, ok := asInt(t.get(t.rows[0], col))
	return int(n), ok
}

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

// ---------------------------------------------------------------- Telethon 1.x

// telethonStructure is the schema version implied by Telethon's tables
// (FORMATS.md §2 version history).
func (r *reader) telethonStructure() int {
	if r.tables["entities"] && !r.countOnly {
		_, _ = r.selectAll("entities") // read anyway: SELECT * gives the columns
	}
	switch {
	case r.has("entities", "date"):
		return 7
	case r.has("sessions", "takeout_id"):
		return 5 // or 6: the 5→6 step only emptied entities
	case r.tables["update_state"]:
		return 4
	case r.has("sent_files", "type"):
		return 3
	case r.tables["sent_files"]:
		return 2
	}
	return 1
}

func (r *reader) readTelethon() (*File, error) {
	f := &File{Library: LibTelethon}
	if v, ok := r.versionNumber("version"); ok {
		f.Schema = v
		// Cross-checking the tables costs extra queries when only the
		// session is wanted; skip it then.
		if !r.countOnly {
			if structure := r.telethonStructure(); v != structure && !(v == 6 && structure == 5) {
				f.Notes = append(f.Notes, fmt.Sprintf("version table says %d, the tables look like version %d", v, structure))
			}
		}
	} else {
		f.Schema = r.telethonStructure()
		f.Notes = append(f.Notes, "no version row: schema inferred from the tables")
	}
	t, err := r.selectAll("sessions")
	if err != nil {
		return nil, err
	}
	if err := r.telethonSession(t, f); err != nil {
		return nil, err
	}
	if err := r.readEntities(f); err != nil {
		return nil, err
	}
	if r.tables["update_state"] {
		st, err := r.selectAll("update_state")
		if err != nil {
			return nil, err
		}
		if st.col("id") >= 0 && st.col("pts") >= 0 {
			f.UpdateState = telethonState(st, "id", 0)
		}
	}
	return f, nil
}

// fastTelethon is the countOnly path for the common case, a Telethon 1.x
// file with version, entities and update_state tables: two queries instead
// of five. ok = false means it is not that case, and the file is read the
// general way.
func (r *reader) fastTelethon() (f *File, ok bool, err error) {
	t, err := r.db.query("SELECT * FROM sessions")
	if err != nil {
		return nil, false, nil
	}
	r.data["sessions"] = t
	for _, c := range []string{"dc_id", "auth_key", "server_address", "port"} {
		if t.col(c) < 0 {
			return nil, false, nil
		}
	}
	for _, c := range []string{"test_mode", "user_id", "is_bot"} {
		if t.col(c) >= 0 {
			return nil, false, nil
		}
	}
	x, err := r.db.query("SELECT (SELECT version FROM version), (SELECT count(*) FROM entities), (SELECT count(*) FROM update_state), " +
		"(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('sessions', 'version', 'entities', 'update_state'))")
	if err != nil {
		return nil, false, nil
	}
	v, ok1 := asInt(x.rows[0][0])
	n, ok2 := asInt(x.rows[0][1])
	u, ok3 := asInt(x.rows[0][2])
	if tables, _ := asInt(x.rows[0][3]); !ok1 || !ok2 || !ok3 || tables != 4 {
		return nil, false, nil // views, or missing tables
	}
	f = &File{Library: LibTelethon, Schema: int(v), cacheCount: int(n), stateCount: int(u)}
	if err := r.telethonSession(t, f); err != nil {
		return nil, true, err
	}
	return f, true, nil
}

// telethonSession reads the session row of Telethon's sessions table t.
func (r *reader) telethonSession(t *table, f *File) error {
	pick, others, err := r.pickRow(t, "dc_id", "auth_key")
	if err != nil {
		return err
	}
	s := &codec.Session{Source: codec.Telethon, Layout: fmt.Sprintf("sqlite-v%d", f.Schema), DC: pick.dc}
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

// telethonState builds an UpdateState from update_state rows: row idCol =
// account is the account state, every other row a channel.
func telethonState(t *table, idCol string, account int64) *UpdateState {
	var u UpdateState
	found := false
	for _, row := range t.rows {
		id, ok := asInt(t.get(row, idCol))
		if !ok {
			continue
		}
		pts, _ := asInt(t.get(row, "pts"))
		if id != account {
			c := ChannelState{ID: id, PTS: pts}
			if d, ok := asFloat(t.get(row, "date")); ok {
				c.Date = codec.Some(d)
			}
			u.Channels = append(u.Channels, c)
			continue
		}
		found = true
		u.PTS = pts
		u.QTS, _ = asInt(t.get(row, "qts"))
		u.Seq, _ = asInt(t.get(row, "seq"))
		u.Date, _ = asFloat(t.get(row, "date"))
	}
	if !found && len(u.Channels) == 0 {
		return nil
	}
	return &u
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

func (r *reader) readEntities(f *File) error {
	if !r.tables["entities"] {
		return nil
	}
	if r.countOnly {
		var err error
		f.cacheCount, err = r.count("entities")
		return err
	}
	t, err := r.selectAll("entities")
	if err != nil {
		return err
	}
	if t.col("id") < 0 {
		return nil
	}
	skipped := 0
	for _, row := range t.rows {
		id, ok := asInt(t.get(row, "id"))
		if !ok || id == 0 {
			skipped++
			continue
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
		if KindOf(id) == KindChat {
			e.Type = PeerGroup
		}
		f.Entities = append(f.Entities, e)
	}
	if skipped > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("skipped %d entities rows without an integer id", skipped))
	}
	return nil
}

// ----------------------------------------------------------------- Telethon v2

func (r *reader) readTelethonV2() (*File, error) {
	f := &File{Library: LibTelethonV2}
	f.Schema, _ = r.versionNumber("version")
	if f.Schema != 10 {
		f.Notes = append(f.Notes, fmt.Sprintf("version table says %d; read as Telethon v2's version 10", f.Schema))
	}
	t, err := r.selectAll("datacenter")
	if err != nil {
		return nil, err
	}
	defer t.wipe()

	// Telethon v2 connects to user.dc, or to DC 2 when there is no user
	// row (client/client/net.py connect: DEFAULT_DC = 2).
	var user []driver.Value
	var ut *table
	if r.has("user", "id", "dc") {
		if ut, err = r.selectAll("user"); err != nil {
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
	s := &codec.Session{Source: codec.Telethon, Layout: "sqlite-v10", DC: pick.dc}
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
		st, err := r.selectAll("state")
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
		ct, err := r.selectAll("channelstate")
		if err != nil {
			return nil, err
		}
		if len(ct.rows) > 0 && f.UpdateState == nil {
			f.UpdateState = &UpdateState{}
		}
		for _, row := range ct.rows {
			id, ok := asInt(ct.get(row, "id"))
			pts, ok2 := asInt(ct.get(row, "pts"))
			if ok && ok2 {
				f.UpdateState.Channels = append(f.UpdateState.Channels, ChannelState{ID: id, PTS: pts})
			}
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

func (r *reader) readPyrogram() (*File, error) {
	f := &File{}
	version, hasVersion := r.versionNumber("number")
	kuriNames := r.has("usernames", "id", "username")
	forkNames := r.has("usernames", "id", "peer_id")
	updates := r.tables["update_state"]
	var structure int
	switch {
	case r.has("sessions", "server_address", "port"):
		f.Library, structure = LibKurigram, 7
		f.Notes = append(f.Notes, "kurigram schema 7 (irenogram 7 writes the same schema)")
	case kuriNames:
		f.Library, structure = LibKurigram, 4
		if updates {
			structure = 5
		}
		if r.hasIndex("idx_usernames_id") {
			structure = 6
		}
	case forkNames || updates:
		f.Library, structure = LibPyrofork, 4
	case r.has("sessions", "api_id"):
		f.Library, structure = LibPyrogram, 3
	default:
		f.Library, structure = LibPyrogram, 2
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

	t, err := r.selectAll("sessions")
	if err != nil {
		return nil, err
	}
	defer t.wipe()
	pick, others, err := r.pickRow(t, "dc_id", "auth_key")
	if err != nil {
		return nil, err
	}
	if err := r.checkDC(pick.dc); err != nil {
		return nil, err
	}
	s := &codec.Session{Source: codec.Pyrogram, Layout: fmt.Sprintf("sqlite-v%d", f.Schema), DC: pick.dc}
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
		if ut, err := r.selectAll("update_state"); err == nil && len(ut.rows) > 0 {
			f.Notes = append(f.Notes, fmt.Sprintf("%d update_state rows not read (their meaning differs between forks)", len(ut.rows)))
		}
	}
	return f, nil
}

func (r *reader) hasIndex(name string) bool {
	t, err := r.db.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", name)
	return err == nil && len(t.rows) > 0
}

func (r *reader) readPeers(f *File, kuriNames, forkNames bool) error {
	if !r.tables["peers"] {
		return nil
	}
	if r.countOnly {
		var err error
		f.cacheCount, err = r.count("peers")
		return err
	}
	t, err := r.selectAll("peers")
	if err != nil {
		return err
	}
	if t.col("id") < 0 {
		return nil
	}
	index := map[int64]int{}
	skipped := 0
	for _, row := range t.rows {
		id, ok := asInt(t.get(row, "id"))
		if !ok || id == 0 {
			skipped++
			continue
		}
		e := Entity{ID: id}
		if h, ok := asInt(t.get(row, "access_hash")); ok {
			e.AccessHash = codec.Some(h)
		}
		if typ, ok := asText(t.get(row, "type")); ok {
			e.Type = PeerType(strings.ToLower(typ))
		}
		e.Username, _ = asText(t.get(row, "username"))
		e.Phone, _ = asText(t.get(row, "phone_number"))
		if d, ok := asTime(t.get(row, "last_update_on")); ok {
			e.Date = codec.Some(d)
		}
		index[id] = len(f.Entities)
		f.Entities = append(f.Entities, e)
	}
	if skipped > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("skipped %d peers rows without an integer id", skipped))
	}
	// Further usernames. kurigram: usernames(id = peer id, username);
	// pyrofork: usernames(id = username, peer_id).
	var q string
	switch {
	case kuriNames:
		q = "SELECT id, username FROM usernames ORDER BY rowid"
	case forkNames:
		q = "SELECT peer_id, id FROM usernames ORDER BY rowid"
	default:
		return nil
	}
	u, err := r.db.query(q)
	if err != nil {
		// A usernames table declared WITHOUT ROWID has no rowid.
		if u, err = r.db.query(strings.TrimSuffix(q, " ORDER BY rowid")); err != nil {
			return sqliteError(r.path, err)
		}
	}
	orphans := 0
	for _, row := range u.rows {
		id, ok := asInt(row[0])
		name, ok2 := asText(row[1])
		if !ok || !ok2 || name == "" {
			continue
		}
		i, ok := index[id]
		if !ok {
			orphans++
			continue
		}
		e := &f.Entities[i]
		switch {
		case e.Username == "":
			e.Username = name
		case e.Username != name && !slices.Contains(e.Usernames, name):
			e.Usernames = append(e.Usernames, name)
		}
	}
	if orphans > 0 {
		f.Notes = append(f.Notes, fmt.Sprintf("%d usernames rows name no cached peer and were skipped", orphans))
	}
	return nil
}
