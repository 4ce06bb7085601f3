package compat_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// benchFiles is the number of Telethon files converted per benchmark
// iteration.
const benchFiles = 2000

// makeTelethonFiles writes n Telethon v7 files (each with its own key and a
// few cached entities) into dir.
func makeTelethonFiles(tb testing.TB, dir string, n int) {
	tb.Helper()
	for i := range n {
		f := &compat.File{Session: &codec.Session{Info: codec.Info{DC: 1 + i%5, ServerAddress: "149.154.167.51", Port: 443}, Key: benchKey(tb, i)}}
		for j := range 5 {
			f.Entities = append(f.Entities, compat.Entity{ID: int64(100000 + j), AccessHash: codec.Some(int64(j * 7919)), Username: fmt.Sprintf("user%d", j)})
		}
		if err := compat.WriteFile(filepath.Join(dir, fmt.Sprintf("s%04d.session", i)), f, compat.TelethonSQLite, compat.WriteOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
}

func benchKey(tb testing.TB, i int) codec.AuthKey {
	var b []byte
	for j := range 8 {
		s := sha256.Sum256(fmt.Appendf(nil, "bench:%d:%d", i, j))
		b = append(b, s[:]...)
	}
	k, err := codec.NewAuthKey(b)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// BenchmarkConvertTelethonFilesToPyrogram converts 2,000 Telethon .session
// files to Pyrogram strings per iteration (see docs/benchmarks-compat.md).
//
// With $COMPAT_BENCH_DIR set, the files are made there (if it is empty) and
// kept, so that compat/bench/baseline.py can convert the same files.
func BenchmarkConvertTelethonFilesToPyrogram(b *testing.B) {
	dir := os.Getenv("COMPAT_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 {
		require.NoError(b, os.MkdirAll(dir, 0o700))
		makeTelethonFiles(b, dir, benchFiles)
	}
	opts := compat.Options{APIID: codec.Some[uint32](2040), UserID: codec.Some[int64](123456789)}
	to := compat.Target{Format: codec.Pyrogram}
	for _, c := range []int{1, 0} {
		name := "parallel"
		if c == 1 {
			name = "serial"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				items := compat.ConvertBatch(context.Background(), []string{dir}, to, opts, c)
				if len(items) != benchFiles || compat.Failed(items) != 0 {
					b.Fatalf("%d items, %d failed: %v", len(items), compat.Failed(items), items[0].Err)
				}
			}
			b.ReportMetric(float64(benchFiles)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
			// CPU time per file, user + system, of the whole process: a
			// measure that load from other processes does not distort.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(benchFiles*b.N), "cpu-µs/file")
		})
	}
}
