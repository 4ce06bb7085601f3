package safefile_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tgsession/tgsession/internal/safefile"
)

// BenchmarkBulkWrite writes 200 files of ~360 bytes (a Telethon string
// each) per op, once with WriteFile (fsync of each file and of the
// directory per file) and once as one Batch, and reports files/s. Run it
// on a real disk, not tmpfs:
//
//	SAFEFILE_BENCH_DIR=/var/tmp go test -run '^$' -bench BulkWrite -benchmem ./internal/safefile/
func BenchmarkBulkWrite(b *testing.B) {
	const n = 200
	data := make([]byte, 353)
	for i := range data {
		data[i] = 'A' + byte(i%26)
	}
	root := os.Getenv("SAFEFILE_BENCH_DIR")
	mkdir := func(b *testing.B) string {
		if root == "" {
			return b.TempDir()
		}
		d, err := os.MkdirTemp(root, "safefile-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	b.Run("PerFileFsync", func(b *testing.B) {
		b.ReportAllocs()
		run := 0
		for b.Loop() {
			dir := mkdir(b)
			run++
			for i := 0; i < n; i++ {
				if err := safefile.WriteFile(filepath.Join(dir, strconv.Itoa(i)), data, false); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
	})
	b.Run("Batch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dir := mkdir(b)
			bt := safefile.NewBatch(false)
			for i := 0; i < n; i++ {
				if _, err := bt.Add(filepath.Join(dir, strconv.Itoa(i)), data); err != nil {
					b.Fatal(err)
				}
			}
			for _, err := range bt.Commit() {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
	})
}
