package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock returns a clock that advances by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(step)
		return t
	}
}

// batchInputs writes n string sessions (input i = bad, if i is in bad)
// and returns the convert arguments for them into dir/out.
func batchInputs(t *testing.T, dir string, n int, bad ...int) []string {
	t.Helper()
	in := filepath.Join(dir, "in")
	require.NoError(t, os.MkdirAll(in, 0o700))
	args := []string{"convert", "--to", "gramjs", "--out", filepath.Join(dir, "out")}
	for i := range n {
		p := filepath.Join(in, fmt.Sprintf("s%03d.txt", i))
		body := fakeSession
		for _, b := range bad {
			if b == i {
				body = fakeSession[:100]
			}
		}
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		args = append(args, p)
	}
	return args
}

// TestBatchProgressAfterOneSecond: the progress line is drawn on a terminal
// once the batch has run for a second, whatever its size, at most ten
// times a second, and is erased at the end; never off a terminal or with
// -q.
func TestBatchProgressAfterOneSecond(t *testing.T) {
	dir := t.TempDir()

	// A quick batch (the clock stands still): no progress line, even for
	// many inputs.
	args := batchInputs(t, dir, 302, 7)
	c, _, stderr := testCLI("", nil)
	c.isTerminal = func(v any) bool { return v == c.stderr }
	c.now = fakeClock(0)
	require.Equal(t, exitFail, c.run(args))
	require.NotContains(t, stderr.String(), "\r")
	require.Contains(t, stderr.String(), "tgsession: 301 converted, 1 failed\n")

	// A slow batch of a few inputs (300 ms per clock reading): drawn after
	// the first second, erased before every other line and at the end.
	dir = t.TempDir()
	args = batchInputs(t, dir, 8, 3)
	c, stdout, stderr := testCLI("", nil)
	c.isTerminal = func(v any) bool { return v == c.stderr }
	c.now = fakeClock(300 * time.Millisecond)
	require.Equal(t, exitFail, c.run(args))
	require.Empty(t, stdout.String())
	e := stderr.String()
	require.Contains(t, e, "\r\033[Ktgsession: 4/8 done, 1 failed")
	require.NotContains(t, e, "1/8 done", "not drawn before a second has passed")
	require.True(t, strings.HasSuffix(e, "\r\033[Ktgsession: 7 converted, 1 failed\n"), "erased before the summary: %q", e[max(0, len(e)-80):])
	for _, line := range strings.Split(e, "\n") {
		if i := strings.LastIndex(line, "\r\033[K"); i >= 0 {
			rest := line[i+len("\r\033[K"):]
			require.True(t, rest == "" || strings.HasPrefix(rest, "tgsession: "), "a line is printed over the progress line: %q", line)
		}
	}
	require.Equal(t, 7, strings.Count(e, ": written to "))

	// Refreshed at most every 100 ms: with 10 ms per clock reading, a 150
	// item batch takes about 1.5 s of clock, so at most ~6 draws.
	dir = t.TempDir()
	args = batchInputs(t, dir, 150)
	c, _, stderr = testCLI("", nil)
	c.isTerminal = func(v any) bool { return v == c.stderr }
	c.now = fakeClock(10 * time.Millisecond)
	require.Equal(t, exitOK, c.run(append(args, "-q")))
	draws := strings.Count(stderr.String(), " done, ")
	require.Zero(t, draws, "-q draws no progress")
	c, _, stderr = testCLI("", nil)
	c.isTerminal = func(v any) bool { return v == c.stderr }
	c.now = fakeClock(10 * time.Millisecond)
	require.Equal(t, exitOK, c.run(append(args, "--force")))
	draws = strings.Count(stderr.String(), " done, ")
	require.Positive(t, draws)
	require.LessOrEqual(t, draws, 8, "refreshed at most 10 times a second")

	// Not on a terminal.
	c, _, stderr = testCLI("", nil)
	c.now = fakeClock(time.Second)
	require.Equal(t, exitOK, c.run(append(args, "--force")))
	require.NotContains(t, stderr.String(), "\r")
}

