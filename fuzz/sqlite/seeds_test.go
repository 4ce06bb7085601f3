package sqlitefuzz_test

import (
	"database/sql"
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
// compat/testdata .session files. It runs only when TGSESSION_WRITE_SEEDS=1:
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
	writeCorpus(t, "FuzzReadSQLite", sqliteSeeds(t))
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
