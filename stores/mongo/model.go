package mongo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// This file is the one mapping between the documents of both layouts and
// the stored-session model, [compat.Stored].

// channelMark is what Pyrogram adds to a channel id to mark it.
const channelMark = 1000000000000

// Documents are the raw documents of one session's database, for
// [Decode]: each a BSON document.
type Documents struct {
	// Collections are the database's collection names.
	Collections []string
	// Session is the session document (telemongo: the first of the
	// sessions collection; Pyrogram: session {_id: 0}).
	Session []byte
	// Entities are telemongo's entity documents or Pyrogram's peers.
	Entities [][]byte
	// Usernames are pyrofork's usernames documents.
	Usernames [][]byte
	// States are the update-state documents.
	States [][]byte
}

// Target returns the layout as a conversion target for [compat.Shape].
// telemongo stores the session's DC, address, port, key and takeout id,
// entities (id, hash, username, phone, name) by Telethon's rules and the
// update state; a missing address is filled from the DC table. Pyrogram's
// MongoStorage stores the DC, key, api id, test mode, session date, user
// id and bot flag (no address), peers by the pyrofork file's rules (with
// their usernames, type and date) and the update state; it needs the user
// id.
func (l Layout) Target() compat.Target {
	if l == Pyrogram {
		return compat.Target{Store: &compat.StoreLayout{Name: l.Kind(), Like: compat.PyroforkSQLite,
			Holds: []string{"api_id", "user_id", "is_bot", "test_mode", "date", "entities", "entities.date", "update_state"}}}
	}
	return compat.Target{Store: &compat.StoreLayout{Name: l.Kind(), Like: compat.TelethonSQLite,
		Holds: []string{"server_address", "port", "ipv6", "takeout_id", "entities", "update_state"}}}
}

// Decode builds the stored session from documents fetched from MongoDB
// (or from a dump), exactly as [Store.Read] does after fetching them.
// Entity and state documents that do not decode are skipped and counted
// in the notes.
func Decode(layout Layout, d Documents) (*compat.Stored, error) {
	if err := bson.Raw(d.Session).Validate(); err != nil {
		return nil, fmt.Errorf("the session document is not valid BSON: %w", stores.ErrBadValue)
	}
	var (
		r   *compat.Stored
		err error
	)
	switch layout {
	case Telemongo:
		r, err = decodeTelemongo(d)
	case Pyrogram:
		r, err = decodePyrogram(d)
	default:
		return nil, fmt.Errorf("unknown layout %d: %w", int(layout), stores.ErrLayout)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// --------------------------------------------------------------- telemongo

// telemongo 0.2.2 (telemongo.py, mongoengine; ints are int32 when they fit,
// None fields omitted):
//
//	telethon_sessions      {_id: ObjectId, dc_id, server_address, port, auth_key: BinData(0), takeout_id?}
//	telethon_entities      {_id: marked id, hash, username?, phone? (string), name?}
//	telethon_update_states {_id: 0 | channel id, pts, qts, date, seq}
//	version                {_id: ObjectId, version: 1}
//
// ≤ 0.2.1: session, entity, update_state, version (same fields).

// telemongoNames returns the collection names for the layout the database
// holds: 0.2.2's when it has telethon_sessions or holds neither.
func telemongoNames(collections []string) (sessions, entities, states, layout string) {
	if !slices.Contains(collections, "telethon_sessions") && slices.Contains(collections, "session") {
		return "session", "entity", "update_state", "telemongo-0.2.1"
	}
	return "telethon_sessions", "telethon_entities", "telethon_update_states", "telemongo-0.2.2"
}

func decodeTelemongo(d Documents) (*compat.Stored, error) {
	doc := bson.Raw(d.Session)
	if looksPyrogram(doc) {
		return nil, fmt.Errorf("the session document is a Pyrogram MongoStorage one (pyrogram-mongo): %w", stores.ErrLayout)
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon}}
	dc, err := intField(doc, "dc_id", true)
	if err != nil {
		return nil, err
	}
	if s.DC, err = check.DC("dc_id", dc); err != nil {
		return nil, err
	}
	if s.ServerAddress, err = strField(doc, "server_address", 256); err != nil {
		return nil, err
	}
	if err := check.Address("server_address", s.ServerAddress); err != nil {
		return nil, err
	}
	port, err := intField(doc, "port", false)
	if err != nil {
		return nil, err
	}
	if s.Port, err = check.Port("port", port); err != nil {
		return nil, err
	}
	if s.Key, err = keyField(doc); err != nil {
		return nil, err
	}
	_, _, _, layout := telemongoNames(d.Collections)
	r := &compat.Stored{Library: Telemongo.Kind(), Layout: layout, Session: s}
	if v := doc.Lookup("takeout_id"); v.Type != 0 && v.Type != bson.TypeNull {
		t, err := intField(doc, "takeout_id", true)
		if err != nil {
			return nil, err
		}
		r.TakeoutID = codec.Some(t)
	}
	bad := 0
	for _, raw := range d.Entities {
		e, err := telemongoEntity(bson.Raw(raw))
		if err != nil {
			bad++
			continue
		}
		r.Entities = append(r.Entities, e)
	}
	if bad > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d entity documents that do not decode", bad))
	}
	var states []state
	states, bad = decodeStates(d.States, false)
	r.UpdateState = updateState(states)
	if bad > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d update state documents that do not decode", bad))
	}
	return r, nil
}