// TestBatchQuiet: -q leaves the errors and the summary; a 50-input batch
// prints a handful of lines, not hundreds.
func TestBatchQuiet(t *testing.T) {
	dir := t.TempDir()
	args := batchInputs(t, dir, 50, 10)
	args[2] = "pyrogram" // reports several dropped and supplied fields per input
	args = append(args, "--api-id", "2040", "--user-ids", filepath.Join(dir, "ids.txt"), "-q")
	var ids strings.Builder
	for i := range 50 {
		fmt.Fprintf(&ids, "s%03d.txt %d\n", i, 1000+i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ids.txt"), []byte(ids.String()), 0o600))
	c, stdout, stderr := testCLI("", nil)
	require.Equal(t, exitFail, c.run(args))
	require.Empty(t, stdout.String())
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	require.Equal(t, []string{
		"tgsession: error: " + filepath.Join(dir, "in", "s010.txt") + ": starts with the '1' prefix of Telethon and GramJS strings but decodes to 74 bytes: Telethon has 263 or 275, and the GramJS address length field does not match: unknown format",
		`tgsession: hint: run "tgsession doctor" on the same input for a diagnosis`,
		"tgsession: api_id from --api-id was supplied to 49 of 50 inputs",
		"tgsession: user_id from --user-ids " + filepath.Join(dir, "ids.txt") + " was supplied to 49 of 50 inputs",
		"tgsession: 49 converted, 1 failed",
	}, lines)

	// The same batch without -q prints every result and report line.
	c, _, stderr = testCLI("", nil)
	require.Equal(t, exitFail, c.run(append(args[:len(args)-1], "--force")))
	require.Greater(t, strings.Count(stderr.String(), "\n"), 300)
}

// TestBatchSummaryAndSkipExisting: --skip-existing leaves existing outputs
// alone and counts them; the summary says how many were skipped.
func TestBatchSummaryAndSkipExisting(t *testing.T) {
	dir := t.TempDir()
	args := batchInputs(t, dir, 6)
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o700))
	// Two outputs exist already (a resumed batch).
	for _, n := range []string{"s001", "s004"} {
		require.NoError(t, os.WriteFile(filepath.Join(out, n+".gramjs.txt"), []byte("old"), 0o600))
	}
	c, stdout, stderr := testCLI("", nil)
	require.Equal(t, exitOK, c.run(append(args, "--skip-existing", "--json")), stderr.String())
	e := stderr.String()
	require.Contains(t, e, "tgsession: "+filepath.Join(dir, "in", "s001.txt")+": skipped: "+filepath.Join(out, "s001.gramjs.txt")+" exists\n")
	require.True(t, strings.HasSuffix(e, "tgsession: 4 converted, 0 failed, 2 skipped\n"), e)
	for _, n := range []string{"s001", "s004"} {
		b, err := os.ReadFile(filepath.Join(out, n+".gramjs.txt"))
		require.NoError(t, err)
		require.Equal(t, "old", string(b))
	}
	var skipped int
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &r))
		if r["skipped"] == true {
			skipped++
			require.Equal(t, true, r["ok"])
			require.Equal(t, "the output exists", r["reason"])
		}
	}
	require.Equal(t, 2, skipped)

	// Without it, the existing outputs are failures, as before.
	c, _, stderr = testCLI("", nil)
	require.Equal(t, exitFail, c.run(args))
	require.Contains(t, stderr.String(), "tgsession: 0 converted, 6 failed\n")

	// --skip-existing and --force contradict each other.
	c, _, _ = testCLI("", nil)
	require.Equal(t, exitUsage, c.run(append(args, "--skip-existing", "-f")))
}

// TestBatchInterruptedInProcess: when the interrupt channel closes, the
// batch stops handing out work, reports what finished and says what was
// written and what was not started.
func TestBatchInterruptedInProcess(t *testing.T) {
	dir := t.TempDir()
	args := batchInputs(t, dir, 40)
	setBatchAhead(t, 1) // a group commit holds at most one input
	ch := make(chan struct{})
	c, stdout, stderr := testCLI("", nil)
	c.interrupted = ch
	testHookEmitted = func(k int) {
		if k == 3 {
			close(ch)
		}
	}
	defer func() { testHookEmitted = nil }()
	require.Equal(t, exitFail, c.run(append(args, "--jobs", "1", "--json")))
	e := stderr.String()
	written := strings.Count(e, ": written to ")
	require.GreaterOrEqual(t, written, 3)
	require.LessOrEqual(t, written, 5)
	require.Contains(t, e, fmt.Sprintf("tgsession: interrupted: %d written, %d not started\n", written, 40-written))
	des, err := os.ReadDir(filepath.Join(dir, "out"))
	require.NoError(t, err)
	require.Len(t, des, written, "every output reported as written exists, and no other file")
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, written)
	for _, l := range lines {
		require.True(t, json.Valid([]byte(l)), l)
	}
}

