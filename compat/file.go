package compat

import (
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// Library names reported in [File.Library].
const (
	LibTelethon   = "telethon"    // Telethon 1.x, schema versions 1–7
	LibTelethonV2 = "telethon-v2" // Telethon v2 alpha, schema version 10
	LibPyrogram   = "pyrogram"    // Pyrogram 0.15–2.x, schema versions 1–3
	LibPyrofork   = "pyrofork"    // pyrofork, schema version 4
	LibKurigram   = "kurigram"    // kurigram 4–7; irenogram 7 writes the same schema
	LibHydrogram  = "hydrogram"   // Pyrogram schema 3 in WAL mode
)

// File is a session database read by [ReadFile] or to be written by
// [WriteFile]: the session itself plus the library-specific data around it.
//
// A File never prints its key: Session redacts itself, and File has no
// String method of its own that could reach the key.
type File struct {
	// Library is the library that most likely wrote the file, one of the
	// Lib* constants. It is a best guess from the tables, columns and
	// journal mode; Notes says when the evidence is ambiguous.
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
	// UpdateState is Telethon's update state (version ≥ 4 update_state, or
	// v2's state and channelstate), nil if the file has none. The Pyrogram
	// forks' update_state tables are not read: their channel ids and
	// meaning differ per fork.
	UpdateState *UpdateState
	// TakeoutID is Telethon's sessions.takeout_id.
	TakeoutID codec.Optional[int64]

	// Notes are human-readable remarks about what was read: rows skipped,
	// schema oddities, data not carried.
	Notes []string

	// date is the Pyrogram family's sessions.date, when the file has one.
	date codec.Optional[int64]
	// otherKeys counts rows holding keys for DCs other than the chosen one.
	otherKeys []int
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
	// when the id alone decides it (a basic group). Otherwise PeerUnknown.
	Type PeerType
	// Date is when the row was cached, in Unix seconds: Telethon's
	// entities.date or the Pyrogram family's last_update_on.
	Date codec.Optional[int64]
}

// PeerType is a Pyrogram-family peer type, as stored in peers.type.
type PeerType string

// Peer types. The forks add "direct", "forum" and "community" (kurigram)
// and "direct", "forum" (irenogram); such values are kept as they are.
const (
	PeerUnknown    PeerType = ""
	PeerUser       PeerType = "user"
	PeerBot        PeerType = "bot"
	PeerGroup      PeerType = "group"
	PeerChannel    PeerType = "channel"
	PeerSupergroup PeerType = "supergroup"
)

// PeerKind is what a marked id alone says about a peer.
type PeerKind int

// Peer kinds.
const (
	KindUser    PeerKind = iota + 1 // id > 0: a user or a bot
	KindChat                        // −999999999999 ≤ id < 0: a basic group
	KindChannel                     // id ≤ −1000000000000: channel or supergroup
)

func (k PeerKind) String() string {
	switch k {
	case KindUser:
		return "user"
	case KindChat:
		return "chat"
	case KindChannel:
		return "channel"
	}
	return "invalid"
}

// channelMark is the offset Telegram clients add to channel ids to mark them
// (Telethon utils.get_peer_id, Pyrogram utils.get_channel_id).
const channelMark = 1000000000000

// KindOf classifies a marked peer id. It returns 0 for id 0.
func KindOf(id int64) PeerKind {
	switch {
	case id > 0:
		return KindUser
	case id == 0:
		return 0
	case id > -channelMark:
		return KindChat
	default:
		return KindChannel
	}
}

// UpdateState is Telethon's stored update state.
type UpdateState struct {
	PTS, QTS, Seq int64
	// Date is the state's date in Unix seconds. Telethon writes a float;
	// fractional values are kept.
	Date float64
	// Channels are per-channel pts values, by bare (unmarked) channel id,
	// as Telethon stores them.
	Channels []ChannelState
}

// ChannelState is the pts of one channel.
type ChannelState struct {
	ID  int64 // bare channel id
	PTS int64
	// Date is the row's date (Telethon 1.x stores one per channel;
	// Telethon v2 stores none).
	Date codec.Optional[float64]
}

// FileKind is a session database layout that [WriteFile] can write.
type FileKind int

// File kinds. Their String values are the CLI's --to names.
const (
	// TelethonSQLite is Telethon 1.x's schema version 7, exactly as
	// Telethon 1.25 creates it.
	TelethonSQLite FileKind = iota + 1
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

// FileKinds lists every kind, in a stable order.
var FileKinds = []FileKind{TelethonSQLite, TelethonV2SQLite, PyrogramSQLite, PyroforkSQLite, KurigramSQLite}

var kindNames = [...]string{
	TelethonSQLite:   "telethon-sqlite",
	TelethonV2SQLite: "telethon-v2-sqlite",
	PyrogramSQLite:   "pyrogram-sqlite",
	PyroforkSQLite:   "pyrofork-sqlite",
	KurigramSQLite:   "kurigram-sqlite",
}

// String returns the kind's CLI name, e.g. "telethon-sqlite".
func (k FileKind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("FileKind(%d)", int(k))
	}
	return kindNames[k]
}

// Schema returns the schema version the kind writes.
func (k FileKind) Schema() int {
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

// pyrogramFamily reports whether k is one of the Pyrogram-family layouts.
func (k FileKind) pyrogramFamily() bool {
	return k == PyrogramSQLite || k == PyroforkSQLite || k == KurigramSQLite
}

// ParseFileKind returns the kind named name, as printed by [FileKind.String].
func ParseFileKind(name string) (FileKind, error) {
	for _, k := range FileKinds {
		if k.String() == name {
			return k, nil
		}
	}
	names := make([]string, len(FileKinds))
	for i, k := range FileKinds {
		names[i] = k.String()
	}
	return 0, fmt.Errorf("compat: unknown file kind (want one of %s): %w", strings.Join(names, ", "), codec.ErrUnknownFormat)
}

// MarshalText implements encoding.TextMarshaler.
func (k FileKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *FileKind) UnmarshalText(b []byte) error {
	v, err := ParseFileKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// clone returns a copy of f with its own Session (and key), entities and
// update state, so that conversion never changes the caller's File.
func (f *File) clone() *File {
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
	c.otherKeys = append([]int(nil), f.otherKeys...)
	return &c
}

// Wipe wipes the session's auth key.
func (f *File) Wipe() {
	if f != nil && f.Session != nil {
		f.Session.Wipe()
	}
}
