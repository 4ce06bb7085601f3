package sqlitefuzz_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/peerid"
)

// compatSentinels are the sentinels a compat reader may wrap: its own and,
// for a session row whose values are invalid, codec's.
var compatSentinels = append([]error{
	compat.ErrNotSQLite, compat.ErrCorrupt, compat.ErrUnknownSchema,
	compat.ErrNoSession, compat.ErrMultipleSessions, compat.ErrLocked, fs.ErrExist,
}, fc.CodecSentinels...)

// libraryKinds maps Stored.Library to the kind that library writes; it
// must agree with Stored.Kind, which the reader sets.
var libraryKinds = map[string]compat.Kind{
	"telethon":    compat.TelethonSQLite,
	"telethon-v2": compat.TelethonV2SQLite,
	"pyrogram":    compat.PyrogramSQLite,
	"hydrogram":   compat.PyrogramSQLite,
	"pyrofork":    compat.PyroforkSQLite,
	"kurigram":    compat.KurigramSQLite,
}

// FuzzReadSQLite fuzzes compat.ReadFile on the bytes of a .session file
// (written to a private directory per fuzzing worker; seeds are the
// compat/testdata files shrunk to 512-byte pages, and the hostile files of
// compat/testdata/hostile as they are). Invariants:
//   - ReadFile raises the process's peak resident set size by at most
//     fuzzcheck.MemGrowthLimit and takes at most fuzzcheck.CPULimit of CPU
//     time, whatever the file asks SQLite to compute;
//   - a refused file gets a typed error (a compat or codec sentinel) whose
//     text holds no input bytes (SQLite's own messages can quote schema
//     text, so they must not be passed through);
//   - an accepted file has a valid session, nothing in fmt or JSON renderings
//     of the File shows the key, and writing it back as the same library's
//     kind (compat.Marshal) gives a file that reads back to an equal session
//     with the same entities (except users and channels without an access
//     hash, which no library can use and Marshal documents it does not
//     write), and that Marshal reproduces byte for byte.
func FuzzReadSQLite(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "in.session")
	back := filepath.Join(dir, "back.session")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{path, back} {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				os.Remove(p + suffix)
			}
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer fc.Watchdog("FuzzReadSQLite")()
		use := fc.StartUsage()
		file, err := compat.ReadFile(path, compat.ReadOptions{})
		use.Check(t, "ReadFile")
		if err != nil {
			fc.Typed(t, err, "ReadFile", compatSentinels...)
			c := fc.NewLeak(string(data))
			fc.NoLeak(t, c, "ReadFile error", err.Error())
			return
		}
		defer file.Wipe()
		if file.Session == nil {
			t.Fatalf("ReadFile returned a File without a session and no error")
		}
		if err := file.Session.Validate(); err != nil {
			t.Fatalf("ReadFile returned an invalid session (%v)", fc.ErrClass(err))
		}
		key := file.Session.Key.Reveal()
		defer clear(key)
		leak := fc.NewLeak("").Secret(key)
		// The same File with another key: a key window that also shows up
		// there comes from attacker-chosen non-secret fields (a username
		// whose bytes the fuzzer copied from the key blob), not from the key.
		other := *file
		other.Session = file.Session.Clone()
		otherKey := make([]byte, codec.AuthKeySize)
		for i := range otherKey {
			otherKey[i] = ^key[i]
		}
		other.Session.Key, err = codec.NewAuthKey(otherKey)
		if err != nil {
			t.Fatal("complement of a valid key refused")
		}
		defer other.Session.Wipe()
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
			text := fmt.Sprintf(verb, file)
			if leak.Check(text) != "" && leak.Check(fmt.Sprintf(verb, &other)) != "" {
				continue // present without the key: not a leak of the key
			}
			fc.NoLeak(t, leak, verb+" of a File", text)
		}
		if j, err := json.Marshal(file); err == nil {
			fc.NoLeak(t, leak, "JSON of a File", string(j))
		}

		kind, ok := libraryKinds[file.Library]
		if !ok {
			t.Fatalf("ReadFile returned an unknown library name")
		}
		if file.Kind != kind {
			t.Fatalf("ReadFile's Kind %v disagrees with its library %s", file.Kind, file.Library)
		}
		img, err := compat.Marshal(file, kind)
		if err != nil {
			fc.Typed(t, err, "Marshal", compatSentinels...)
			fc.NoLeak(t, leak, "Marshal error", err.Error())
			return
		}
		defer clear(img)
		if err := os.WriteFile(back, img, 0o600); err != nil {
			t.Fatal(err)
		}
		again, err := compat.ReadFile(back, compat.ReadOptions{})
		if err != nil {
			t.Fatalf("a file written by Marshal(%v) does not read back (%s)", kind, fc.ErrClass(err, compatSentinels...))
		}
		defer again.Wipe()
		if !again.Session.Equal(file.Session) {
			t.Fatalf("Marshal(%v) round trip changed the session%s", kind, fc.DescribeDiff(file.Session, again.Session))
		}
		checkEntitiesKept(t, kind, file.Entities, again.Entities)
		img2, err := compat.Marshal(again, kind)
		if err != nil {
			t.Fatalf("Marshal(%v) refuses a file it wrote (%s)", kind, fc.ErrClass(err, compatSentinels...))
		}
		defer clear(img2)
		if !bytes.Equal(img, img2) {
			t.Fatalf("Marshal(%v) is not a fixed point", kind)
		}
	})
}

