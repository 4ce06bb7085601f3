package model

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/peerid"
)

// Target is what [ConvertWith] produces: a string session (Format set) or a
// session database (Kind set); or what [Shape] shapes a session for: any
// of those or a session store's layout (Store set). Exactly one of the
// three is set.
type Target struct {
	Format codec.Format
	Kind   Kind
	Store  *StoreLayout
}

// StoreLayout describes the layout of a session store (rows in SQL tables,
// Redis keys, MongoDB documents) as a conversion target: what its library
// needs and what it can hold. Each store package describes its layouts;
// [Shape] shapes a Stored for one, reporting every field it cannot hold,
// and the store package writes the result.
type StoreLayout struct {
	// Name is the target's name in the report ("telethon-sqlalchemy").
	Name string
	// Like is the file kind whose rules the layout's library follows for
	// the values it needs and for its entity cache: TelethonSQLite for
	// Telethon's stores, PyroforkSQLite for the Pyrogram family's.
	Like Kind
	// Holds names what the layout stores, by the report's names: the
	// session fields "server_address", "port", "ipv6", "api_id",
	// "user_id", "is_bot" and "test_mode"; "takeout_id" and "date" (the
	// Pyrogram family's session date); "entities" (an entity cache, by
	// Like's rules) and "entities.date" (the date of each cached entity);
	// "update_state" (the common and per-channel states, every value).
	// A layout that holds a server address is given one from the DC
	// table when the source has none.
	Holds []string
}

// storeHoldNames are the names a StoreLayout's Holds may list.
var storeHoldNames = []string{"server_address", "port", "ipv6", "api_id", "user_id", "is_bot", "test_mode",
	"takeout_id", "date", "entities", "entities.date", "update_state"}

// ParseTarget returns the target named name: a string format name (see
// [codec.ParseFormat]: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute,
// gotd) or a kind (telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
// pyrofork-sqlite, kurigram-sqlite).
func ParseTarget(name string) (Target, error) {
	if k, err := parseKind(name); err == nil {
		return Target{Kind: k}, nil
	}
	if f, err := codec.ParseFormat(name); err == nil {
		return Target{Format: f}, nil
	}
	names := make([]string, 0, len(codec.Formats())+len(allKinds))
	for _, f := range codec.Formats() {
		names = append(names, f.String())
	}
	for _, k := range allKinds {
		names = append(names, k.String())
	}
	return Target{}, fmt.Errorf("compat: unknown target (want one of %s): %w", strings.Join(names, ", "), codec.ErrUnknownFormat)
}

// IsFile reports whether t is a session database.
func (t Target) IsFile() bool { return t.Kind != 0 }

// String returns the target's name.
func (t Target) String() string {
	switch {
	case t.Store != nil:
		return t.Store.Name
	case t.IsFile():
		return t.Kind.String()
	}
	return t.Format.String()
}

// rules returns the kind whose rules apply to t: a file's kind, a store
// layout's Like, or 0 for a string.
func (t Target) rules() Kind {
	if t.Store != nil {
		return t.Store.Like
	}
	return t.Kind
}

// holds reports whether t stores field (a report name): what a store
// layout lists, what a file kind holds.
func (t Target) holds(field string) bool {
	switch {
	case t.Store != nil:
		return slices.Contains(t.Store.Holds, field)
	case field == "takeout_id":
		return t.Kind == TelethonSQLite
	}
	return slices.Contains(fileHolds[t.Kind], field)
}

// MarshalText implements encoding.TextMarshaler.
func (t Target) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func (t Target) valid() bool {
	if t.Store != nil {
		for _, h := range t.Store.Holds {
			if !slices.Contains(storeHoldNames, h) {
				return false
			}
		}
		return t.Store.Name != "" && t.Store.Like.Schema() != 0 && t.Kind == 0 && t.Format == codec.FormatUnknown
	}
	if t.IsFile() {
		return t.Kind.Schema() != 0 && t.Format == codec.FormatUnknown
	}
	for _, f := range codec.Formats() {
		if f == t.Format {
			return true
		}
	}
	return false
}

