package stores

import (
	"context"
	"slices"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
)

// Caps on what one call reads. A store holding more is refused with
// [ErrTooLarge] before the excess is read where the server allows it
// (Redis STRLEN, SQL LIMIT and SUBSTR, MongoDB cursor limits).
const (
	// MaxValueSize caps one stored value: a Redis string or hash field, a
	// text or binary SQL column, a BSON string or binary. A session value
	// is about 500 bytes.
	MaxValueSize = 1 << 20
	// MaxTotalSize caps the bytes of all values read for one session
	// (entity caches included), the same cap as compat's file size limit.
	MaxTotalSize = 256 << 20
	// MaxEntities caps the cached entities (peers) read for one session.
	MaxEntities = 500_000
	// MaxStates caps the update-state rows read for one session.
	MaxStates = 100_000
	// MaxNames caps the session names one List returns.
	MaxNames = 1_000_000
	// MaxNameLen caps a session name, in bytes: alchemysession's
	// session_id is VARCHAR(255).
	MaxNameLen = 255
)

// Store is one kind's view of a server or file holding sessions. Every
// method takes a context that bounds it; a Store is safe for concurrent use
// by several goroutines.
type Store interface {
	// Read returns the session stored under name. It never writes to the
	// store. It returns an [*Error] wrapping [ErrNotFound] when the name
	// holds no session with an auth key.
	Read(ctx context.Context, name string) (*Record, error)
	// Write stores r under name in one atomic step (a transaction; for
	// MongoDB the session document is written last). It returns an
	// [*Error] wrapping [ErrExists] if a session exists under name and
	// replace is false, and then changes nothing. Fields of r the layout
	// cannot hold (see the kind's Holds) are not written.
	Write(ctx context.Context, name string, r *Record, replace bool) error
	// List returns the names of the sessions the store holds, sorted. It
	// never writes to the store.
	List(ctx context.Context) ([]string, error)
	// Close releases the connections.
	Close() error
}

// Record is one session as a store holds it, in the shape of the project's
// stored-session model: the session (DC, address, key and what the layout
// holds of api id, user id, bot flag and test mode), the entity cache and
// the update state. Each store package maps its rows, keys or documents to
// a Record in one file (model.go).
//
// A Record never prints its key: Session redacts itself and Record has no
// other field that holds key bytes.
type Record struct {
	// Session is the session. Source and Layout are left unset.
	Session *codec.Session
	// Layout names the layout within the kind that was read, or that Write
	// wrote: "alchemysession", "mautrix", "teleredis", "teleredis-0.1.0",
	// "tguserbot", "telemongo-0.2.2", "telemongo-0.2.1", "pyrofork",
	// "pyromongo".
	Layout string
	// Entities is the entity (peer) cache.
	Entities []compat.Entity
	// States are the update-state rows: the account's common state
	// (Channel 0) and per-channel states.
	States []State
	// TakeoutID is Telethon's takeout id.
	TakeoutID codec.Optional[int64]
	// Date is the Pyrogram family's session date, in Unix seconds.
	Date codec.Optional[int64]
	// OtherDCs are the DCs of further keys the name holds that were not
	// read (an alchemysession name with several sessions rows).
	OtherDCs []int
	// Notes are human-readable remarks about what was read: rows skipped,
	// layout oddities, data not carried. They never quote stored values.
	Notes []string
}

// State is one update-state row.
type State struct {
	// Channel is 0 for the account's common state, else the bare
	// (unmarked) channel id.
	Channel int64
	// PTS, QTS, Seq and Date (Unix seconds) are the state's values; a
	// channel row holds only PTS in Telethon (the others are 0) and all
	// four in the Pyrogram family.
	PTS, QTS, Seq, Date int64
	// UnreadCount is alchemysession's unread_count column.
	UnreadCount int64
}

// Wipe wipes the session's key.
func (r *Record) Wipe() {
	if r != nil && r.Session != nil {
		r.Session.Wipe()
	}
}

// Clone returns a deep copy of r, with an independent key.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := *r
	if r.Session != nil {
		c.Session = r.Session.Clone()
	}
	c.Entities = make([]compat.Entity, len(r.Entities))
	for i, e := range r.Entities {
		e.Usernames = slices.Clone(e.Usernames)
		c.Entities[i] = e
	}
	c.States = slices.Clone(r.States)
	c.OtherDCs = slices.Clone(r.OtherDCs)
	c.Notes = slices.Clone(r.Notes)
	return &c
}

// Holds describes what a layout stores. A store kind's Kind value (for
// the converter) is built from it; [Holds.Unheld] lists what a given
// record would lose.
type Holds struct {
	Address, Port                          bool // server_address, port
	APIID, UserID, IsBot, TestMode         bool // api_id, user_id, is_bot, test_mode
	TakeoutID, Date                        bool // takeout_id, date
	Entities                               bool // an entity cache at all
	EntityUsername, EntityUsernames        bool // main username; further usernames
	EntityPhone, EntityName                bool // phone; display name
	EntityType, EntityDate                 bool // peer type; cache date
	EntityNoHash                           bool // a user or channel without an access hash (Telethon's layouts drop it)
	CommonState, ChannelState, ChannelFull bool // update state: common; per channel pts; per channel qts/seq/date
}

// Unheld returns the names of the fields r holds that h cannot: the
// snake-case names the conversion report uses ("server_address",
// "entities.name", "update_state.channels", …), in a fixed order.
func (h Holds) Unheld(r *Record) []string {
	var out []string
	add := func(held bool, present bool, name string) {
		if !held && present {
			out = append(out, name)
		}
	}
	if s := r.Session; s != nil {
		add(h.Address, s.ServerAddress != "", "server_address")
		add(h.Port, s.Port != 0, "port")
		add(h.APIID, s.APIID.Known(), "api_id")
		add(h.UserID, s.UserID.Known(), "user_id")
		add(h.IsBot, s.IsBot.Known(), "is_bot")
		add(h.TestMode, s.TestMode.Known(), "test_mode")
	}
	add(h.TakeoutID, r.TakeoutID.Known(), "takeout_id")
	add(h.Date, r.Date.Known(), "date")
	add(h.Entities, len(r.Entities) > 0, "entities")
	if h.Entities {
		var user, users, phone, name, typ, date, nohash bool
		for _, e := range r.Entities {
			nohash = nohash || (!e.AccessHash.Known() && peerid.Of(e.ID) != peerid.Chat)
			user = user || e.Username != ""
			users = users || len(e.Usernames) > 0
			phone = phone || e.Phone != ""
			name = name || e.Name != ""
			typ = typ || (e.Type != "" && e.Type != compat.PeerGroup)
			date = date || e.Date.Known()
		}
		add(h.EntityUsername, user, "entities.username")
		add(h.EntityUsernames, users, "entities.usernames")
		add(h.EntityPhone, phone, "entities.phone")
		add(h.EntityName, name, "entities.name")
		add(h.EntityType, typ, "entities.type")
		add(h.EntityDate, date, "entities.date")
		// Telethon's layouts store a hash for every entity: users and
		// channels without one are left out.
		add(h.EntityNoHash, nohash, "entities.without_access_hash")
	}
	var common, channels, full bool
	for _, s := range r.States {
		if s.Channel == 0 {
			common = true
			continue
		}
		channels = true
		full = full || s.QTS != 0 || s.Seq != 0
	}
	add(h.CommonState, common, "update_state")
	add(h.ChannelState, channels, "update_state.channels")
	if h.ChannelState {
		add(h.ChannelFull, full, "update_state.channels.qts_seq")
	}
	return out
}