func telemongoEntity(doc bson.Raw) (compat.Entity, error) {
	if err := doc.Validate(); err != nil {
		return compat.Entity{}, fmt.Errorf("invalid BSON: %w", stores.ErrBadValue)
	}
	id, err := intField(doc, "_id", true)
	if err != nil || id == 0 {
		return compat.Entity{}, fmt.Errorf("entity _id: %w", stores.ErrBadValue)
	}
	e := compat.Entity{ID: id}
	h, err := intField(doc, "hash", true)
	if err != nil {
		return compat.Entity{}, err
	}
	e.AccessHash = codec.Some(h)
	if e.Username, err = strField(doc, "username", 256); err != nil {
		return compat.Entity{}, err
	}
	if e.Name, err = strField(doc, "name", 4096); err != nil {
		return compat.Entity{}, err
	}
	if e.Phone, err = phoneField(doc, "phone"); err != nil {
		return compat.Entity{}, err
	}
	if peerid.Of(id) == peerid.Chat {
		e.Type = compat.PeerGroup
	}
	return e, nil
}

// telemongoSession returns the session document telemongo writes.
func telemongoSession(r *compat.Stored, id bson.ObjectID) bson.D {
	s := r.Session
	d := bson.D{{Key: "_id", Value: id}, {Key: "dc_id", Value: pyInt(int64(s.DC))}}
	if s.ServerAddress != "" {
		d = append(d, bson.E{Key: "server_address", Value: s.ServerAddress})
	}
	if s.Port != 0 {
		d = append(d, bson.E{Key: "port", Value: pyInt(int64(s.Port))})
	}
	d = append(d, bson.E{Key: "auth_key", Value: bson.Binary{Subtype: 0, Data: s.Key.Reveal()}})
	if t, ok := r.TakeoutID.Get(); ok {
		d = append(d, bson.E{Key: "takeout_id", Value: pyInt(t)})
	}
	return d
}

