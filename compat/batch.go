package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/tgsession/tgsession/internal/safefile"
)

// ItemResult is the outcome of one input of [ConvertBatch]: a Result and
// Report, or Err. Like Result, it never prints a session string.
type ItemResult struct {
	// Input is the source file.
	Input string
	// Output is the file written, for a file target.
	Output string
	Result *Result
	Report *Report
	Err    error
}

// ErrDuplicateOutput is returned for a batch item whose output file name
// (its input's base name) is already taken by an earlier item.
var ErrDuplicateOutput = errors.New("another input has the same output name")

// ConvertBatch converts many session databases: each input is a file, or a
// directory whose *.session files are all converted (not recursively). It
// runs up to concurrency conversions at once (≤ 0: GOMAXPROCS) and returns
// one ItemResult per file, in input order (directories expanded in name
// order). One bad file never stops the rest; a directory that cannot be
// read is one failed item. For a file target, opts.Output is the directory
// to write into (created 0700 if missing) and each output keeps its input's
// base name, with a .session extension. When ctx is cancelled, items not
// yet started fail with ctx's error.
func ConvertBatch(ctx context.Context, inputs []string, to Target, opts Options, concurrency int) []ItemResult {
	items := expand(inputs)
	if to.IsFile() {
		assignOutputs(items, opts.Output)
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
		next = make(chan int)
	)
	for range min(concurrency, max(len(items), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := &items[i]
				if it.Err == nil {
					if err := ctx.Err(); err != nil {
						it.Err = err
					} else {
						o := opts
						o.Output = it.Output
						o.Progress = nil
						it.Result, it.Report, it.Err = Convert(FileSource(it.Input), to, o)
					}
				}
				if opts.Progress != nil {
					mu.Lock()
					done++
					opts.Progress(done, len(items))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	return items
}

// Failed counts the items that failed.
func Failed(items []ItemResult) int {
	n := 0
	for _, it := range items {
		if it.Err != nil {
			n++
		}
	}
	return n
}

// expand turns inputs into one item per file.
func expand(inputs []string) []ItemResult {
	var items []ItemResult
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil || !st.IsDir() {
			items = append(items, ItemResult{Input: in})
			continue
		}
		entries, err := os.ReadDir(in)
		if err != nil {
			items = append(items, ItemResult{Input: in, Err: fmt.Errorf("compat: %w", pathErr(err))})
			continue
		}
		var names []string
		for _, e := range entries {
			name := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(name, ".session") && !strings.HasPrefix(name, safefile.TempPrefix) {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			items = append(items, ItemResult{Input: filepath.Join(in, n)})
		}
	}
	return items
}

// assignOutputs names each item's output file in dir.
func assignOutputs(items []ItemResult, dir string) {
	if dir == "" {
		for i := range items {
			if items[i].Err == nil {
				items[i].Err = errors.New("compat: a batch with a file target needs an output directory")
			}
		}
		return
	}
	mkErr := os.MkdirAll(dir, 0o700)
	taken := map[string]string{}
	for i := range items {
		it := &items[i]
		if it.Err != nil {
			continue
		}
		if mkErr != nil {
			it.Err = fmt.Errorf("compat: %w", pathErr(mkErr))
			continue
		}
		name := strings.TrimSuffix(filepath.Base(it.Input), ".session") + ".session"
		it.Output = filepath.Join(dir, name)
		if prev, ok := taken[name]; ok {
			it.Err = fmt.Errorf("compat: %s: output %s is also %s's: %w", quotePath(it.Input), quotePath(it.Output), quotePath(prev), ErrDuplicateOutput)
			it.Output = ""
			continue
		}
		taken[name] = it.Input
	}
}
