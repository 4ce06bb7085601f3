package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tgsession/tgsession/codec"
)

// Extras are what a [Stored] holds besides its session: the library and
// schema it came from, WAL mode, the entity cache, the update state,
// Telethon's takeout id, the reader's notes, and the values that only the
// writers and the conversion report use. [Stored.MarshalExtras] serializes
// them so that a sealed session (package vault stores them as its
// attachment of kind vault.AttachmentFile) can be restored as the same
// file: [Stored.UnmarshalExtras] into a Stored holding the opened session
// gives what compat.Convert and compat.WriteFile treat exactly as the
// Stored that was read.
//
// The encoding is strict and canonical (one byte string per File), so that
// decoding and encoding again gives the same bytes. All integers are
// big-endian; "uvarint" is Go's unsigned varint, "varint" its zigzag signed
// varint, both minimally encoded; "bytes" is a uvarint length and that many
// bytes (SQLite text, kept as it is):
//
//	| size   | field                                                      |
//	| 1      | version, 1                                                 |
//	| bytes  | library (Stored.Library), 1–255 bytes                      |
//	| uvarint| schema (Stored.Schema), at most 2^31-1                     |
//	| 1      | flags: 0 WAL, 1 takeout id, 2 sessions.date, 3 update      |
//	|        | state, 4 own username, 5 store layout, 6 update state      |
//	|        | unread count; bit 7 zero                                   |
//	| varint | takeout id, if flag 1                                      |
//	| varint | sessions.date, if flag 2                                   |
//	| bytes  | own username (Telethon v2 user.username), 1+ bytes, flag 4 |
//	| bytes  | store layout (Stored.Layout), 1–255 bytes, if flag 5       |
//	| uvarint| n, then n varints: DC ids of the other keyed rows          |
//	| uvarint| cached peers counted but not read                          |
//	| uvarint| update state rows counted but not read                     |
//	| uvarint| n, then n bytes: notes                                     |
//	| uvarint| n, then n entities:                                        |
//	|        |   varint id; 1 byte flags: 0 access hash, 1 date, 2       |
//	|        |   username, 3 phone, 4 name, 5 type, 6 usernames, 7 zero;  |
//	|        |   then, if set: 8-byte access hash; varint date; bytes     |
//	|        |   username, phone, name, type (each 1+ bytes); uvarint n   |
//	|        |   (1+) and n bytes usernames                               |
//	|        | update state, if flag 3: varint pts, qts, seq; 8-byte      |
//	|        |   IEEE 754 date (finite); varint unread count, if flag 6;  |
//	|        |   uvarint n channels: varint id, varint pts, 1 byte flags  |
//	|        |   (0 date, 1 qts/seq/unread count; bits 2–7 zero), then,   |
//	|        |   if set: 8-byte date; varint qts, seq, unread count (not  |
//	|        |   all 0)                                                   |
//
// Nothing may follow the last field.
const extrasVersion = 1

// ErrBadExtras is returned for serialized extras that are not exactly what
// [Stored.MarshalExtras] writes. The error says at which byte and why; it
// also matches codec.ErrUnsupportedVersion for an unknown version. It
// never holds input bytes.
var ErrBadExtras = errors.New("malformed file extras")

// extrasError reports malformed extras at byte Offset. It wraps
// [ErrBadExtras], and [codec.ErrUnsupportedVersion] for an unknown version.
// It never holds input bytes.
type extrasError struct {
	Offset  int
	Reason  string
	version bool
}

func (e *extrasError) Error() string {
	return fmt.Sprintf("compat: file extras: %s (at byte %d): %v", e.Reason, e.Offset, ErrBadExtras)
}

// Unwrap returns ErrBadExtras and, for an unknown version,
// codec.ErrUnsupportedVersion.
func (e *extrasError) Unwrap() []error {
	if e.version {
		return []error{ErrBadExtras, codec.ErrUnsupportedVersion}
	}
	return []error{ErrBadExtras}
}

const (
	xWAL = 1 << iota
	xTakeout
	xDate
	xState
	xSelfUsername
	xLayout
	xUnread
)

