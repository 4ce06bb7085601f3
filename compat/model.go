package compat

import "github.com/tgsession/tgsession/internal/model"

// The stored-session model lives in an internal package that does not link
// SQLite (so that a program converting only string sessions need not pay
// for it); this package re-exports it unchanged: the types below are
// aliases, so a compat.Stored is the same type as the one the store
// packages read and write, and the sentinels are the same values.

// Stored is a stored session: the session itself plus everything a client
// keeps beside it (entity cache, update state) and where it came from. It
// is the model [ReadFile], [Marshal], [WriteFile] and the store packages
// use, and that [Convert] and [Shape] turn into what a target holds; a
// session decoded by codec is converted as &Stored{Session: s}. It never
// prints its key.
type Stored = model.Stored

// Entity is one cached peer: its marked id and access hash, and the
// username, phone and name the cache is searched by.
type Entity = model.Entity

// UpdateState is a stored update state: the account's common state and
// per-channel states.
type UpdateState = model.UpdateState

// ChannelState is the update state of one channel, by bare channel id.
type ChannelState = model.ChannelState

// Kind is a session database layout that [Marshal] and [WriteFile] can
// write; its String value is the name the tgsession CLI accepts.
type Kind = model.Kind

// Kinds. Their String values are the names the tgsession CLI accepts.
const (
	// TelethonSQLite is Telethon 1.x's schema version 7, exactly as
	// Telethon 1.25 creates it (docs/formats.md#telethon-sqlite).
	TelethonSQLite = model.TelethonSQLite
	// TelethonV2SQLite is Telethon v2's schema version 10.
	TelethonV2SQLite = model.TelethonV2SQLite
	// PyrogramSQLite is Pyrogram 2.x's schema version 3 (also read by
	// hydrogram and the forks, which migrate it).
	PyrogramSQLite = model.PyrogramSQLite
	// PyroforkSQLite is pyrofork's schema version 4.
	PyroforkSQLite = model.PyroforkSQLite
	// KurigramSQLite is kurigram's schema version 7 (also irenogram's).
	KurigramSQLite = model.KurigramSQLite
)

// Kinds returns every kind, in a stable order. The slice is a new copy on
// each call.
func Kinds() []Kind { return model.Kinds() }

// Peer types, the values of Entity.Type. The forks add "direct", "forum"
// and "community" (kurigram) and "direct", "forum" (irenogram); such values
// are kept as they are.
const (
	PeerUser       = model.PeerUser
	PeerBot        = model.PeerBot
	PeerGroup      = model.PeerGroup
	PeerChannel    = model.PeerChannel
	PeerSupergroup = model.PeerSupergroup
)

// Target is what [Convert] produces: a string session (Format set) or a
// session database (Kind set); or what [Shape] shapes a session for: any
// of those or a session store's layout (Store set). Exactly one of the
// three is set.
type Target = model.Target

// StoreLayout describes the layout of a session store as a conversion
// target: its name, the file kind whose rules its library follows (Like),
// and what it holds (Holds). [Shape] shapes a Stored for it.
type StoreLayout = model.StoreLayout

// ParseTarget returns the target named name: a string format name (see
// [codec.ParseFormat]: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute,
// gotd) or a kind (telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
// pyrofork-sqlite, kurigram-sqlite).
func ParseTarget(name string) (Target, error) { return model.ParseTarget(name) }

// Options supplies what [Convert] cannot take from the source: api id,
// user id, bot flag and test mode (a value that contradicts the source is
// a [*ConflictError]), the source's name for the [Report], and the clock.
type Options = model.Options

// Report says what a conversion did not carry over as it was: every field
// dropped, defaulted or supplied, and what happened to the entity cache and
// update state. It never holds key material.
type Report = model.Report

// ChangeKind says what happens to a session field in a conversion:
// [Dropped], [Defaulted] or [Supplied].
type ChangeKind = model.ChangeKind

const (
	// Dropped: the source knows the field but the target format cannot
	// hold it.
	Dropped = model.Dropped
	// Defaulted: the target format needs the field, the source does not
	// know it, and the encoder writes the format's neutral default.
	Defaulted = model.Defaulted
	// Supplied: the value was given by the caller ([Options]), not read
	// from the source.
	Supplied = model.Supplied
)

// Change describes one field that a conversion does not carry over as it
// is: its name, what happened ([ChangeKind]), the (non-secret) value
// written or lost, and why. It never holds key material.
type Change = model.Change

// Convert turns in into what target to holds and returns it encoded: the
// string session's text for a string target, the database's bytes for a
// file target (see [Marshal]; write them with [WriteFile]'s guarantees or
// clear them: they hold the key). It reads and writes nothing, and never
// changes in. It reports every field the target could not hold (dropped),
// had to fill in (defaulted), or took from opts (supplied). It never
// invents a value the target needs:
//
//   - the DC id is authoritative. A source address is kept when the target
//     can hold it; a target that needs an address the source lacks (or
//     cannot hold the source's, such as a host name in a Telethon string)
//     gets the one from the DC table (docs/formats.md#dc-table), and the
//     report says so;
//   - every required value with no default is listed in one
//     [*MissingError]: Pyrogram's user id for every Pyrogram target, its
//     api id for the string, and the user id for a Telethon v2 file on a
//     DC other than 2 (Telethon v2 starts on DC 2 without one);
//   - test mode, when a target stores it and the source does not, is
//     derived from the address if the DC table lists it, else production
//     is assumed; an unknown bot flag is written as false; both are
//     reported; a Pyrogram file's unknown api id is written as NULL, which
//     Pyrogram itself reads as "ask Client(api_id=…)";
//   - the entity cache goes between Telethon's entities and the Pyrogram
//     family's peers with ids, access hashes, usernames, phones and the
//     peer type where it is known. Pyrogram's peers.type is NOT NULL: an
//     unknown type is chosen from the id (user ids "user", basic groups
//     "group", channels "channel"), which Pyrogram resolves exactly like
//     the precise type ("bot", "supergroup"); each such default is
//     counted in the report, as is every row that cannot be carried
//     (users and channels without an access hash, names, extra usernames,
//     bot flags). String targets and Telethon v2 files hold no cache.
//   - Telethon's update state goes between Telethon 1.x and v2 files (as
//     Telethon v2's own migration carries it); other targets drop it.
func Convert(in *Stored, to Target, opts Options) ([]byte, *Report, error) {
	return model.ConvertWith(in, to, opts, Marshal)
}

// Shape is [Convert] without the encoding: it returns in shaped for target
// to, exactly as Convert would encode it (values supplied, defaulted or
// filled from the DC table; fields, entities and update state the target
// cannot hold removed), and the same report. It never changes in; the
// result has its own key, which the caller wipes. A store layout target
// (Target.Store) is converted this way only: its store package writes the
// result.
func Shape(in *Stored, to Target, opts Options) (*Stored, *Report, error) {
	return model.Shape(in, to, opts)
}
