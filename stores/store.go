package stores

import (
	"context"

	"github.com/tgsession/tgsession/internal/model"
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
// by several goroutines. A *model.Stored is a *compat.Stored: compat
// aliases the type, and this package names it through the model so as not
// to link SQLite.
type Store interface {
	// Read returns the session stored under name, in the stored-session
	// model: the session (Source set to its library's string format), the
	// entity cache, the update state, what the layout holds besides
	// (takeout id, session date), Library (the store kind), Layout (the
	// layout within the kind), OtherDCs and Notes. It never writes to the
	// store. It returns an [*Error] wrapping [ErrNotFound] when the name
	// holds no session with an auth key.
	Read(ctx context.Context, name string) (*model.Stored, error)
	// Write stores s under name in one atomic step (a transaction; for
	// MongoDB the session document is written last). It returns an
	// [*Error] wrapping [ErrExists] if a session exists under name and
	// replace is false, and then changes nothing. Fields of s the layout
	// cannot hold are not written: shape s first with compat.Shape for
	// the kind's layout (each store package's Target), which reports them.
	Write(ctx context.Context, name string, s *model.Stored, replace bool) error
	// List returns the names of the sessions the store holds, sorted. It
	// never writes to the store.
	List(ctx context.Context) ([]string, error)
	// Close releases the connections.
	Close() error
}