// Per-channel state flags.
const (
	cDate = 1 << iota
	cCounts
)

const (
	eHash = 1 << iota
	eDate
	eUsername
	ePhone
	eName
	eType
	eUsernames
)

// MarshalExtras serializes what f holds besides f.Session (see the
// layout above); the result holds no key material. It fails, wrapping [ErrBadExtras], only for values the
// encoding cannot hold: an empty or over-long library name, a schema
// outside 0–2^31-1, or an update-state date that is not finite.
func (f *Stored) MarshalExtras() ([]byte, error) {
	if f == nil {
		return nil, &extrasError{Reason: "nil file"}
	}
	if f.Library == "" || len(f.Library) > 255 {
		return nil, &extrasError{Reason: fmt.Sprintf("library name of %d bytes", len(f.Library))}
	}
	if len(f.Layout) > 255 {
		return nil, &extrasError{Reason: fmt.Sprintf("layout name of %d bytes", len(f.Layout))}
	}
	if f.Schema < 0 || f.Schema > math.MaxInt32 {
		return nil, &extrasError{Reason: fmt.Sprintf("schema %d out of range", f.Schema)}
	}
	b := []byte{extrasVersion}
	b = appendBytes(b, f.Library)
	b = binary.AppendUvarint(b, uint64(f.Schema))
	var flags byte
	if f.WAL {
		flags |= xWAL
	}
	takeout, hasTakeout := f.TakeoutID.Get()
	date, hasDate := f.Date.Get()
	if hasTakeout {
		flags |= xTakeout
	}
	if hasDate {
		flags |= xDate
	}
	if f.UpdateState != nil {
		flags |= xState
	}
	if f.selfUsername != "" {
		flags |= xSelfUsername
	}
	if f.Layout != "" {
		flags |= xLayout
	}
	if f.UpdateState != nil && f.UpdateState.UnreadCount != 0 {
		flags |= xUnread
	}
	b = append(b, flags)
	if hasTakeout {
		b = binary.AppendVarint(b, takeout)
	}
	if hasDate {
		b = binary.AppendVarint(b, date)
	}
	if f.selfUsername != "" {
		b = appendBytes(b, f.selfUsername)
	}
	if f.Layout != "" {
		b = appendBytes(b, f.Layout)
	}
	b = binary.AppendUvarint(b, uint64(len(f.OtherDCs)))
	for _, dc := range f.OtherDCs {
		b = binary.AppendVarint(b, int64(dc))
	}
	b = binary.AppendUvarint(b, uint64(max(f.cacheCount, 0)))
	b = binary.AppendUvarint(b, uint64(max(f.stateCount, 0)))
	b = binary.AppendUvarint(b, uint64(len(f.Notes)))
	for _, n := range f.Notes {
		b = appendBytes(b, n)
	}
	b = binary.AppendUvarint(b, uint64(len(f.Entities)))
	for i := range f.Entities {
		b = appendEntity(b, &f.Entities[i])
	}
	if u := f.UpdateState; u != nil {
		if !finite(u.Date) {
			return nil, &extrasError{Reason: "update state date is not finite"}
		}
		b = binary.AppendVarint(b, u.PTS)
		b = binary.AppendVarint(b, u.QTS)
		b = binary.AppendVarint(b, u.Seq)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(u.Date))
		if u.UnreadCount != 0 {
			b = binary.AppendVarint(b, u.UnreadCount)
		}
		b = binary.AppendUvarint(b, uint64(len(u.Channels)))
		for _, c := range u.Channels {
			b = binary.AppendVarint(b, c.ID)
			b = binary.AppendVarint(b, c.PTS)
			d, dated := c.Date.Get()
			counts := c.QTS != 0 || c.Seq != 0 || c.UnreadCount != 0
			var cf byte
			if dated {
				if !finite(d) {
					return nil, &extrasError{Reason: "channel state date is not finite"}
				}
				cf |= cDate
			}
			if counts {
				cf |= cCounts
			}
			b = append(b, cf)
			if dated {
				b = binary.BigEndian.AppendUint64(b, math.Float64bits(d))
			}
			if counts {
				b = binary.AppendVarint(b, c.QTS)
				b = binary.AppendVarint(b, c.Seq)
				b = binary.AppendVarint(b, c.UnreadCount)
			}
		}
	}
	return b, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendEntity(b []byte, e *Entity) []byte {
	b = binary.AppendVarint(b, e.ID)
	hash, hasHash := e.AccessHash.Get()
	date, hasDate := e.Date.Get()
	var flags byte
	if hasHash {
		flags |= eHash
	}
	if hasDate {
		flags |= eDate
	}
	if e.Username != "" {
		flags |= eUsername
	}
	if e.Phone != "" {
		flags |= ePhone
	}
	if e.Name != "" {
		flags |= eName
	}
	if e.Type != "" {
		flags |= eType
	}
	if len(e.Usernames) > 0 {
		flags |= eUsernames
	}
	b = append(b, flags)
	if hasHash {
		b = binary.BigEndian.AppendUint64(b, uint64(hash))
	}
	if hasDate {
		b = binary.AppendVarint(b, date)
	}
	for _, s := range []string{e.Username, e.Phone, e.Name, string(e.Type)} {
		if s != "" {
			b = appendBytes(b, s)
		}
	}
	if len(e.Usernames) > 0 {
		b = binary.AppendUvarint(b, uint64(len(e.Usernames)))
		for _, u := range e.Usernames {
			b = appendBytes(b, u)
		}
	}
	return b
}