// checkEntitiesKept checks that a Marshal round trip kept every entity a
// library can use, by id, and added none.
func checkEntitiesKept(t *testing.T, kind compat.Kind, before, after []compat.Entity) {
	t.Helper()
	got := map[int64]bool{}
	for _, e := range after {
		got[e.ID] = true
	}
	want := map[int64]bool{}
	for _, e := range before {
		want[e.ID] = true
		if got[e.ID] {
			continue
		}
		if peerid.Of(e.ID) != peerid.Chat && !e.AccessHash.Known() {
			continue // not storable: documented in compat's writers
		}
		t.Fatalf("Marshal(%v) round trip lost an entity (kind %v, access hash known %v)", kind, peerid.Of(e.ID), e.AccessHash.Known())
	}
	for _, e := range after {
		if !want[e.ID] {
			t.Fatalf("Marshal(%v) round trip added an entity", kind)
		}
	}
}

// FuzzReadSQLiteRecovery fuzzes the in-memory recovery of compat.ReadFile:
// the bytes of a database file and of the companion SQLite would recover it
// from, written beside it as its -wal file (database in WAL mode) or as its
// -journal file (rollback mode, where an unlocked journal is hot). Seeds
// are the hydrogram WAL fixture, hot journals made from telethon_v7, and
// the hostile -wal and -journal files of compat/testdata/hostile, whose
// headers claim pages far beyond the file. Invariants:
//   - ReadFile stays within fuzzcheck.MemGrowthLimit and CPULimit, whatever
//     page numbers and sizes the companion claims;
//   - a refused file gets a typed error that quotes no input;
//   - an accepted file has a valid session;
//   - neither file is modified.
func FuzzReadSQLiteRecovery(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "rec.session")
	f.Fuzz(func(t *testing.T, db, companion []byte) {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			os.Remove(path + suffix)
		}
		if err := os.WriteFile(path, db, 0o600); err != nil {
			t.Fatal(err)
		}
		side := path + "-journal"
		if len(db) > 19 && db[18] == 2 && db[19] == 2 {
			side = path + "-wal"
		}
		if err := os.WriteFile(side, companion, 0o600); err != nil {
			t.Fatal(err)
		}
		defer fc.Watchdog("FuzzReadSQLiteRecovery")()
		use := fc.StartUsage()
		file, err := compat.ReadFile(path, compat.ReadOptions{})
		use.Check(t, "ReadFile")
		if err != nil {
			fc.Typed(t, err, "ReadFile", compatSentinels...)
			fc.NoLeak(t, fc.NewLeak(string(db)), "ReadFile error", err.Error())
			fc.NoLeak(t, fc.NewLeak(string(companion)), "ReadFile error", err.Error())
		} else {
			defer file.Wipe()
			if file.Session == nil || file.Session.Validate() != nil {
				t.Fatalf("ReadFile returned no valid session and no error")
			}
		}
		for name, want := range map[string][]byte{path: db, side: companion} {
			if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("ReadFile modified its input")
			}
		}
	})
}