// telemongoEntities returns the entity documents telemongo writes (None
// fields omitted); entities Telethon cannot store (a user or channel
// without an access hash) are left out.
func telemongoEntities(es []compat.Entity) []any {
	var out []any
	seen := map[int64]bool{}
	for _, e := range slices.Backward(es) { // the last of one id wins
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		h, ok := e.AccessHash.Get()
		if !ok {
			if peerid.Of(e.ID) != peerid.Chat {
				continue
			}
			h = 0
		}
		d := bson.D{{Key: "_id", Value: pyInt(e.ID)}, {Key: "hash", Value: pyInt(h)}}
		if e.Username != "" {
			d = append(d, bson.E{Key: "username", Value: e.Username})
		}
		if e.Phone != "" {
			d = append(d, bson.E{Key: "phone", Value: e.Phone})
		}
		if e.Name != "" {
			d = append(d, bson.E{Key: "name", Value: e.Name})
		}
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}

// telemongoStates returns the update state documents (field order as
// mongoengine writes them).
func telemongoStates(u *compat.UpdateState) []any {
	var out []any
	for _, st := range stateRows(u) {
		out = append(out, bson.D{{Key: "_id", Value: pyInt(st.Channel)}, {Key: "pts", Value: pyInt(st.PTS)},
			{Key: "qts", Value: pyInt(st.QTS)}, {Key: "date", Value: pyInt(st.Date)}, {Key: "seq", Value: pyInt(st.Seq)}})
	}
	return out
}

// ---------------------------------------------------------------- Pyrogram

// pyrofork's MongoStorage (pyrogram/storage/mongo_storage.py), database =
// session name:
//
//	session      {_id: 0, dc_id, api_id, test_mode: bool, auth_key: BinData(0), date, user_id, is_bot: bool}
//	peers        {_id: marked id, access_hash, last_update_on, phone_number, type, username}
//	usernames    {_id: username, last_update_on, peer_id}
//	update_state {_id: 0 | marked channel id, date, pts, qts, seq}
//
// The session document's fields are in open()'s order; the others were
// written with $set upserts, which order fields by name. Ints are int32
// when they fit, else int64 (pymongo); the first is_bot is int32 0.

// looksPyrogram reports whether a session document is Pyrogram's: _id 0
// and an api_id, user_id or is_bot field.
func looksPyrogram(doc bson.Raw) bool {
	id := doc.Lookup("_id")
	if id.Type != bson.TypeInt32 && id.Type != bson.TypeInt64 {
		return false
	}
	for _, f := range []string{"api_id", "user_id", "is_bot", "test_mode"} {
		if doc.Lookup(f).Type != 0 {
			return true
		}
	}
	return false
}

func decodePyrogram(d Documents) (*compat.Stored, error) {
	doc := bson.Raw(d.Session)
	if !looksPyrogram(doc) {
		if doc.Lookup("server_address").Type != 0 || doc.Lookup("_id").Type == bson.TypeObjectID {
			return nil, fmt.Errorf("the session document is a telemongo one (telethon-mongo): %w", stores.ErrLayout)
		}
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon}}
	dc, err := intField(doc, "dc_id", true)
	if err != nil {
		return nil, err
	}
	if s.DC, err = check.DC("dc_id", dc); err != nil {
		return nil, err
	}
	if s.Key, err = keyField(doc); err != nil {
		return nil, err
	}
	s.Source = codec.Pyrogram
	r := &compat.Stored{Library: Pyrogram.Kind(), Layout: "pyromongo", Session: s}
	if slices.Contains(d.Collections, "usernames") || slices.Contains(d.Collections, "update_state") {
		r.Layout = "pyrofork"
	}
	var missing []string
	if v, ok, err := optInt(doc, "api_id"); err != nil {
		return nil, err
	} else if ok {
		if v <= 0 || v > math.MaxUint32 {
			return nil, fmt.Errorf("api_id %d out of range: %w", v, stores.ErrBadValue)
		}
		s.APIID = codec.Some(uint32(v))
	} else if doc.Lookup("api_id").Type == 0 {
		missing = append(missing, "api_id")
	}
	if v, ok, err := optInt(doc, "user_id"); err != nil {
		return nil, err
	} else if ok && v != 0 {
		s.UserID = codec.Some(v)
	} else if doc.Lookup("user_id").Type == 0 {
		missing = append(missing, "user_id")
	}
	for _, f := range []struct {
		name string
		dst  *codec.Optional[bool]
	}{{"test_mode", &s.TestMode}, {"is_bot", &s.IsBot}} {
		v, ok, err := optBool(doc, f.name)
		if err != nil {
			return nil, err
		}
		if ok {
			*f.dst = codec.Some(v)
		} else if doc.Lookup(f.name).Type == 0 {
			missing = append(missing, f.name)
		}
	}
	if v, ok, err := optInt(doc, "date"); err != nil {
		return nil, err
	} else if ok {
		r.Date = codec.Some(v)
	} else if doc.Lookup("date").Type == 0 {
		missing = append(missing, "date")
	}
	if len(missing) > 0 {
		r.Notes = append(r.Notes, "the session document lacks "+strings.Join(missing, ", ")+" (pyrofork raises KeyError on a missing field)")
	}
	// Further usernames, by peer.
	names := map[int64][]string{}
	bad := 0
	for _, raw := range d.Usernames {
		u := bson.Raw(raw)
		if u.Validate() != nil {
			bad++
			continue
		}
		name, err1 := strField(u, "_id", 256)
		peer, err2 := intField(u, "peer_id", true)
		if err1 != nil || err2 != nil || name == "" {
			bad++
			continue
		}
		names[peer] = append(names[peer], name)
	}
	for _, raw := range d.Entities {
		e, err := pyrogramPeer(bson.Raw(raw))
		if err != nil {
			bad++
			continue
		}
		for _, n := range names[e.ID] {
			if n != e.Username && !slices.Contains(e.Usernames, n) {
				e.Usernames = append(e.Usernames, n)
			}
		}
		r.Entities = append(r.Entities, e)
	}
	states, badStates := decodeStates(d.States, true)
	r.UpdateState = updateState(states)
	if bad+badStates > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("skipped %d peer, username or update state documents that do not decode", bad+badStates))
	}
	return r, nil
}

