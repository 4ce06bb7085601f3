package model

import (
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// Library names reported in [Stored.Library] for a file (compat's readers
// set them).
const (
	LibTelethon   = "telethon"    // Telethon 1.x, schema versions 1–7
	LibTelethonV2 = "telethon-v2" // Telethon v2 alpha, schema version 10
	LibPyrogram   = "pyrogram"    // Pyrogram 0.15–2.x, schema versions 1–3
	LibPyrofork   = "pyrofork"    // pyrofork, schema version 4
	LibKurigram   = "kurigram"    // kurigram 4–7; irenogram 7 writes the same schema
	LibHydrogram  = "hydrogram"   // Pyrogram schema 3 in WAL mode
)

// Stored is a stored session: the session itself plus everything a client
// keeps beside it (entity cache, update state) and where it came from. It
// is the model the readers and writers use (compat.ReadFile and
// compat.Marshal for SQLite .session files, the store packages for
// stores) and that [ConvertWith] and [Shape] turn into what a target holds;
// a session decoded by codec is converted as &Stored{Session: s}.
//
// A Stored never prints its key: Session redacts itself, and Stored has no
// String method of its own that could reach the key.
type Stored struct {
	// Kind is the layout the session was read from (compat.ReadFile: the kind
	// whose schema the file has; hydrogram's is PyrogramSQLite), or 0 for
	// a string session or a store.
	Kind Kind
	// Layout names the layout within a store kind that a store read
	// ("alchemysession", "mautrix", "teleredis", "teleredis-0.1.0",
	// "tguserbot", "telemongo-0.2.2", "telemongo-0.2.1", "pyrofork",
	// "pyromongo"), empty for a file or a string session.
	Layout string
	// Library is the library that most likely wrote the source: for a
	// file one of "telethon", "telethon-v2", "pyrogram", "pyrofork",
	// "kurigram", "hydrogram" (a best guess from the tables, columns and
	// journal mode; Notes says when the evidence is ambiguous), for a
	// string session its format's name (Convert takes it from
	// Session.Source when empty), for a store its kind name
	// ("telethon-sqlalchemy", "pyrogram-mongo", …).
	Library string
	// Schema is the schema version the file declares in its version table
	// (Telethon: version.version; Pyrogram family: version.number), or the
	// version implied by its tables when there is no version row. Pyrogram
	// forks number their schemas independently (pyrofork 4 ≠ kurigram 4).
	Schema int
	// WAL reports whether the database is in WAL mode.
	WAL bool

	// Session is the session: DC, address, key, and what the file holds of
	// api id, user id, bot flag and test mode.
	Session *codec.Session

	// Entities is the entity cache: Telethon's entities table or the
	// Pyrogram family's peers (+ usernames) tables.
	Entities []Entity
	// UpdateState is the update state (Telethon version ≥ 4 update_state,
	// v2's state and channelstate, a store's update-state rows), nil if
	// the source has none. The Pyrogram forks' update_state tables in
	// .session files are not read: their channel ids and meaning differ
	// per fork.
	UpdateState *UpdateState
	// TakeoutID is Telethon's sessions.takeout_id.
	TakeoutID codec.Optional[int64]
	// Date is the Pyrogram family's session date (sessions.date, the
	// session document's date), in Unix seconds, when the source has one.
	Date codec.Optional[int64]
	// OtherDCs are the DCs of further keys the source holds that were not
	// read (a file or store name with keys for several DCs and one chosen).
	// Conversion reports them as dropped.
	OtherDCs []int

	// Notes are human-readable remarks about what was read: rows skipped,
	// schema oddities, data not carried.
	Notes []string

	// selfUsername is Telethon v2's user.username.
	selfUsername string
	// cacheCount is the number of cached peers when they were counted
	// rather than read (Entities is then empty).
	cacheCount int
	// stateCount is the number of update_state rows when they were
	// counted rather than read (UpdateState is then nil).
	stateCount int
}

// Entity is one cached peer: enough to build an InputPeer without asking
// Telegram (id and access hash), plus the keys the cache is searched by
// (username, phone, name).
type Entity struct {
	// ID is the marked peer id: a user id, −chat_id for a basic group,
	// −(1000000000000 + channel_id) for a channel or supergroup.
	ID int64
	// AccessHash is the peer's access hash. Basic groups have none
	// (Telethon stores 0, Pyrogram NULL).
	AccessHash codec.Optional[int64]
	// Username is the main username as stored (both libraries lower-case
	// it), empty if none.
	Username string
	// Usernames are further usernames (kurigram's and pyrofork's usernames
	// tables), in the order the file lists them.
	Usernames []string
	// Phone is the phone number as digits (Telethon may store it as an
	// INTEGER), empty if none.
	Phone string
	// Name is Telethon's display name, empty if none. Pyrogram stores none.
	Name string
	// Type is the peer type when the file records it (Pyrogram family), or
	// when the id alone decides it (a basic group): one of the Peer*
	// constants or a fork's own type. Otherwise "".
	Type string
	// Date is when the row was cached, in Unix seconds: Telethon's
	// entities.date or the Pyrogram family's last_update_on.
	Date codec.Optional[int64]
}

// peerType is a Pyrogram-family peer type, as stored in peers.type: one
// of the Peer* constants, or another value a fork writes.
type peerType = string

// Peer types, the values of Entity.Type. The forks add "direct", "forum" and "community" (kurigram)
// and "direct", "forum" (irenogram); such values are kept as they are.
const (
	peerUnknown    peerType = ""
	PeerUser       peerType = "user"
	PeerBot        peerType = "bot"
	PeerGroup      peerType = "group"
	PeerChannel    peerType = "channel"
	PeerSupergroup peerType = "supergroup"
)

// UpdateState is a stored update state: the account's common state and
// per-channel states.
type UpdateState struct {
	PTS, QTS, Seq int64
	// Date is the state's date in Unix seconds. Telethon writes a float;
	// fractional values are kept.
	Date float64
	// UnreadCount is alchemysession's unread_count column (0 elsewhere).
	UnreadCount int64
	// Channels are per-channel states, by bare (unmarked) channel id.
	Channels []ChannelState
}

// ChannelState is the state of one channel. Telethon uses its pts (and
// writes qts and seq as 0); the Pyrogram family's stores keep all four
// values.
type ChannelState struct {
	ID  int64 // bare channel id
	PTS int64
	// QTS and Seq are the row's qts and seq (0 where the layout keeps
	// none).
	QTS, Seq int64
	// Date is the row's date (Telethon 1.x stores one per channel;
	// Telethon v2 stores none).
	Date codec.Optional[float64]
	// UnreadCount is alchemysession's unread_count column.
	UnreadCount int64
}

// Kind is a session database layout that compat.Marshal and
// compat.WriteFile can write. Each kind's schema, reader and writer live in
// package compat, one file per library family (telethon.go,
// telethon_v2.go, pyrogram.go); what each kind holds is in families.go.
type Kind int

// Kinds. Their String values are the names the tgsession CLI accepts.
const (
	// TelethonSQLite is Telethon 1.x's schema version 7, exactly as
	// Telethon 1.25 creates it (docs/formats.md#telethon-sqlite).
	TelethonSQLite Kind = iota + 1
	// TelethonV2SQLite is Telethon v2's schema version 10.
	TelethonV2SQLite
	// PyrogramSQLite is Pyrogram 2.x's schema version 3 (also read by
	// hydrogram and the forks, which migrate it).
	PyrogramSQLite
	// PyroforkSQLite is pyrofork's schema version 4.
	PyroforkSQLite
	// KurigramSQLite is kurigram's schema version 7 (also irenogram's).
	KurigramSQLite
)

// allKinds lists every kind, in a stable order.
var allKinds = [...]Kind{TelethonSQLite, TelethonV2SQLite, PyrogramSQLite, PyroforkSQLite, KurigramSQLite}

// Kinds returns every kind, in a stable order. The slice is a new copy on
// each call.
func Kinds() []Kind {
	out := allKinds
	return out[:]
}

var kindNames = [...]string{
	TelethonSQLite:   "telethon-sqlite",
	TelethonV2SQLite: "telethon-v2-sqlite",
	PyrogramSQLite:   "pyrogram-sqlite",
	PyroforkSQLite:   "pyrofork-sqlite",
	KurigramSQLite:   "kurigram-sqlite",
}

// String returns the kind's name, e.g. "telethon-sqlite".
func (k Kind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Schema returns the schema version the kind writes.
func (k Kind) Schema() int {
	switch k {
	case TelethonSQLite:
		return 7
	case TelethonV2SQLite:
		return 10
	case PyrogramSQLite:
		return 3
	case PyroforkSQLite:
		return 4
	case KurigramSQLite:
		return 7
	}
	return 0
}

// KindOfLibrary returns the kind whose schema a file of library lib has.
func KindOfLibrary(lib string) Kind {
	switch lib {
	case LibTelethon:
		return TelethonSQLite
	case LibTelethonV2:
		return TelethonV2SQLite
	case LibPyrofork:
		return PyroforkSQLite
	case LibKurigram:
		return KurigramSQLite
	case LibPyrogram, LibHydrogram:
		return PyrogramSQLite
	}
	return 0
}

// pyrogramFamily reports whether k is one of the Pyrogram-family layouts.
func (k Kind) pyrogramFamily() bool {
	return k == PyrogramSQLite || k == PyroforkSQLite || k == KurigramSQLite
}

// parseKind returns the kind named name, as printed by [Kind.String].
func parseKind(name string) (Kind, error) {
	for _, k := range allKinds {
		if k.String() == name {
			return k, nil
		}
	}
	names := make([]string, len(allKinds))
	for i, k := range allKinds {
		names[i] = k.String()
	}
	return 0, fmt.Errorf("compat: unknown kind (want one of %s): %w", strings.Join(names, ", "), codec.ErrUnknownFormat)
}

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := parseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// clone returns a copy of f with its own Session (and key), entities and
// update state, so that conversion never changes the caller's Stored.
func (f *Stored) clone() *Stored {
	c := *f
	if f.Session != nil {
		c.Session = f.Session.Clone()
	}
	c.Entities = make([]Entity, len(f.Entities))
	for i, e := range f.Entities {
		e.Usernames = append([]string(nil), e.Usernames...)
		c.Entities[i] = e
	}
	if f.UpdateState != nil {
		u := *f.UpdateState
		u.Channels = append([]ChannelState(nil), u.Channels...)
		c.UpdateState = &u
	}
	c.Notes = append([]string(nil), f.Notes...)
	c.OtherDCs = append([]int(nil), f.OtherDCs...)
	return &c
}

// SelfUsername returns f's own username (Telethon v2's user.username), which
// has no exported field: it is kept for the writers and the report only.
func SelfUsername(f *Stored) string { return f.selfUsername }

// SetSelfUsername sets f's own username (see [SelfUsername]).
func SetSelfUsername(f *Stored, name string) { f.selfUsername = name }

// SetCacheCount records that the source holds n cached peers that were
// counted rather than read (f.Entities is then empty).
func SetCacheCount(f *Stored, n int) { f.cacheCount = n }

// SetStateCount records that the source holds n update-state rows that
// were counted rather than read (f.UpdateState is then nil).
func SetStateCount(f *Stored, n int) { f.stateCount = n }

// Wipe wipes the session's auth key.
func (f *Stored) Wipe() {
	if f != nil && f.Session != nil {
		f.Session.Wipe()
	}
}