// setBatchAhead sets batchAhead for the test.
func setBatchAhead(t *testing.T, k int) {
	old := batchAhead
	batchAhead = k
	t.Cleanup(func() { batchAhead = old })
}

// failWriter fails every write after the first n, like a pipe whose
// reader went away.
type failWriter struct {
	n int
}

func (w *failWriter) Write(b []byte) (int, error) {
	if w.n == 0 {
		return 0, fmt.Errorf("write |1: %w", os.ErrClosed)
	}
	w.n--
	return len(b), nil
}

// TestBatchStdoutClosed: a batch whose JSON reader goes away (| head -2)
// stops like an interrupted one.
func TestBatchStdoutClosed(t *testing.T) {
	dir := t.TempDir()
	args := batchInputs(t, dir, 40)
	setBatchAhead(t, 1)
	c, _, stderr := testCLI("", nil)
	c.stdout = &failWriter{n: 2}
	require.Equal(t, exitFail, c.run(append(args, "--jobs", "1", "--json")))
	e := stderr.String()
	written := strings.Count(e, ": written to ")
	require.Contains(t, e, fmt.Sprintf("tgsession: interrupted (standard output closed): %d written, %d not started\n", written, 40-written))
	require.Less(t, written, 40)
}

// TestBatchStreamJSON: several inputs, a string target, --json and no
// --out: one JSON line per input on stdout, in input order, with the
// input's format and the session under "result", or the error; a failing
// input makes the exit status 1 and the others still print; no session
// reaches stderr or an error; nothing is written to disk.
func TestBatchStreamJSON(t *testing.T) {
	dir := t.TempDir()
	args := batchInputs(t, dir, 4, 2)
	args = append(args[:3], args[5:]...) // drop --out DIR
	c, want, _ := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "gramjs"}))
	c, stdout, stderr := testCLI("", nil)
	require.Equal(t, exitFail, c.run(append(args, "--json")), stderr.String())
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	for i, l := range lines {
		var r map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		require.Equal(t, filepath.Join(dir, "in", fmt.Sprintf("s%03d.txt", i)), r["input"])
		if i == 2 {
			require.Equal(t, false, r["ok"])
			require.NotEmpty(t, r["error"])
			require.NotContains(t, r, "result")
			require.NotContains(t, l, fakeSession[:100])
			continue
		}
		require.Equal(t, true, r["ok"])
		require.Equal(t, "telethon", r["format"])
		require.Equal(t, strings.TrimSuffix(want.String(), "\n"), r["result"])
		require.NotContains(t, r, "output")
	}
	require.NotContains(t, stderr.String(), strings.TrimSuffix(want.String(), "\n")[:40])
	require.NotContains(t, stderr.String(), fakeSession[:40])
	require.Contains(t, stderr.String(), "tgsession: 3 converted, 1 failed\n")
	_, err := os.Stat(filepath.Join(dir, "out"))
	require.ErrorIs(t, err, os.ErrNotExist)

	// No output files: --force and --skip-existing are refused, and a
	// file target still needs --out DIR; without --json, too.
	for _, extra := range [][]string{{"--json", "--force"}, {"--json", "--skip-existing"}, {}} {
		c, _, _ = testCLI("", nil)
		require.Equal(t, exitUsage, c.run(append(slices.Clone(args), extra...)), extra)
	}
	fargs := slices.Clone(args)
	fargs[2] = "telethon-sqlite"
	c, _, stderr = testCLI("", nil)
	require.Equal(t, exitUsage, c.run(append(fargs, "--json")))
	require.Contains(t, stderr.String(), "several inputs need --out DIR")
}