// Options supplies what [ConvertWith] cannot take from the source.
type Options struct {
	// APIID, UserID, IsBot and TestMode supply values the source does not
	// hold. A supplied value that contradicts the source is an error
	// ([*ConflictError]); one that agrees with it changes nothing.
	APIID    codec.Optional[uint32]
	UserID   codec.Optional[int64]
	IsBot    codec.Optional[bool]
	TestMode codec.Optional[bool]
	// Source names the input in the [Report] (a file path); empty means
	// "string".
	Source string
	// Now is the clock used to judge cached usernames' age (for a note in
	// the report); nil means time.Now.
	Now func() time.Time
}

// Report says what a conversion did not carry over as it was: every field
// dropped, defaulted or supplied, and what happened to the entity cache and
// update state. It never holds key material.
type Report struct {
	// Source names the input: a file path, or "string".
	Source string `json:"source"`
	// From is the library (see Stored.Library) the input came from;
	// Schema its schema version (files).
	From   string `json:"from"`
	Schema int    `json:"schema,omitempty"`
	// To is the target's name.
	To string `json:"to"`
	// Changes lists fields dropped, defaulted or supplied, including
	// entity-cache fields ("entities", "peers.type", …).
	Changes []Change `json:"changes"`
	// EntitiesRead and EntitiesWritten count cached peers.
	EntitiesRead    int `json:"entities_read"`
	EntitiesWritten int `json:"entities_written"`
	// Notes are further remarks: what the reader noticed, and warnings
	// about how the target library will use the result.
	Notes []string `json:"notes,omitempty"`
}

// String renders the report for people, one item per line. The file name
// and values read from the file (a username) are escaped.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s", QuotePath(r.Source), r.From)
	if r.Schema != 0 {
		fmt.Fprintf(&b, ", schema %d", r.Schema)
	}
	fmt.Fprintf(&b, ") -> %s\n", r.To)
	for _, c := range r.Changes {
		c.Value = QuoteText(c.Value, 256)
		b.WriteString("  " + c.String() + "\n")
	}
	if r.EntitiesRead > 0 || r.EntitiesWritten > 0 {
		fmt.Fprintf(&b, "  entities: %d read, %d written\n", r.EntitiesRead, r.EntitiesWritten)
	}
	for _, n := range r.Notes {
		b.WriteString("  note: " + n + "\n")
	}
	return b.String()
}

