package compat_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
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
		f := &compat.Stored{Session: &codec.Session{Info: codec.Info{DC: 1 + i%5, ServerAddress: "149.154.167.51", Port: 443}, Key: benchKey(tb, i)}}
		for j := range 5 {
			f.Entities = append(f.Entities, compat.Entity{ID: int64(100000 + j), AccessHash: codec.Some(int64(j * 7919)), Username: fmt.Sprintf("user%d", j)})
		}
		if err := compat.WriteFile(filepath.Join(dir, fmt.Sprintf("s%04d.session", i)), f, compat.TelethonSQLite, false); err != nil {
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
	opts := testOptions{APIID: codec.Some[uint32](2040), UserID: codec.Some[int64](123456789)}
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
				n, failed, err := convertDir(dir, to, opts, c)
				if n != benchFiles || failed != 0 {
					b.Fatalf("%d items, %d failed: %v", n, failed, err)
				}
			}
			b.ReportMetric(float64(benchFiles)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
			// CPU time per file, user + system, of the whole process: a
			// measure that load from other processes does not distort.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(benchFiles*b.N), "cpu-µs/file")
		})
	}
}

// convertDir converts every *.session file of dir to to with up to c
// conversions at once (0: GOMAXPROCS), as a batch does: each through the
// read-convert pipeline. It returns the number of files, the number that
// failed and the first error.
func convertDir(dir string, to compat.Target, opts testOptions, c int) (n, failed int, first error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.session"))
	if err != nil {
		return 0, 0, err
	}
	if c <= 0 {
		c = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range min(c, max(len(paths), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				res, _, err := convert(fileSource(p), to, opts)
				if res != nil && res.Session != nil {
					res.Session.Wipe()
				}
				if err != nil {
					mu.Lock()
					failed++
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	return len(paths), failed, first
}
