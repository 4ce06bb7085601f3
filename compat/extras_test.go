package compat_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/testsecret"
)

// extrasVectors are the readable .session vectors of testdata.
func extrasVectors(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.session"))
	require.NoError(t, err)
	var out []string
	for _, n := range names {
		if !strings.Contains(n, "nokey") {
			out = append(out, n)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// TestExtrasRoundTrip: for every vector, the File rebuilt from its extras
// and its session writes exactly the same database as the File that was
// read, for every kind, converts with the same report, and serializes to
// the same extras again.
func TestExtrasRoundTrip(t *testing.T) {
	for _, p := range extrasVectors(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			orig, err := readPath(p)
			if err != nil {
				var ms *compat.MultipleSessionsError
				require.ErrorAs(t, err, &ms)
				orig, err = compat.ReadFile(p, compat.ReadOptions{DC: ms.DCs[0]})
				require.NoError(t, err)
			}
			defer orig.Wipe()
			x, err := orig.MarshalExtras()
			require.NoError(t, err)
			back, err := unmarshalExtras(x, orig.Session.Clone())
			require.NoError(t, err)
			defer back.Wipe()
			again, err := back.MarshalExtras()
			require.NoError(t, err)
			require.True(t, bytes.Equal(x, again), "extras are not a fixed point")

			require.Equal(t, orig.Library, back.Library)
			require.Equal(t, orig.Schema, back.Schema)
			require.Equal(t, orig.WAL, back.WAL)
			require.Equal(t, orig.TakeoutID, back.TakeoutID)
			require.Equal(t, orig.Notes, back.Notes)
			require.Equal(t, len(orig.Entities), len(back.Entities))
			for i := range orig.Entities {
				require.Equal(t, orig.Entities[i], back.Entities[i], "entity %d", i)
			}
			require.Equal(t, orig.UpdateState, back.UpdateState)

			converted := 0
			for _, kind := range compat.Kinds() {
				dir := t.TempDir()
				start := time.Now().Unix()
				want, wrep, werr := convertStored(orig, "x", compat.Target{Kind: kind}, testOptions{Output: filepath.Join(dir, "a.session")})
				got, grep, gerr := convertStored(back, "x", compat.Target{Kind: kind}, testOptions{Output: filepath.Join(dir, "b.session")})
				end := time.Now().Unix()
				require.Equal(t, werr == nil, gerr == nil, "%s: one conversion failed", kind)
				if werr != nil {
					require.Equal(t, werr.Error(), gerr.Error())
					continue
				}
				want.Session.Wipe()
				got.Session.Wipe()
				require.Equal(t, wrep, grep, kind.String())
				requireSameDatabase(t, kind, filepath.Join(dir, "a.session"), filepath.Join(dir, "b.session"), start, end)
				converted++
			}
			require.Positive(t, converted, "no file kind could be written")
			_, rep, err := convertStored(back, "x", compat.Target{Format: codec.Telethon}, testOptions{})
			if err == nil && len(orig.Entities) > 0 {
				found := false
				for _, c := range rep.Changes {
					found = found || c.Field == "entities"
				}
				require.True(t, found, "a string target reports the entity cache as dropped")
			}
		})
	}
}

// requireSameDatabase checks that two databases written from Files that
// hold the same data are the same: byte for byte, or, when the writes
// straddle a second, equal except for last_update_on values that SQLite
// filled with the time of writing (the column default of the Pyrogram
// family's peers, and of pyrofork's usernames, for which no File holds a
// time), each within the seconds the writes took.
func requireSameDatabase(t *testing.T, kind compat.Kind, a, b string, start, end int64) {
	t.Helper()
	ab, err := os.ReadFile(a)
	require.NoError(t, err)
	bb, err := os.ReadFile(b)
	require.NoError(t, err)
	if bytes.Equal(ab, bb) {
		return
	}
	const tables = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	require.Equal(t, sqlRows(t, a, tables), sqlRows(t, b, tables), "%s: tables", kind)
	for _, tbl := range sqlRows(t, a, tables) {
		var cols []string
		clock := false
		for _, c := range sqlRows(t, a, "SELECT name FROM pragma_table_info('"+tbl+"')") {
			if c == "last_update_on" {
				clock = true
				continue
			}
			cols = append(cols, `"`+c+`"`)
		}
		q := "SELECT " + strings.Join(cols, ", ") + " FROM " + tbl + " ORDER BY rowid"
		testsecret.RequireSameText(t, strings.Join(sqlRows(t, a, q), "\n"), strings.Join(sqlRows(t, b, q), "\n"),
			"%s: table %s", kind, tbl)
		if !clock {
			continue
		}
		q = "SELECT last_update_on FROM " + tbl + " ORDER BY rowid"
		ta, tb := sqlRows(t, a, q), sqlRows(t, b, q)
		require.Equal(t, len(ta), len(tb))
		for i := range ta {
			if ta[i] == tb[i] {
				continue
			}
			for _, v := range []string{ta[i], tb[i]} {
				n, err := strconv.ParseInt(v, 10, 64)
				require.NoError(t, err)
				require.True(t, n >= start && n <= end, "%s: %s.last_update_on differs and is not the time of writing", kind, tbl)
			}
		}
	}
}

// TestExtrasEveryField covers the fields the vectors may lack.
func TestExtrasEveryField(t *testing.T) {
	f := &compat.Stored{
		Library: "telethon", Schema: 7, WAL: true, TakeoutID: codec.Some[int64](-42),
		Layout: "alchemysession", Date: codec.Some[int64](1700000001), OtherDCs: []int{1, 5},
		Notes: []string{"a note", ""},
		Entities: []compat.Entity{
			{ID: 1},
			{ID: -1000000000123, AccessHash: codec.Some[int64](-1), Username: "chan", Usernames: []string{"x", ""},
				Phone: "123", Name: "Name\x00with NUL", Type: compat.PeerSupergroup, Date: codec.Some[int64](1700000000)},
		},
		UpdateState: &compat.UpdateState{PTS: 1, QTS: -2, Seq: 3, Date: 1700000000.5, UnreadCount: 9,
			Channels: []compat.ChannelState{{ID: 5, PTS: 6}, {ID: 7, PTS: 8, Date: codec.Some(math.Copysign(0, -1))},
				{ID: 9, PTS: 10, QTS: 11, Seq: 12, UnreadCount: 13, Date: codec.Some(1700000002.0)}, {ID: 14, PTS: 1, Seq: 2}}},
	}
	x, err := f.MarshalExtras()
	require.NoError(t, err)
	back, err := unmarshalExtras(x, nil)
	require.NoError(t, err)
	require.Equal(t, f.Entities, back.Entities)
	require.Equal(t, f.UpdateState.Channels[0], back.UpdateState.Channels[0])
	require.Equal(t, f.UpdateState.Channels[2:], back.UpdateState.Channels[2:])
	require.Equal(t, f.UpdateState.UnreadCount, back.UpdateState.UnreadCount)
	require.Equal(t, f.Layout, back.Layout)
	require.Equal(t, f.Date, back.Date)
	require.Equal(t, f.OtherDCs, back.OtherDCs)
	require.True(t, math.Signbit(back.UpdateState.Channels[1].Date.Or(1)), "-0 kept")
	require.Equal(t, f.Notes, back.Notes)
	require.True(t, back.WAL)
	again, err := back.MarshalExtras()
	require.NoError(t, err)
	require.True(t, bytes.Equal(x, again))

	for _, bad := range []*compat.Stored{
		nil, {}, {Library: strings.Repeat("x", 256)}, {Library: "x", Schema: -1}, {Library: "x", Layout: strings.Repeat("x", 256)},
		{Library: "x", UpdateState: &compat.UpdateState{Date: math.NaN()}},
		{Library: "x", UpdateState: &compat.UpdateState{Channels: []compat.ChannelState{{Date: codec.Some(math.Inf(1))}}}},
	} {
		_, err := bad.MarshalExtras()
		require.ErrorIs(t, err, compat.ErrBadExtras)
	}
}

func TestExtrasRejects(t *testing.T) {
	good, err := marshalExtras(&compat.Stored{Library: "telethon", Schema: 7,
		Entities:    []compat.Entity{{ID: 5, Username: "u", Usernames: []string{"v"}}},
		UpdateState: &compat.UpdateState{Date: 1, Channels: []compat.ChannelState{{ID: 1, Date: codec.Some(2.0)}}}})
	require.NoError(t, err)
	minimal, err := marshalExtras(&compat.Stored{Library: "x"})
	require.NoError(t, err)
	// minimal: 01 | 01 'x' | 00 schema | 00 flags | 00 otherKeys | 00 cache | 00 state | 00 notes | 00 entities
	require.Equal(t, []byte{1, 1, 'x', 0, 0, 0, 0, 0, 0, 0}, minimal)
	edit := func(base []byte, f func(b []byte) []byte) []byte { return f(append([]byte(nil), base...)) }
	nan := binary.BigEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
	cases := map[string][]byte{
		"empty":             nil,
		"version 2":         edit(minimal, func(b []byte) []byte { b[0] = 2; return b }),
		"empty library":     edit(minimal, func(b []byte) []byte { return append([]byte{1, 0}, b[3:]...) }),
		"library overruns":  edit(minimal, func(b []byte) []byte { b[1] = 100; return b }),
		"schema non-min":    edit(minimal, func(b []byte) []byte { return append(append(b[:3:3], 0x80, 0), b[4:]...) }),
		"schema too large":  edit(minimal, func(b []byte) []byte { return append(append(b[:3:3], 0x80, 0x80, 0x80, 0x80, 0x08), b[4:]...) }),
		"unknown flag":      edit(minimal, func(b []byte) []byte { b[4] = 0x80; return b }),
		"takeout truncated": edit(minimal, func(b []byte) []byte { b[4] = 2; return b[:5] }),
		"empty own name":    edit(minimal, func(b []byte) []byte { b[4] = 16; return append(append(b[:5:5], 0), b[5:]...) }),
		"count too large":   edit(minimal, func(b []byte) []byte { b[5] = 100; return b }),
		"trailing":          edit(minimal, func(b []byte) []byte { return append(b, 0) }),
		"state truncated":   edit(minimal, func(b []byte) []byte { b[4] = 8; return b }),
		"state nan":         edit(minimal, func(b []byte) []byte { b[4] = 8; return append(append(b, 0, 0, 0), nan...) }),
		"channel flag 4": edit(minimal, func(b []byte) []byte {
			b[4] = 8
			return append(append(append(b, 0, 0, 0), make([]byte, 8)...), 1, 0, 0, 4)
		}),
		"channel counts all 0": edit(minimal, func(b []byte) []byte {
			b[4] = 8
			return append(append(append(b, 0, 0, 0), make([]byte, 8)...), 1, 0, 0, 2, 0, 0, 0)
		}),
		"unread without state": edit(minimal, func(b []byte) []byte { b[4] = 64; return b }),
		"unread 0": edit(minimal, func(b []byte) []byte {
			b[4] = 8 | 64
			return append(append(append(b, 0, 0, 0), make([]byte, 8)...), 0, 0)
		}),
		"empty layout":        edit(minimal, func(b []byte) []byte { b[4] = 32; return append(append(b[:5:5], 0), b[5:]...) }),
		"entity unknown flag": edit(minimal, func(b []byte) []byte { b[9] = 1; return append(b, 2, 0x80) }),
		"entity empty name":   edit(minimal, func(b []byte) []byte { b[9] = 1; return append(b, 2, 4, 0) }),
		"usernames none":      edit(minimal, func(b []byte) []byte { b[9] = 1; return append(b, 2, 0x40, 0) }),
		"entity truncated":    edit(minimal, func(b []byte) []byte { b[9] = 1; return append(b, 2, 1, 0) }),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := unmarshalExtras(b, nil)
			require.ErrorIs(t, err, compat.ErrBadExtras)
			require.Contains(t, err.Error(), "(at byte ", "the error says where")
			require.Equal(t, name == "version 2", errors.Is(err, codec.ErrUnsupportedVersion))
		})
	}
	for n := 0; n < len(good); n++ {
		_, err := unmarshalExtras(good[:n], nil)
		require.ErrorIs(t, err, compat.ErrBadExtras, "truncated to %d bytes", n)
	}
}

// FuzzExtras: UnmarshalExtras never panics, refuses with typed errors, and
// whatever it accepts serializes back to the same bytes.
func FuzzExtras(f *testing.F) {
	for _, p := range extrasVectors(f) {
		file, err := readPath(p)
		if err != nil {
			continue
		}
		x, err := file.MarshalExtras()
		file.Wipe()
		if err == nil {
			f.Add(x)
		}
	}
	f.Add([]byte{1, 1, 'x', 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := unmarshalExtras(b, nil)
		if err != nil {
			if !strings.Contains(err.Error(), "(at byte ") || !errors.Is(err, compat.ErrBadExtras) {
				t.Fatalf("untyped error")
			}
			return
		}
		again, err := file.MarshalExtras()
		if err != nil {
			t.Fatalf("accepted extras do not marshal again")
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted extras are not canonical")
		}
	})
}