func pyrogramPeer(doc bson.Raw) (compat.Entity, error) {
	if err := doc.Validate(); err != nil {
		return compat.Entity{}, fmt.Errorf("invalid BSON: %w", stores.ErrBadValue)
	}
	id, err := intField(doc, "_id", true)
	if err != nil || id == 0 {
		return compat.Entity{}, fmt.Errorf("peer _id: %w", stores.ErrBadValue)
	}
	e := compat.Entity{ID: id}
	if h, ok, err := optInt(doc, "access_hash"); err != nil {
		return compat.Entity{}, err
	} else if ok {
		e.AccessHash = codec.Some(h)
	}
	t, err := strField(doc, "type", 32)
	if err != nil {
		return compat.Entity{}, err
	}
	e.Type = string(t)
	if e.Username, err = strField(doc, "username", 256); err != nil {
		return compat.Entity{}, err
	}
	if e.Phone, err = phoneField(doc, "phone_number"); err != nil {
		return compat.Entity{}, err
	}
	if d, ok, err := optInt(doc, "last_update_on"); err != nil {
		return compat.Entity{}, err
	} else if ok {
		e.Date = codec.Some(d)
	}
	return e, nil
}

// pyrogramSession returns the session document pyrofork's open() and
// accessors leave: the seven fields in open()'s order. It refuses a session
// without user id or bot flag (a *compat.MissingError): pyrofork treats
// such a session as empty and logs in again with a new key.
func pyrogramSession(r *compat.Stored) (bson.D, error) {
	s := r.Session
	uid, ok1 := s.UserID.Get()
	bot, ok2 := s.IsBot.Get()
	if !ok1 || !ok2 {
		// compat.Shape for Pyrogram.Target() fills or asks for both.
		miss := &compat.MissingError{Target: Pyrogram.Kind()}
		if !ok1 {
			miss.Fields, miss.Reasons = append(miss.Fields, "user_id"), append(miss.Reasons, "pyrofork discards a session without one and logs in again")
		}
		if !ok2 {
			miss.Fields, miss.Reasons = append(miss.Fields, "is_bot"), append(miss.Reasons, "pyrofork raises KeyError on a missing field")
		}
		return nil, fmt.Errorf("%w: %w", stores.ErrBadValue, miss)
	}
	var api any // None until the client sets it
	if a, ok := s.APIID.Get(); ok {
		api = pyInt(int64(a))
	}
	return bson.D{
		{Key: "_id", Value: int32(0)},
		{Key: "dc_id", Value: pyInt(int64(s.DC))},
		{Key: "api_id", Value: api},
		{Key: "test_mode", Value: s.TestMode.Or(false)},
		{Key: "auth_key", Value: bson.Binary{Subtype: 0, Data: s.Key.Reveal()}},
		{Key: "date", Value: pyInt(r.Date.Or(0))},
		{Key: "user_id", Value: pyInt(uid)},
		{Key: "is_bot", Value: bot},
	}, nil
}