// UnmarshalExtras parses extras written by [Stored.MarshalExtras] into f,
// replacing everything but f.Session (which the caller sets to the opened
// session). It refuses, with an error wrapping [ErrBadExtras], anything
// that is not exactly what MarshalExtras writes for some Stored, and then
// leaves f unchanged. Memory use is bounded by len(b): no count is trusted
// beyond the bytes that remain.
func (f *Stored) UnmarshalExtras(b []byte) error {
	g, err := unmarshalExtras(b, f.Session)
	if err != nil {
		return err
	}
	g.Kind = KindOfLibrary(g.Library)
	*f = *g
	return nil
}

func unmarshalExtras(b []byte, s *codec.Session) (*Stored, error) {
	r := &extrasReader{b: b}
	v, err := r.byte1("version")
	if err != nil {
		return nil, err
	}
	if v != extrasVersion {
		return nil, &extrasError{Offset: 0, Reason: fmt.Sprintf("version %d (this build reads version %d)", v, extrasVersion), version: true}
	}
	f := &Stored{Session: s}
	if f.Library, err = r.str("library", 1); err != nil {
		return nil, err
	}
	if len(f.Library) > 255 {
		return nil, r.failAt(1, "library name of %d bytes", len(f.Library))
	}
	schema, err := r.uvarint("schema", math.MaxInt32)
	if err != nil {
		return nil, err
	}
	f.Schema = int(schema)
	at := r.off
	flags, err := r.byte1("flags")
	if err != nil {
		return nil, err
	}
	if flags&^(xWAL|xTakeout|xDate|xState|xSelfUsername|xLayout|xUnread) != 0 {
		return nil, r.failAt(at, "unknown flag bits")
	}
	if flags&xUnread != 0 && flags&xState == 0 {
		return nil, r.failAt(at, "unread count flag without update state")
	}
	f.WAL = flags&xWAL != 0
	if flags&xTakeout != 0 {
		v, err := r.varint("takeout id")
		if err != nil {
			return nil, err
		}
		f.TakeoutID = codec.Some(v)
	}
	if flags&xDate != 0 {
		v, err := r.varint("sessions.date")
		if err != nil {
			return nil, err
		}
		f.Date = codec.Some(v)
	}
	if flags&xSelfUsername != 0 {
		if f.selfUsername, err = r.str("own username", 1); err != nil {
			return nil, err
		}
	}
	if flags&xLayout != 0 {
		if f.Layout, err = r.str("store layout", 1); err != nil {
			return nil, err
		}
		if len(f.Layout) > 255 {
			return nil, r.fail(fmt.Sprintf("layout name of %d bytes", len(f.Layout)))
		}
	}
	n, err := r.count("other DC keys", 1)
	if err != nil {
		return nil, err
	}
	for range n {
		dc, err := r.varint("other DC key")
		if err != nil {
			return nil, err
		}
		if dc < math.MinInt32 || dc > math.MaxInt32 {
			return nil, r.fail("other DC key out of range")
		}
		f.OtherDCs = append(f.OtherDCs, int(dc))
	}
	cc, err := r.uvarint("counted peers", math.MaxInt32)
	if err != nil {
		return nil, err
	}
	sc, err := r.uvarint("counted update state rows", math.MaxInt32)
	if err != nil {
		return nil, err
	}
	f.cacheCount, f.stateCount = int(cc), int(sc)
	if n, err = r.count("notes", 1); err != nil {
		return nil, err
	}
	for range n {
		note, err := r.str("note", 0)
		if err != nil {
			return nil, err
		}
		f.Notes = append(f.Notes, note)
	}
	if n, err = r.count("entities", 2); err != nil {
		return nil, err
	}
	if n > 0 {
		f.Entities = make([]Entity, 0, n)
	}
	for range n {
		e, err := r.entity()
		if err != nil {
			return nil, err
		}
		f.Entities = append(f.Entities, e)
	}
	if flags&xState != 0 {
		if f.UpdateState, err = r.state(flags&xUnread != 0); err != nil {
			return nil, err
		}
	}
	if r.off != len(b) {
		return nil, r.fail(fmt.Sprintf("%d trailing bytes", len(b)-r.off))
	}
	return f, nil
}

