package compat_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// hostileCases are the committed files of testdata/hostile (made by
// make_hostile.py, see its README) and what reading each must give. Every
// one of them made the reader of an earlier version compute or allocate
// hundreds of MB to GBs; see TestHostileFilesMemory.
var hostileCases = []struct {
	file string
	want error // nil: the file reads, with the key make_key(key)
	msg  string
	key  int
	// entities is the number of cached entities read.
	entities int
	// stringOK: converting to a string (which counts the cache instead of
	// reading it) succeeds even though ReadFile refuses the file.
	stringOK bool
}{
	// Unknown generated columns are never evaluated: the file reads.
	{file: "generated_virtual.session", key: 301, entities: 60},
	// A column the reader needs that is an expression is refused.
	{file: "generated_key.session", want: compat.ErrUnknownSchema, msg: "sessions.auth_key is a generated column"},
	{file: "generated_stored.session", want: compat.ErrUnknownSchema, msg: "entities.name is a generated column"},
	// 5,000 rows × a 50 KB column default: the values outgrow the file.
	{file: "default_amplified.session", want: codec.ErrTooLarge, msg: "values add up to more than", stringOK: true},
	// SQLite's planner statistics are refused before SQLite loads them.
	{file: "stat4.session", want: compat.ErrUnknownSchema, msg: "sqlite_stat4"},
	// Views are never expanded.
	{file: "view_bomb.session", key: 305},
	{file: "escape_names.session", want: compat.ErrUnknownSchema, msg: "are not those of"},
	// Header claims of page numbers and sizes cost nothing.
	{file: "wal_huge.session", key: 306},
	{file: "journal_huge.session", key: 307},
}

// TestHostileFiles reads each hostile file with ReadFile and Convert (to a
// file, which reads everything, and to a string, which counts the entity
// cache): each gives the expected result or typed error, and the input is
// never modified.
func TestHostileFiles(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.file, func(t *testing.T) {
			p := copyFile(t, filepath.Join("testdata", "hostile", c.file), t.TempDir())
			before := snapshotBytes(t, p)
			f, err := readPath(p)
			if c.want != nil {
				require.ErrorIs(t, err, c.want)
				require.Contains(t, err.Error(), c.msg)
				requireEscaped(t, err.Error())
			} else {
				require.NoError(t, err)
				require.True(t, keyIs(f.Session.Key, c.key), "unexpected key (want make_key(%d))", c.key)
				require.Len(t, f.Entities, c.entities)
				f.Wipe()
			}
			opts := testOptions{UserID: codec.Some[int64](1), APIID: codec.Some[uint32](1), Output: filepath.Join(t.TempDir(), "out.session")}
			for _, to := range []string{"telethon-sqlite", "pyrogram"} {
				target, err := compat.ParseTarget(to)
				require.NoError(t, err)
				_, _, err = convert(fileSource(p), target, opts)
				if c.want == nil || (c.stringOK && !target.IsFile()) {
					require.NoError(t, err, "Convert to %s", to)
				} else {
					require.ErrorIs(t, err, c.want, "Convert to %s", to)
				}
			}
			requireUnchanged(t, before, p)
		})
	}
}

// requireEscaped fails if s holds a control character or other rune that
// is not printable (a terminal escape sequence, a bidi override).
func requireEscaped(t testing.TB, s string) {
	t.Helper()
	require.True(t, utf8.ValidString(s), "message is not valid UTF-8")
	for _, r := range s {
		require.True(t, strconv.IsPrint(r), "message holds the non-printable rune %U", r)
	}
}

// helperRead is the child of TestHostileFilesMemory: it reads db with
// ReadFile and converts it to a string and to a file, prints the sentinel
// each gave (or "ok"), then its peak resident set size.
func helperRead(db, dir string) {
	class := func(err error) string {
		if err == nil {
			return "ok"
		}
		for _, s := range []error{compat.ErrNotSQLite, compat.ErrCorrupt, codec.ErrTooLarge, compat.ErrUnknownSchema, compat.ErrNoSession, compat.ErrMultipleSessions, compat.ErrLocked} {
			if errors.Is(err, s) {
				return s.Error()
			}
		}
		return fmt.Sprintf("untyped %T", err)
	}
	f, err := readPath(db)
	if err == nil {
		f.Wipe()
	}
	fmt.Println("read:", class(err))
	opts := testOptions{UserID: codec.Some[int64](1), APIID: codec.Some[uint32](1), Output: filepath.Join(dir, "out.session")}
	for _, to := range []string{"pyrogram", "telethon-sqlite"} {
		target, err := compat.ParseTarget(to)
		check(err)
		_, _, err = convert(fileSource(db), target, opts)
		fmt.Printf("convert %s: %s\n", to, class(err))
	}
	b, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Println("hwm:", strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")))
		}
	}
	os.Exit(0)
}