// pyrogramPeers returns the peers and usernames documents. now is the
// last_update_on of entities without a date.
func pyrogramPeers(es []compat.Entity, now int64) (peers, usernames []any) {
	seen := map[int64]bool{}
	taken := map[string]bool{}
	for _, e := range slices.Backward(es) {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		var hash any
		if h, ok := e.AccessHash.Get(); ok && peerid.Of(e.ID) != peerid.Chat {
			hash = pyInt(h)
		}
		date := e.Date.Or(now)
		peers = append(peers, bson.D{
			{Key: "_id", Value: pyInt(e.ID)},
			{Key: "access_hash", Value: hash},
			{Key: "last_update_on", Value: pyInt(date)},
			{Key: "phone_number", Value: nullIfEmpty(e.Phone)},
			{Key: "type", Value: string(peerType(e))},
			{Key: "username", Value: nullIfEmpty(strings.ToLower(e.Username))},
		})
		// pyrofork keeps a peer's full usernames list (the main one
		// included) when Telegram sends one, i.e. when there are several.
		if len(e.Usernames) > 0 {
			for _, n := range append([]string{e.Username}, e.Usernames...) {
				n = strings.ToLower(n)
				if n == "" || taken[n] {
					continue
				}
				taken[n] = true
				usernames = append(usernames, bson.D{{Key: "_id", Value: n},
					{Key: "last_update_on", Value: pyInt(date)}, {Key: "peer_id", Value: pyInt(e.ID)}})
			}
		}
	}
	slices.Reverse(peers)
	return peers, usernames
}

// peerType is the stored type, or what the id says: Pyrogram builds the
// same InputPeer for user and bot, and for channel and supergroup.
func peerType(e compat.Entity) string {
	if e.Type != "" {
		return e.Type
	}
	switch peerid.Of(e.ID) {
	case peerid.Chat:
		return compat.PeerGroup
	case peerid.Channel:
		return compat.PeerChannel
	}
	return compat.PeerUser
}

// pyrogramStates returns the update_state documents ($set order: by name),
// channel ids marked.
func pyrogramStates(u *compat.UpdateState) []any {
	var out []any
	for _, st := range stateRows(u) {
		id := st.Channel
		if id != 0 {
			id = -(channelMark + id)
		}
		out = append(out, bson.D{{Key: "_id", Value: pyInt(id)}, {Key: "date", Value: pyInt(st.Date)},
			{Key: "pts", Value: pyInt(st.PTS)}, {Key: "qts", Value: pyInt(st.QTS)}, {Key: "seq", Value: pyInt(st.Seq)}})
	}
	return out
}

// ----------------------------------------------------------------- helpers

// state is one update-state document: Channel 0 is the account's common
// state, else the bare channel id.
type state struct {
	Channel             int64
	PTS, QTS, Seq, Date int64
}

// updateState returns the update state of the documents read (sorted by
// channel, the common state first), nil if there are none.
func updateState(states []state) *compat.UpdateState {
	if len(states) == 0 {
		return nil
	}
	u := &compat.UpdateState{}
	for _, st := range states {
		if st.Channel == 0 {
			u.PTS, u.QTS, u.Seq, u.Date = st.PTS, st.QTS, st.Seq, float64(st.Date)
			continue
		}
		u.Channels = append(u.Channels, compat.ChannelState{ID: st.Channel, PTS: st.PTS, QTS: st.QTS, Seq: st.Seq,
			Date: codec.Some(float64(st.Date))})
	}
	return u
}

