package sqlitefuzz_test

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"

	_ "modernc.org/sqlite"
)

// TestWriteSeeds regenerates testdata/fuzz/FuzzReadSQLite/ from the
// compat/testdata .session files (and compat/testdata/hostile), and
// testdata/fuzz/FuzzReadSQLiteRecovery/ from those with a -wal or -journal
// file. It runs only when TGSESSION_WRITE_SEEDS=1:
//
//	TGSESSION_WRITE_SEEDS=1 go test ./fuzz/sqlite -run '^TestWriteSeeds$'
//
// Each file is copied through SQLite with 512-byte pages and VACUUM (its
// WAL checkpointed, rollback-journal mode), so that the target starts from
// the smallest files holding the same rows. Generated files are named
// "seed-…"; crashers (named by Go by hash) are kept.
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("TGSESSION_WRITE_SEEDS") != "1" {
		t.Skip("set TGSESSION_WRITE_SEEDS=1 to regenerate the seed corpus")
	}
	writeCorpus(t, "FuzzReadSQLite", append(sqliteSeeds(t), hostileSeeds(t)...))
	writeCorpus(t, "FuzzReadSQLiteRecovery", recoverySeeds(t))
}

// hostileDir holds the files made to cost a reader far more than their
// size (see its README).
var hostileDir = filepath.Join("..", "..", "compat", "testdata", "hostile")

// hostileSeeds returns the hostile .session files as they are (shrinking
// them through SQLite would compute what they are made to make it compute).
func hostileSeeds(t *testing.T) []seed {
	paths, _ := filepath.Glob(filepath.Join(hostileDir, "*.session"))
	slices.Sort(paths)
	var out []seed
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seed{"hostile-" + strings.TrimSuffix(filepath.Base(p), ".session"), b})
	}
	if len(out) == 0 {
		t.Fatal("no .session files found in " + hostileDir)
	}
	return out
}

// recoverySeeds returns (database, companion) pairs for
// FuzzReadSQLiteRecovery: every committed file with a -wal or -journal,
// and hot journals that restore a damaged page of telethon_v7 (shrunk to
// 512-byte pages; one record per page, with a valid record count and with
// the count -1).
func recoverySeeds(t *testing.T) []seed {
	var out []seed
	for _, dir := range []string{filepath.Join("..", "..", "compat", "testdata"), hostileDir} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.session"))
		slices.Sort(paths)
		for _, p := range paths {
			for _, suffix := range []string{"-wal", "-journal"} {
				side, err := os.ReadFile(p + suffix)
				if err != nil {
					continue
				}
				db, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, seed{strings.TrimSuffix(filepath.Base(p), ".session") + suffix, []any{db, side}})
			}
		}
	}
	orig, err := shrinkSQLite(t, filepath.Join("..", "..", "compat", "testdata", "telethon_v7.session"))
	if err != nil {
		t.Fatal(err)
	}
	const ps = 512
	changed := slices.Clone(orig)
	for i := len(orig) - ps; i < len(orig); i++ {
		changed[i] ^= 0x5a // the last page, which the journal restores
	}
	for _, nRec := range []uint32{uint32(len(orig) / ps), 0xffffffff} {
		j := journalHeader(nRec, 0x1234567, uint32(len(orig)/ps), 512, ps)
		for pg := 1; pg*ps <= len(orig); pg++ {
			j = append(j, journalRecord(uint32(pg), 0x1234567, orig[(pg-1)*ps:pg*ps])...)
		}
		out = append(out, seed{fmt.Sprintf("hot-journal-nrec-%x", nRec), []any{changed, j}})
	}
	return out
}

// journalHeader is a rollback journal header (sqlite3.c pager.c
// writeJournalHdr) padded to a 512-byte sector.
func journalHeader(nRec, seed, mxPg, sector, pageSize uint32) []byte {
	h := []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}
	for _, v := range []uint32{nRec, seed, mxPg, sector, pageSize} {
		h = binary.BigEndian.AppendUint32(h, v)
	}
	return append(h, make([]byte, int(sector)-len(h))...)
}

// journalRecord is one journal record: page number, page, checksum
// (sqlite3.c pager_cksum).
func journalRecord(pgno, seed uint32, page []byte) []byte {
	sum := seed
	for i := len(page) - 200; i > 0; i -= 200 {
		sum += uint32(page[i])
	}
	r := binary.BigEndian.AppendUint32(nil, pgno)
	r = append(r, page...)
	return binary.BigEndian.AppendUint32(r, sum)
}

// seed is one corpus entry: a string or a []byte value, or a []any of
// them for a target with several arguments.
type seed struct {
	name  string
	value any
}

// writeCorpus replaces the seed-* files of target's corpus directory
// (see fuzzcheck.WriteCorpus).
func writeCorpus(t *testing.T, target string, seeds []seed) {
	out := make([]fc.Seed, len(seeds))
	for i, s := range seeds {
		out[i] = fc.Seed{Name: s.name, Value: s.value}
	}
	fc.WriteCorpus(t, target, out)
}

// sqliteSeeds returns the compat/testdata .session files, each copied
// through SQLite into the smallest rollback-journal database that holds the
// same rows (512-byte pages, VACUUM).
func sqliteSeeds(t *testing.T) []seed {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "compat", "testdata", "*.session"))
	slices.Sort(paths)
	var out []seed
	for _, p := range paths {
		b, err := shrinkSQLite(t, p)
		if err != nil {
			t.Logf("skipping %s: %v", p, err)
			continue
		}
		out = append(out, seed{strings.TrimSuffix(filepath.Base(p), ".session"), b})
	}
	if len(out) == 0 {
		t.Fatal("no .session files found in ../../compat/testdata")
	}
	// Framing edge cases: empty, header only, truncated.
	out = append(out, seed{"empty", []byte{}}, seed{"magic-only", []byte("SQLite format 3\x00")})
	if len(out) > 2 {
		first := out[0].value.([]byte)
		out = append(out, seed{"truncated-100", first[:100]}, seed{"truncated-page", first[:512]})
		// The same file marked as WAL mode (header bytes 18 and 19), with
		// no -wal file beside it.
		wal := slices.Clone(first)
		wal[18], wal[19] = 2, 2
		out = append(out, seed{"wal-flag", wal})
		// The same file declaring UTF-16le and an invalid text encoding
		// (header bytes 56–59).
		for _, enc := range []byte{2, 3, 0x68} {
			b := slices.Clone(first)
			b[56], b[57], b[58], b[59] = 0, 0, 0, enc
			out = append(out, seed{fmt.Sprintf("text-encoding-%d", enc), b})
		}
	}
	return out
}

func shrinkSQLite(t *testing.T, src string) ([]byte, error) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "s.session")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(src + suffix)
		if err != nil {
			if suffix == "" {
				return nil, err
			}
			continue
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dst)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{
		"PRAGMA wal_checkpoint(TRUNCATE)",
		"PRAGMA journal_mode=DELETE",
		"PRAGMA page_size=512",
		"VACUUM",
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(dst)
}