type extrasReader struct {
	b   []byte
	off int
}

func (r *extrasReader) fail(reason string) error {
	return &extrasError{Offset: r.off, Reason: reason}
}

func (r *extrasReader) failAt(off int, format string, args ...any) error {
	return &extrasError{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

func (r *extrasReader) byte1(what string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, r.fail("truncated " + what)
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *extrasReader) uvarint(what string, max uint64) (uint64, error) {
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		return 0, r.fail("truncated " + what)
	case n < 0:
		return 0, r.fail(what + " overflows 64 bits")
	case n > 1 && r.b[r.off+n-1] == 0:
		return 0, r.fail(what + " is not minimally encoded")
	case v > max:
		return 0, r.fail(what + " out of range")
	}
	r.off += n
	return v, nil
}

func (r *extrasReader) varint(what string) (int64, error) {
	u, err := r.uvarint(what, math.MaxUint64)
	if err != nil {
		return 0, err
	}
	return int64(u>>1) ^ -int64(u&1), nil
}

// count reads a element count, each element taking at least minSize
// bytes, so that no count beyond the remaining input is trusted.
func (r *extrasReader) count(what string, minSize int) (int, error) {
	at := r.off
	n, err := r.uvarint(what+" count", math.MaxInt32)
	if err != nil {
		return 0, err
	}
	if n > uint64((len(r.b)-r.off)/minSize) {
		return 0, r.failAt(at, "%s count %d exceeds the remaining %d bytes", what, n, len(r.b)-r.off)
	}
	return int(n), nil
}

func (r *extrasReader) str(what string, min int) (string, error) {
	at := r.off
	n, err := r.uvarint(what+" length", math.MaxInt32)
	if err != nil {
		return "", err
	}
	if int(n) < min {
		return "", r.failAt(at, "empty %s", what)
	}
	if n > uint64(len(r.b)-r.off) {
		return "", r.failAt(at, "%s of %d bytes overruns the input", what, n)
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

func (r *extrasReader) u64(what string) (uint64, error) {
	if len(r.b)-r.off < 8 {
		return 0, r.fail("truncated " + what)
	}
	r.off += 8
	return binary.BigEndian.Uint64(r.b[r.off-8:]), nil
}

func (r *extrasReader) float(what string) (float64, error) {
	at := r.off
	u, err := r.u64(what)
	if err != nil {
		return 0, err
	}
	f := math.Float64frombits(u)
	if !finite(f) {
		return 0, r.failAt(at, "%s is not finite", what)
	}
	return f, nil
}

func (r *extrasReader) entity() (Entity, error) {
	var e Entity
	var err error
	if e.ID, err = r.varint("entity id"); err != nil {
		return e, err
	}
	at := r.off
	flags, err := r.byte1("entity flags")
	if err != nil {
		return e, err
	}
	if flags&^(eHash|eDate|eUsername|ePhone|eName|eType|eUsernames) != 0 {
		return e, r.failAt(at, "unknown entity flag bits")
	}
	if flags&eHash != 0 {
		h, err := r.u64("access hash")
		if err != nil {
			return e, err
		}
		e.AccessHash = codec.Some(int64(h))
	}
	if flags&eDate != 0 {
		d, err := r.varint("entity date")
		if err != nil {
			return e, err
		}
		e.Date = codec.Some(d)
	}
	for _, fld := range []struct {
		bit  byte
		what string
		dst  *string
	}{{eUsername, "username", &e.Username}, {ePhone, "phone", &e.Phone}, {eName, "name", &e.Name}} {
		if flags&fld.bit != 0 {
			if *fld.dst, err = r.str(fld.what, 1); err != nil {
				return e, err
			}
		}
	}
	if flags&eType != 0 {
		t, err := r.str("peer type", 1)
		if err != nil {
			return e, err
		}
		e.Type = peerType(t)
	}
	if flags&eUsernames != 0 {
		at := r.off
		n, err := r.count("usernames", 1)
		if err != nil {
			return e, err
		}
		if n == 0 {
			return e, r.failAt(at, "usernames marked present but none follow")
		}
		e.Usernames = make([]string, 0, n)
		for range n {
			u, err := r.str("username", 0)
			if err != nil {
				return e, err
			}
			e.Usernames = append(e.Usernames, u)
		}
	}
	return e, nil
}

func (r *extrasReader) state(unread bool) (*UpdateState, error) {
	u := &UpdateState{}
	var err error
	if u.PTS, err = r.varint("pts"); err != nil {
		return nil, err
	}
	if u.QTS, err = r.varint("qts"); err != nil {
		return nil, err
	}
	if u.Seq, err = r.varint("seq"); err != nil {
		return nil, err
	}
	if u.Date, err = r.float("update state date"); err != nil {
		return nil, err
	}
	if unread {
		at := r.off
		if u.UnreadCount, err = r.varint("unread count"); err != nil {
			return nil, err
		}
		if u.UnreadCount == 0 {
			return nil, r.failAt(at, "unread count 0 with its flag set")
		}
	}
	n, err := r.count("channel states", 3)
	if err != nil {
		return nil, err
	}
	for range n {
		var c ChannelState
		if c.ID, err = r.varint("channel id"); err != nil {
			return nil, err
		}
		if c.PTS, err = r.varint("channel pts"); err != nil {
			return nil, err
		}
		at := r.off
		cf, err := r.byte1("channel flags")
		if err != nil {
			return nil, err
		}
		if cf&^(cDate|cCounts) != 0 {
			return nil, r.failAt(at, "channel flags %d", cf)
		}
		if cf&cDate != 0 {
			d, err := r.float("channel date")
			if err != nil {
				return nil, err
			}
			c.Date = codec.Some(d)
		}
		if cf&cCounts != 0 {
			at := r.off
			for _, v := range []*int64{&c.QTS, &c.Seq, &c.UnreadCount} {
				if *v, err = r.varint("channel qts, seq or unread count"); err != nil {
					return nil, err
				}
			}
			if c.QTS == 0 && c.Seq == 0 && c.UnreadCount == 0 {
				return nil, r.failAt(at, "channel qts, seq and unread count all 0 with their flag set")
			}
		}
		u.Channels = append(u.Channels, c)
	}
	return u, nil
}