// stateRows returns the documents' values for u: the common state, then
// each channel.
func stateRows(u *compat.UpdateState) []state {
	if u == nil {
		return nil
	}
	out := []state{{PTS: u.PTS, QTS: u.QTS, Seq: u.Seq, Date: int64(u.Date)}}
	for _, c := range u.Channels {
		d, _ := c.Date.Get()
		out = append(out, state{Channel: c.ID, PTS: c.PTS, QTS: c.QTS, Seq: c.Seq, Date: int64(d)})
	}
	return out
}

// decodeStates reads update state documents; marked says channel ids are
// marked (Pyrogram) rather than bare (Telethon).
func decodeStates(docs [][]byte, marked bool) ([]state, int) {
	var out []state
	bad := 0
	for _, raw := range docs {
		doc := bson.Raw(raw)
		if doc.Validate() != nil {
			bad++
			continue
		}
		id, err := intField(doc, "_id", true)
		if err != nil {
			bad++
			continue
		}
		if marked && id != 0 {
			if id > -channelMark {
				bad++
				continue
			}
			id = -id - channelMark
		}
		if id < 0 {
			bad++
			continue
		}
		st := state{Channel: id}
		ok := true
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"pts", &st.PTS}, {"qts", &st.QTS}, {"date", &st.Date}, {"seq", &st.Seq}} {
			v, _, err := optInt(doc, f.name)
			if err != nil {
				ok = false
			}
			*f.dst = v
		}
		if !ok {
			bad++
			continue
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b state) int {
		switch {
		case a.Channel < b.Channel:
			return -1
		case a.Channel > b.Channel:
			return 1
		}
		return 0
	})
	return out, bad
}

// pyInt returns n as pymongo encodes a Python int: int32 when it fits,
// else int64.
func pyInt(n int64) any {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		return int32(n)
	}
	return n
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// optInt reads an integer field: int32, int64, or a double holding an
// integer (Python floats written by other code). Missing or null is
// (0, false, nil).
func optInt(doc bson.Raw, name string) (int64, bool, error) {
	v := doc.Lookup(name)
	switch v.Type {
	case 0, bson.TypeNull:
		return 0, false, nil
	case bson.TypeInt32:
		return int64(v.Int32()), true, nil
	case bson.TypeInt64:
		return v.Int64(), true, nil
	case bson.TypeDouble:
		f := v.Double()
		if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return int64(f), true, nil
		}
	}
	return 0, false, fmt.Errorf("%s is a BSON %s, not an integer: %w", name, v.Type, stores.ErrBadValue)
}

func intField(doc bson.Raw, name string, required bool) (int64, error) {
	v, ok, err := optInt(doc, name)
	if err != nil {
		return 0, err
	}
	if !ok && required {
		return 0, fmt.Errorf("no %s: %w", name, stores.ErrBadValue)
	}
	return v, nil
}

// optBool reads a flag: a BSON boolean, or an int 0/1 (pyrofork's first
// is_bot is int32 0). Missing or null is (false, false, nil).
func optBool(doc bson.Raw, name string) (bool, bool, error) {
	v := doc.Lookup(name)
	switch v.Type {
	case 0, bson.TypeNull:
		return false, false, nil
	case bson.TypeBoolean:
		return v.Boolean(), true, nil
	}
	n, ok, err := optInt(doc, name)
	if err != nil || !ok || (n != 0 && n != 1) {
		return false, false, fmt.Errorf("%s is a BSON %s, not a boolean: %w", name, v.Type, stores.ErrBadValue)
	}
	return n == 1, true, nil
}

// strField reads a string field; missing or null is "".
func strField(doc bson.Raw, name string, max int) (string, error) {
	v := doc.Lookup(name)
	switch v.Type {
	case 0, bson.TypeNull:
		return "", nil
	case bson.TypeString:
		s, err := stringValue(v, name)
		if err != nil {
			return "", err
		}
		return s, check.Text(name, s, max)
	}
	return "", fmt.Errorf("%s is a BSON %s, not a string: %w", name, v.Type, stores.ErrBadValue)
}