func (r *Report) change(field string, kind ChangeKind, value, reason string) {
	r.Changes = append(r.Changes, Change{Field: field, Kind: kind, Value: value, Reason: reason})
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// ConvertWith is compat.Convert, whose documentation states the contract,
// with the SQLite writer passed in: marshal encodes the shaped Stored for a
// file target (compat passes compat.Marshal). With a nil marshal a file
// target is refused with an error wrapping [ErrNoSQLite], so that a caller
// that converts only to strings need not link SQLite.
func ConvertWith(in *Stored, to Target, opts Options, marshal func(*Stored, Kind) ([]byte, error)) ([]byte, *Report, error) {
	if to.Store != nil {
		return nil, nil, fmt.Errorf("compat: %s is a store layout: Shape the session and write it with its store: %w", to.Store.Name, codec.ErrUnknownFormat)
	}
	out, rep, err := Shape(in, to, opts)
	if err != nil {
		return nil, nil, err
	}
	defer out.Wipe()
	if to.IsFile() {
		if marshal == nil {
			return nil, nil, fmt.Errorf("compat: %s: %w", to.Kind, ErrNoSQLite)
		}
		b, err := marshal(out, to.Kind)
		if err != nil {
			return nil, nil, err
		}
		return b, rep, nil
	}
	text, err := out.Session.Encode(to.Format)
	if err != nil {
		var mf *codec.MissingFieldError
		if errors.As(err, &mf) {
			return nil, nil, &MissingError{Target: to.String(), Fields: []string{mf.Field}, Reasons: []string{""}}
		}
		return nil, nil, fmt.Errorf("compat: %s: %w", to, err)
	}
	return []byte(text), rep, nil
}

// Shape is [ConvertWith] (compat.Convert) without the encoding: it returns
// in shaped for target to, exactly as ConvertWith would encode it (values
// supplied, defaulted or filled from the DC table; fields, entities and
// update state the target cannot hold removed), and the same report. It never changes in; the
// result has its own key, which the caller wipes. A store layout target
// (Target.Store) is converted this way only: its store package writes the
// result.
func Shape(in *Stored, to Target, opts Options) (*Stored, *Report, error) {
	if !to.valid() {
		return nil, nil, fmt.Errorf("compat: invalid target: %w", codec.ErrUnknownFormat)
	}
	if in == nil || in.Session == nil {
		return nil, nil, fmt.Errorf("compat: no session to convert: %w", ErrNoSession)
	}
	out, rep, err := plan(in, opts.Source, to, opts)
	if err != nil {
		return nil, nil, err
	}
	if !to.IsFile() && to.Store == nil {
		rep.Changes = append(rep.Changes, changes(out.Session, to.Format)...)
	}
	return out, rep, nil
}

// fileHolds lists, per kind, the session fields it stores (the names of
// the report), from families.go.
var fileHolds = map[Kind][]string{
	TelethonSQLite:   telethonHolds,
	TelethonV2SQLite: telethonV2Holds,
	PyrogramSQLite:   pyrogramHolds,
	PyroforkSQLite:   pyroforkHolds,
	KurigramSQLite:   kurigramHolds,
}

// Which string formats need an address, a test-mode value, a user id, an
// api id (see each codec encoder).
func needsAddress(to Target) bool {
	if to.Store != nil {
		return to.holds("server_address")
	}
	if to.IsFile() {
		return to.Kind == TelethonSQLite || to.Kind == TelethonV2SQLite || to.Kind == KurigramSQLite
	}
	return to.Format == codec.Telethon || to.Format == codec.GramJS || to.Format == codec.Mtcute
}

func storesTestMode(to Target) bool {
	if to.Store != nil {
		return to.holds("test_mode")
	}
	if to.IsFile() {
		return to.Kind.pyrogramFamily()
	}
	switch to.Format {
	case codec.Pyrogram, codec.PyrogramLegacy, codec.Mtcute, codec.Gotd:
		return true
	}
	return false
}

// plan turns a copy of f into what the target will hold, and reports how.
func plan(src *Stored, source string, to Target, opts Options) (*Stored, *Report, error) {
	f := src.clone()
	ok := false
	defer func() {
		if !ok {
			f.Wipe()
		}
	}()
	s := f.Session
	if f.Library == "" && f.Kind == 0 {
		// A string session as decoded: the format is its library.
		f.Library = s.Source.String()
	}
	rep := &Report{Source: source, From: f.Library, Schema: f.Schema, To: to.String(), EntitiesRead: len(f.Entities) + f.cacheCount}
	if rep.Source == "" {
		rep.Source = "string"
	}
	rep.Notes = append(rep.Notes, f.Notes...)
	from := libraryName(f.Library)

	// 1. Values supplied by the caller.
	if err := supply(&s.APIID, opts.APIID, "api_id", rep); err != nil {
		return nil, nil, err
	}
	if err := supply(&s.UserID, opts.UserID, "user_id", rep); err != nil {
		return nil, nil, err
	}
	if err := supply(&s.IsBot, opts.IsBot, "is_bot", rep); err != nil {
		return nil, nil, err
	}
	if err := supply(&s.TestMode, opts.TestMode, "test_mode", rep); err != nil {
		return nil, nil, err
	}

	// 2. Test mode, where the target stores it.
	if storesTestMode(to) && !s.TestMode.Known() && s.ServerAddress != "" {
		if d, found := dcOfAddress(s.ServerAddress); found && d.ID == s.DC {
			s.TestMode = codec.Some(d.Test)
			kind := "a production"
			if d.Test {
				kind = "a test"
			}
			rep.change("test_mode", Defaulted, strconv.FormatBool(d.Test),
				fmt.Sprintf("not stored by %s; %s is %s DC %d address in the DC table", from, s.ServerAddress, kind, d.ID))
		}
	}

	// 3. The address.
	if needsAddress(to) {
		if err := fillAddress(s, to, from, rep); err != nil {
			return nil, nil, err
		}
	}

	// 4. Required values.
	miss := &MissingError{Target: to.String()}
	needUser := to.Format == codec.Pyrogram || to.Format == codec.PyrogramLegacy || to.rules().pyrogramFamily() ||
		(to.rules() == TelethonV2SQLite && s.DC != 2)
	if to.Store != nil && !to.holds("user_id") {
		needUser = false
	}
	if needUser && !s.UserID.Known() {
		why := "Pyrogram discards a session without one and logs in again"
		if to.Kind == TelethonV2SQLite {
			why = fmt.Sprintf("without a user row Telethon v2 starts on DC 2, not on DC %d", s.DC)
		}
		if to.Format == codec.Pyrogram || to.Format == codec.PyrogramLegacy {
			why = "the Pyrogram string packs it"
		}
		miss.add("user_id", why)
	}
	if to.Format == codec.Pyrogram && !s.APIID.Known() {
		miss.add("api_id", "the Pyrogram 2.x string packs it")
	}
	if len(miss.Fields) > 0 {
		return nil, nil, miss
	}

	if to.IsFile() || to.Store != nil {
		fileDefaults(f, to, from, rep)
		dropFields(s, to, rep)
		if s.Media != nil {
			rep.change("media_dc", Dropped, fmt.Sprintf("dc %d", s.Media.ID), to.String()+" stores no separate media DC")
		}
	}
	dropExtras(f, to, rep)
	carryEntities(f, to, opts, rep)
	carryState(f, to, rep)
	if v6, _ := s.IPv6.Get(); v6 && (to.Format == codec.Telethon || to.rules() == TelethonSQLite) {
		rep.note("the address is IPv6: Telethon 1.x keeps it only with TelegramClient(use_ipv6=True); otherwise it switches to DC 2's default IPv4 address and this key stops working on DC %d", s.DC)
	}
	if len(f.OtherDCs) > 0 {
		rep.change("other_dc_keys", Dropped, fmt.Sprintf("DCs %v", f.OtherDCs), "only the key of the chosen DC is converted")
	}
	ok = true
	return f, rep, nil
}

// libraryName is the human name of a Stored.Library or format name.
func libraryName(lib string) string {
	switch lib {
	case LibTelethon:
		return "Telethon"
	case LibTelethonV2:
		return "Telethon v2"
	case LibPyrogram, "pyrogram-legacy":
		return "Pyrogram"
	case LibPyrofork:
		return "pyrofork"
	case LibKurigram:
		return "kurigram"
	case LibHydrogram:
		return "hydrogram"
	case "gramjs":
		return "GramJS"
	case "mtcute":
		return "mtcute"
	case "gotd":
		return "gotd"
	}
	return lib
}

// supply applies an option to a session field, refusing contradictions.
func supply[T comparable](field *codec.Optional[T], opt codec.Optional[T], name string, rep *Report) error {
	want, ok := opt.Get()
	if !ok {
		return nil
	}
	if have, known := field.Get(); known {
		if have != want {
			return &ConflictError{Field: name, Given: fmt.Sprint(want), Held: fmt.Sprint(have)}
		}
		return nil
	}
	*field = opt
	rep.change(name, Supplied, fmt.Sprint(want), "given by the caller")
	return nil
}

// fillAddress gives s an address the target can hold.
func fillAddress(s *codec.Session, to Target, from string, rep *Report) error {
	test := s.TestMode.Or(false)
	table := func(ipv6 bool) (string, uint16, error) {
		a, p, ok := LookupDC(s.DC, test, ipv6)
		if !ok {
			return "", 0, fmt.Errorf("compat: %s needs a server address, the source has none and DC %d (test %v) is not in the DC table: %w", to, s.DC, test, codec.ErrMissingField)
		}
		return a, p, nil
	}
	hostName := s.ServerAddress != "" && !isIPLiteral(s.ServerAddress)
	switch {
	case s.ServerAddress == "" || (hostName && to.Format == codec.Telethon):
		a, p, err := table(false)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("not stored by %s; taken from the DC table (Pyrogram's data_center.py) for DC %d", from, s.DC)
		if hostName {
			reason = fmt.Sprintf("the source's host name %s cannot be stored in a Telethon string; taken from the DC table for DC %d", s.ServerAddress, s.DC)
		}
		rep.change("server_address", Defaulted, a, reason)
		s.ServerAddress, s.IPv6 = a, codec.Some(false)
		if s.Port == 0 || hostName {
			rep.change("port", Defaulted, strconv.Itoa(int(p)), "taken from the DC table with the address")
			s.Port = p
		}
	case s.Port == 0:
		_, p, err := table(IsIPv6(s))
		if err != nil {
			return err
		}
		rep.change("port", Defaulted, strconv.Itoa(int(p)), fmt.Sprintf("not stored by %s; taken from the DC table", from))
		s.Port = p
	}
	if !s.IPv6.Known() {
		s.IPv6 = codec.Some(strings.Contains(s.ServerAddress, ":"))
	}
	if to.Kind == TelethonV2SQLite && IsIPv6(s) {
		if a, p, ok := LookupDC(s.DC, test, false); ok {
			rep.change("ipv4_addr", Defaulted, JoinHostPort(a, p),
				"Telethon v2 connects through ipv4_addr only; taken from the DC table (the IPv6 address is kept in ipv6_addr)")
		} else {
			rep.note("ipv4_addr is NULL: Telethon v2 will use its own address for DC %d", s.DC)
		}
	}
	return nil
}

func isIPLiteral(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// fileDefaults fills the values a file kind needs and the source lacks.
func fileDefaults(f *Stored, to Target, from string, rep *Report) {
	s := f.Session
	kind := to.rules()
	if kind.pyrogramFamily() {
		if !s.TestMode.Known() && to.holds("test_mode") {
			s.TestMode = codec.Some(false)
			rep.change("test_mode", Defaulted, "false", fmt.Sprintf("not stored by %s; a production session is assumed", from))
		}
		if !s.IsBot.Known() && to.holds("is_bot") {
			s.IsBot = codec.Some(false)
			rep.change("is_bot", Defaulted, "false", fmt.Sprintf("not stored by %s; a user account is assumed", from))
		}
		if !s.APIID.Known() && to.holds("api_id") {
			rep.change("api_id", Defaulted, "NULL", "not known; Pyrogram reads NULL as unset and takes Client(api_id=…) (or asks for it) on start")
		}
	}
	if kind == TelethonV2SQLite && s.UserID.Known() && !s.IsBot.Known() {
		s.IsBot = codec.Some(false)
		rep.change("is_bot", Defaulted, "false", fmt.Sprintf("not stored by %s; Telethon v2's user.bot is NOT NULL and a user account is assumed", from))
	}
	if kind == TelethonV2SQLite && !s.UserID.Known() {
		rep.note("no user row: Telethon v2 starts on its default DC 2, which is this session's DC")
	}
}

// dropExtras reports the Telethon-only session extras the target cannot
// hold.
func dropExtras(f *Stored, to Target, rep *Report) {
	if v, ok := f.TakeoutID.Get(); ok && !to.holds("takeout_id") {
		rep.change("takeout_id", Dropped, strconv.FormatInt(v, 10), to.String()+" stores no takeout session id")
		f.TakeoutID = codec.None[int64]()
	}
	if f.selfUsername != "" && to.Kind != TelethonV2SQLite {
		rep.change("user.username", Dropped, f.selfUsername, to.String()+" stores no username of its own account")
	}
}

// dropFields reports the session fields s knows that a file kind or store
// layout cannot hold.
func dropFields(s *codec.Session, to Target, rep *Report) {
	target := to.String()
	drop := func(name, value, reason string) {
		if !to.holds(name) {
			rep.change(name, Dropped, value, reason)
		}
	}
	if s.ServerAddress != "" {
		drop("server_address", s.ServerAddress, target+" stores no address; the library derives one from the DC id")
	}
	if s.Port != 0 {
		drop("port", strconv.Itoa(int(s.Port)), target+" stores no port")
	}
	if v, ok := s.IPv6.Get(); ok {
		drop("ipv6", strconv.FormatBool(v), target+" stores no IPv6 flag")
	}
	if v, ok := s.TestMode.Get(); ok {
		drop("test_mode", strconv.FormatBool(v), target+" does not store test mode")
	}
	if v, ok := s.APIID.Get(); ok {
		drop("api_id", strconv.FormatUint(uint64(v), 10), target+" does not store the api_id")
	}
	if v, ok := s.UserID.Get(); ok {
		drop("user_id", strconv.FormatInt(v, 10), target+" does not store the user id")
	}
	if v, ok := s.IsBot.Get(); ok {
		drop("is_bot", strconv.FormatBool(v), target+" does not store whether the account is a bot")
	}
}

// usernameTTL is Pyrogram's SQLiteStorage.USERNAME_TTL.
const usernameTTL = 8 * 60 * 60

// carryEntities reports (and, where the writer's rules need it, adjusts)
// the entity cache for the target.
func carryEntities(f *Stored, to Target, opts Options, rep *Report) {
	n := len(f.Entities) + f.cacheCount
	if n == 0 {
		return
	}
	kind := to.rules()
	if kind == 0 || kind == TelethonV2SQLite || (to.Store != nil && !to.holds("entities")) {
		why := "string sessions carry no entity cache"
		switch {
		case to.Store != nil:
			why = to.Store.Name + " keeps no entity cache"
		case to.IsFile():
			why = "Telethon v2 keeps no entity cache in its session file"
		}
		rep.change("entities", Dropped, fmt.Sprintf("%d entities", n), why)
		f.Entities = nil
		return
	}
	var noHash, extraNames, names, types, defaulted, undated, expired, dated int
	byType := map[peerType]int{}
	mapped := map[peerType]int{}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	kept := f.Entities[:0]
	for _, e := range f.Entities {
		if e.Date.Known() {
			dated++
		}
		if kind == TelethonSQLite {
			if _, ok := TelethonHash(e); !ok {
				noHash++
				continue
			}
			extraNames += len(e.Usernames)
			switch e.Type {
			case peerUnknown, PeerUser, PeerGroup, PeerChannel:
			default:
				types++
			}
			kept = append(kept, e)
			continue
		}
		if _, ok := PyrogramHash(e); !ok {
			noHash++
			continue
		}
		if e.Name != "" {
			names++
		}
		if kind == PyrogramSQLite {
			extraNames += len(e.Usernames)
		}
		typ, byRule := PyrogramPeerType(e, kind)
		if byRule && e.Type == peerUnknown {
			byType[typ]++
			defaulted++
		} else if byRule {
			mapped[e.Type]++
		}
		if !e.Date.Known() {
			undated++
		} else if d, _ := e.Date.Get(); e.Username != "" && now().Unix()-d > usernameTTL {
			expired++
		}
		kept = append(kept, e)
	}
	f.Entities = kept
	rep.EntitiesWritten = len(kept)
	target := to.String()
	if noHash > 0 {
		rep.change("entities", Dropped, fmt.Sprintf("%d entities", noHash), "users or channels without an access hash, which "+target+" cannot resolve")
	}
	if extraNames > 0 {
		rep.change("usernames", Dropped, fmt.Sprintf("%d extra usernames", extraNames), target+" stores one username per peer")
	}
	if to.Store != nil && !to.holds("entities.date") && dated > 0 {
		rep.change("entities.date", Dropped, fmt.Sprintf("%d dates", dated), target+" stores no date per cached entity")
	}
	if kind == TelethonSQLite {
		if types > 0 {
			rep.change("peers.type", Dropped, fmt.Sprintf("%d types", types), "Telethon's entities table has no type column; it derives user/chat/channel from the id, so bots and supergroups are no longer marked as such")
		}
		return
	}
	if names > 0 {
		rep.change("entities.name", Dropped, fmt.Sprintf("%d names", names), "the Pyrogram family's peers table has no name column")
	}
	for _, t := range []peerType{PeerUser, PeerGroup, PeerChannel} {
		if c := byType[t]; c > 0 {
			rep.change("peers.type", Defaulted, string(t), fmt.Sprintf("%d entities of unknown type, chosen from the id (%s)", c, typeRule(t)))
		}
	}
	for _, t := range []peerType{"forum", "direct", "community"} {
		if c := mapped[t]; c > 0 {
			w, _ := PyrogramPeerType(Entity{ID: -peerid.ChannelMark - 1, Type: t}, kind)
			rep.change("peers.type", Defaulted, string(w), fmt.Sprintf("%d %q peers: %s does not know that type; it resolves %q identically (InputPeerChannel)", c, t, target, w))
		}
	}
	if undated > 0 {
		rep.change("peers.last_update_on", Defaulted, "time of writing", fmt.Sprintf("%d entities have no date; the column default applies", undated))
	}
	if expired > 0 {
		rep.note("%d cached usernames are older than 8 hours: the Pyrogram family treats them as expired and resolves those usernames through the API again (ids still resolve from the cache)", expired)
	}
}

func typeRule(t peerType) string {
	switch t {
	case PeerUser:
		return "Telethon does not record bot vs user; Pyrogram resolves \"user\" and \"bot\" to the same InputPeerUser"
	case PeerGroup:
		return "a basic group id"
	default:
		return "Telethon does not record channel vs supergroup; Pyrogram resolves both to the same InputPeerChannel"
	}
}

// carryState reports what happens to the update state and adjusts it.
func carryState(f *Stored, to Target, rep *Report) {
	u := f.UpdateState
	if u == nil {
		if f.stateCount > 0 {
			rep.change("update_state", Dropped, fmt.Sprintf("%d rows", f.stateCount), to.String()+" does not carry Telethon's update state; the client starts from a fresh state and does not replay updates missed while offline")
		}
		return
	}
	kind := to.rules()
	if to.Store != nil {
		if to.holds("update_state") {
			return
		}
		kind = 0 // dropped
	}
	switch kind {
	case TelethonSQLite:
		undated := 0
		for _, c := range u.Channels {
			if !c.Date.Known() {
				undated++
			}
		}
		if undated > 0 {
			rep.change("update_state", Dropped, fmt.Sprintf("%d channel states", undated), "Telethon 1.x needs a date for each channel state and the source stores none")
		}
	case TelethonV2SQLite:
		dated, counted := 0, 0
		for _, c := range u.Channels {
			if c.Date.Known() {
				dated++
			}
			if c.QTS != 0 || c.Seq != 0 {
				counted++
			}
		}
		if dated > 0 {
			rep.change("update_state", Dropped, fmt.Sprintf("%d channel dates", dated), "Telethon v2's channelstate stores only pts")
		}
		if counted > 0 {
			rep.change("update_state", Dropped, fmt.Sprintf("%d channel qts/seq values", counted), "Telethon v2's channelstate stores only pts")
		}
	default:
		rep.change("update_state", Dropped, fmt.Sprintf("pts %d, %d channels", u.PTS, len(u.Channels)), to.String()+" does not carry Telethon's update state; the client starts from a fresh state and does not replay updates missed while offline")
		f.UpdateState = nil
	}
}
