package compat

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/safefile"
)

// WriteFile writes s to path as a session database of the given kind.
//
// The database is built in memory by SQLite and serialized ([Marshal]); the
// bytes are then written through the project's safefile package: a
// temporary file created with O_EXCL and mode 0600 in the destination
// directory, fsynced, and linked (or, with overwrite, renamed) into place,
// then the directory is fsynced. SQLite never opens the destination, so no
// -journal file (which would hold the auth key) is ever created. On any
// error nothing is left behind, and an existing destination is untouched
// unless overwrite is set (an error matching fs.ErrExist otherwise); only
// a regular file is ever replaced.
//
// WriteFile is strict: it writes what s holds and refuses (with an error
// wrapping [codec.ErrMissingField]) a Stored that lacks a value the kind
// cannot do without, such as the user id of a Pyrogram file. [Convert]
// supplies, defaults and reports such values. The only values WriteFile
// derives itself are those fixed by the target library's own rules, listed
// in [Convert]'s documentation (peer types from ids, 0 as a basic group's
// Telethon hash, NULL for an unknown api id).
func WriteFile(path string, s *Stored, kind Kind, overwrite bool) error {
	img, err := Marshal(s, kind)
	if err != nil {
		return err
	}
	return writeBytes(path, img, overwrite)
}

// writeBytes writes img (a database image, cleared afterwards) to path.
func writeBytes(path string, img []byte, overwrite bool) error {
	defer clear(img)
	p, err := safefile.Create(path, overwrite)
	if err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	if _, err := p.Write(img); err != nil {
		p.Abort()
		return fmt.Errorf("compat: %s: %w", path, err)
	}
	if err := p.Commit(); err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	return nil
}

// Marshal returns the bytes of f as a session database of the given kind,
// as [WriteFile] would write them (docs/formats.md#sqlite-reading and the
// kind's own section). The caller should clear them when done:
// they hold the auth key.
func Marshal(f *Stored, kind Kind) ([]byte, error) {
	if f == nil || f.Session == nil {
		return nil, fmt.Errorf("compat: %s: no session to write: %w", kind, ErrNoSession)
	}
	if err := f.Session.Validate(); err != nil {
		return nil, fmt.Errorf("compat: %s: %w", kind, err)
	}
	if err := checkWritable(f, kind); err != nil {
		return nil, err
	}
	db, err := openMem()
	if err != nil {
		return nil, fmt.Errorf("compat: %w", err)
	}
	defer db.close()
	w := &writer{db: db, f: f, kind: kind}
	key := f.Session.Key.Reveal()
	defer clear(key)
	if err := db.exec("BEGIN"); err != nil {
		return nil, err
	}
	switch kind {
	case TelethonSQLite:
		err = w.telethon(key)
	case TelethonV2SQLite:
		err = w.telethonV2(key)
	case PyrogramSQLite, PyroforkSQLite, KurigramSQLite:
		err = w.pyrogram(key)
	default:
		err = fmt.Errorf("compat: unknown file kind %d: %w", int(kind), codec.ErrUnknownFormat)
	}
	if err == nil {
		err = db.exec("COMMIT")
	}
	if err != nil {
		return nil, fmt.Errorf("compat: writing %s: %w", kind, err)
	}
	img, err := db.bytes()
	if err != nil {
		return nil, fmt.Errorf("compat: serializing %s: %w", kind, err)
	}
	return img, nil
}

// missing reports a value kind cannot be written without.
func missing(kind Kind, field, why string) error {
	return fmt.Errorf("compat: %s: %s is required (%s): %w", kind, field, why, codec.ErrMissingField)
}

// checkWritable checks that f holds every value kind needs.
func checkWritable(f *Stored, kind Kind) error {
	s := f.Session
	switch kind {
	case TelethonSQLite:
		if s.ServerAddress == "" || s.Port == 0 {
			return missing(kind, "server_address and port", "Telethon connects to the stored address")
		}
	case TelethonV2SQLite:
		if s.ServerAddress == "" || s.Port == 0 {
			return missing(kind, "server_address and port", "Telethon v2 stores \"ip:port\"")
		}
		if !s.UserID.Known() && s.DC != 2 {
			return missing(kind, "user_id", "without a user row Telethon v2 starts on DC 2")
		}
		if s.UserID.Known() && !s.IsBot.Known() {
			return missing(kind, "is_bot", "user.bot is NOT NULL")
		}
	case PyrogramSQLite, PyroforkSQLite, KurigramSQLite:
		// Pyrogram (client.py load_session) treats a NULL test_mode,
		// user_id or is_bot as an empty session and creates a new key.
		if !s.UserID.Known() {
			return missing(kind, "user_id", "Pyrogram discards a session whose user_id is NULL")
		}
		if !s.IsBot.Known() {
			return missing(kind, "is_bot", "Pyrogram discards a session whose is_bot is NULL")
		}
		if !s.TestMode.Known() {
			return missing(kind, "test_mode", "Pyrogram discards a session whose test_mode is NULL")
		}
		if kind == KurigramSQLite && (s.ServerAddress == "" || s.Port == 0) {
			return missing(kind, "server_address and port", "kurigram connects to the stored address")
		}
	}
	return nil
}

type writer struct {
	db   *memDB
	f    *Stored
	kind Kind
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// optional returns o's value as an SQLite value, or NULL.
func optional[T int64 | uint32 | float64](o codec.Optional[T]) any {
	if v, ok := o.Get(); ok {
		switch x := any(v).(type) {
		case uint32:
			return int64(x)
		default:
			return x
		}
	}
	return nil
}

// dateValue stores a float the way Python's sqlite3 does: integral values
// as INTEGER, others as REAL.
func dateValue(d float64) any {
	if d == math.Trunc(d) && math.Abs(d) < 1<<53 {
		return int64(d)
	}
	return d
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// entities returns the entities to write ordered by id (stable, so that of
// two entities with one id the later still replaces the earlier), so that
// the bytes written do not depend on the order in which a reader returned
// the rows: Marshal of a file it wrote reproduces it byte for byte.
func (w *writer) entities() []Entity {
	es := slices.Clone(w.f.Entities)
	slices.SortStableFunc(es, func(a, b Entity) int { return cmp.Compare(a.ID, b.ID) })
	return es
}