// stringValue reads a BSON string without the driver's panic on a
// malformed one: Validate accepts a string whose length prefix is 0 (it
// must count at least the terminating NUL), and StringValue then panics.
func stringValue(v bson.RawValue, name string) (string, error) {
	s, ok := v.StringValueOK()
	if !ok {
		return "", fmt.Errorf("%s is a malformed BSON string: %w", name, stores.ErrBadValue)
	}
	return s, nil
}

// phoneField reads a phone number stored as a string (or an integer).
func phoneField(doc bson.Raw, name string) (string, error) {
	v := doc.Lookup(name)
	var text string
	switch v.Type {
	case 0, bson.TypeNull:
		return "", nil
	case bson.TypeString:
		s, err := stringValue(v, name)
		if err != nil {
			return "", err
		}
		text = s
	default:
		n, _, err := optInt(doc, name)
		if err != nil {
			return "", err
		}
		text = fmt.Sprint(n)
	}
	return check.Phone(name, text)
}

// keyField reads auth_key: binary subtype 0 (or the old subtype 2).
func keyField(doc bson.Raw) (codec.AuthKey, error) {
	v := doc.Lookup("auth_key")
	if v.Type == 0 || v.Type == bson.TypeNull {
		return codec.AuthKey{}, fmt.Errorf("no auth_key (a fresh or logged-out session): %w", stores.ErrNotFound)
	}
	sub, data, ok := v.BinaryOK()
	if !ok {
		return codec.AuthKey{}, fmt.Errorf("auth_key is a BSON %s, not binary: %w", v.Type, stores.ErrBadValue)
	}
	if sub != 0 && sub != 2 {
		return codec.AuthKey{}, fmt.Errorf("auth_key is binary subtype %d, not 0: %w", sub, stores.ErrBadValue)
	}
	return check.Key("auth_key", data)
}

// Encode returns the documents [Store.Write] writes for r, as BSON: the
// session document (telemongo's with a fresh ObjectId), the entities
// (telemongo) or peers, pyrofork's usernames, and the update state. The
// key copy in Session is the caller's to clear.
func Encode(layout Layout, r *compat.Stored, now int64) (Documents, error) {
	if r == nil || r.Session == nil || !r.Session.Key.IsSet() {
		return Documents{}, fmt.Errorf("the session holds no auth key: %w", stores.ErrBadValue)
	}
	var (
		sess                bson.D
		ents, names, states []any
		err                 error
	)
	switch layout {
	case Telemongo:
		sess = telemongoSession(r, bson.NewObjectID())
		ents, states = telemongoEntities(r.Entities), telemongoStates(r.UpdateState)
	case Pyrogram:
		if sess, err = pyrogramSession(r); err != nil {
			return Documents{}, err
		}
		ents, names = pyrogramPeers(r.Entities, now)
		states = pyrogramStates(r.UpdateState)
	default:
		return Documents{}, fmt.Errorf("unknown layout %d: %w", int(layout), stores.ErrLayout)
	}
	d := Documents{}
	if d.Session, err = bson.Marshal(sess); err != nil {
		return Documents{}, fmt.Errorf("encoding the session document: %w", stores.ErrBadValue)
	}
	wipeKey(sess)
	for _, list := range []struct {
		in  []any
		out *[][]byte
	}{{ents, &d.Entities}, {names, &d.Usernames}, {states, &d.States}} {
		for _, doc := range list.in {
			b, err := bson.Marshal(doc)
			if err != nil {
				return Documents{}, fmt.Errorf("encoding a document: %w", stores.ErrBadValue)
			}
			*list.out = append(*list.out, b)
		}
	}
	if layout == Pyrogram {
		d.Collections = []string{"peers", "session", "update_state", "usernames"}
	} else {
		d.Collections = []string{"telethon_entities", "telethon_sessions", "telethon_update_states", "version"}
	}
	return d, nil
}
