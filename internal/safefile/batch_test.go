//go:build unix

package safefile_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/safefile"
)

// batchContent is what the i-th file of a test batch holds: lengths vary
// so that a torn file cannot look complete.
func batchContent(i int) []byte {
	return bytes.Repeat([]byte("file "+strconv.Itoa(i)+";"), 20+i%37)
}

func batchName(dir string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("out-%04d.session", i))
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), safefile.TempPrefix) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestBatchWritesEveryFile0600AndNothingBeforeCommit(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dirs := []string{t.TempDir(), t.TempDir()}
	b := safefile.NewBatch(false)
	for i := 0; i < 40; i++ {
		idx, err := b.Add(batchName(dirs[i%2], i), batchContent(i))
		require.NoError(t, err)
		require.Equal(t, i, idx)
	}
	for i := 0; i < 40; i++ {
		_, err := os.Lstat(batchName(dirs[i%2], i))
		require.True(t, os.IsNotExist(err), "file %d visible before Commit", i)
	}
	for i, err := range b.Commit() {
		require.NoError(t, err, "file %d", i)
	}
	for i := 0; i < 40; i++ {
		p := batchName(dirs[i%2], i)
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		require.True(t, bytes.Equal(got, batchContent(i)), "file %d content", i)
		st, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	}
	for _, d := range dirs {
		require.Empty(t, tempFiles(t, d))
	}
	require.Zero(t, safefile.LiveCount())
}

func TestBatchNeverReplacesWithoutOverwriteNorAnythingButARegularFile(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	require.NoError(t, os.WriteFile(existing, []byte("keep"), 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(existing, link))

	b := safefile.NewBatch(false)
	_, err := b.Add(existing, []byte("new"))
	require.ErrorIs(t, err, safefile.ErrExists)
	_, err = b.Add(link, []byte("new"))
	require.ErrorIs(t, err, safefile.ErrNotRegular)
	racer := filepath.Join(dir, "racer")
	_, err = b.Add(racer, []byte("new"))
	require.NoError(t, err)
	fresh := filepath.Join(dir, "fresh")
	_, err = b.Add(fresh, []byte("fresh"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(racer, []byte("racer"), 0o600)) // appears after Add
	errs := b.Commit()
	require.ErrorIs(t, errs[0], safefile.ErrExists)
	require.NoError(t, errs[1])
	got, _ := os.ReadFile(racer)
	require.Equal(t, "racer", string(got))
	got, _ = os.ReadFile(fresh)
	require.Equal(t, "fresh", string(got))
	got, _ = os.ReadFile(existing)
	require.Equal(t, "keep", string(got))
	require.Empty(t, tempFiles(t, dir))

	ob := safefile.NewBatch(true)
	_, err = ob.Add(link, []byte("new"))
	require.ErrorIs(t, err, safefile.ErrNotRegular, "overwrite never replaces a link")
	_, err = ob.Add(existing, []byte("replaced"))
	require.NoError(t, err)
	require.NoError(t, ob.Commit()[0])
	got, _ = os.ReadFile(existing)
	require.Equal(t, "replaced", string(got))
}

func TestBatchAbortLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	b := safefile.NewBatch(false)
	for i := 0; i < 5; i++ {
		_, err := b.Add(batchName(dir, i), batchContent(i))
		require.NoError(t, err)
	}
	b.Abort()
	ents, _ := os.ReadDir(dir)
	require.Empty(t, ents)
	require.Zero(t, safefile.LiveCount())
}

const (
	crashChildEnv = "SAFEFILE_BATCH_CRASH_CHILD"
	crashFiles    = 2000
)

// TestMain runs the crash test's child: a 2,000-file batch into the
// directory named by the environment, killed by the parent at a random
// moment.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		overwrite := os.Getenv(crashChildEnv+"_OVERWRITE") == "1"
		b := safefile.NewBatch(overwrite)
		for i := 0; i < crashFiles; i++ {
			if _, err := b.Add(batchName(dir, i), batchContent(i)); err != nil {
				fmt.Fprintln(os.Stderr, "add:", err)
				os.Exit(2)
			}
		}
		fmt.Println("added") // the parent may wait for this to kill during Commit
		for i, err := range b.Commit() {
			if err != nil {
				fmt.Fprintln(os.Stderr, "commit", i, err)
				os.Exit(3)
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runCrashChild runs the child batch into dir. With killAfter < 0 it
// waits for it to finish and returns how long its Commit took; otherwise
// it kills it killAfter after its start, or after it has added every file
// if afterAdd.
func runCrashChild(t *testing.T, dir string, overwrite, afterAdd bool, killAfter time.Duration) (commit time.Duration, killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	if overwrite {
		cmd.Env = append(cmd.Env, crashChildEnv+"_OVERWRITE=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	added := make(chan time.Time, 1)
	go func() {
		var buf [64]byte
		n, _ := io.ReadAtLeast(out, buf[:], len("added\n"))
		if strings.HasPrefix(string(buf[:n]), "added") {
			added <- time.Now()
		}
		io.Copy(io.Discard, out)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if killAfter < 0 {
		err := <-done
		require.NoError(t, err, "child: %s", stderr.String())
		select {
		case at := <-added:
			return time.Since(at), false
		default:
			return 0, false
		}
	}
	if afterAdd {
		select {
		case <-added:
		case err := <-done:
			require.NoError(t, err, "child: %s", stderr.String())
			return 0, false
		}
	}
	select {
	case err := <-done:
		require.NoError(t, err, "child: %s", stderr.String())
		return 0, false
	case <-time.After(killAfter):
		err := cmd.Process.Signal(syscall.SIGKILL)
		if errors.Is(err, os.ErrProcessDone) {
			// The child ended on its own just as the kill was due (found
			// by a -count=30 run): an uninterrupted run, which must
			// have succeeded.
			require.NoError(t, <-done, "child: %s", stderr.String())
			return 0, false
		}
		require.NoError(t, err)
		<-done
		return 0, true
	}
}

// checkOutputs requires each output to be absent or byte-identical to the
// expected content, and returns how many are present.
func checkOutputs(t *testing.T, dir string) int {
	t.Helper()
	present := 0
	for i := 0; i < crashFiles; i++ {
		got, err := os.ReadFile(batchName(dir, i))
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		require.True(t, bytes.Equal(got, batchContent(i)), "output %d is torn or wrong (%d bytes)", i, len(got))
		present++
	}
	return present
}

// TestBatchSIGKILLLeavesEachOutputAbsentOrComplete kills a child process
// writing a 2,000-file batch at random moments (from before the first
// file to after the last rename): every output is then absent or
// byte-identical to what was to be written, RemoveStale removes every
// temporary file the child left, and a rerun completes the batch.
func TestBatchSIGKILLLeavesEachOutputAbsentOrComplete(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary for 2,000-file batches")
	}
	// One uninterrupted run times the batch and its Commit, so that the
	// kills spread over both.
	start := time.Now()
	commit, _ := runCrashChild(t, t.TempDir(), false, false, -1)
	full := time.Since(start)
	seed := uint64(time.Now().UnixNano())
	t.Logf("uninterrupted batch: %v, of which Commit %v; seed %d", full, commit, seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	partial := 0
	const rounds = 8
	for round := 0; round < rounds; round++ {
		dir := t.TempDir()
		// Even rounds: anywhere in the run; odd rounds: during Commit.
		afterAdd := round%2 == 1
		at := time.Duration(rng.Int64N(int64(full)*11/10 + 1))
		if afterAdd {
			at = time.Duration(rng.Int64N(int64(commit) + 1))
		}
		_, killed := runCrashChild(t, dir, false, afterAdd, at)
		present := checkOutputs(t, dir)
		temps := tempFiles(t, dir)
		t.Logf("round %d: kill %v after %s (killed %v): %d outputs present, %d temporary files",
			round, at, map[bool]string{false: "start", true: "the last Add"}[afterAdd], killed, present, len(temps))
		if present > 0 && present < crashFiles {
			partial++
		}
		removed, err := safefile.RemoveStale(dir)
		require.NoError(t, err)
		require.Len(t, removed, len(temps))
		require.Empty(t, tempFiles(t, dir), "no temporary file survives the rerun's cleanup")
		// The rerun (overwrite: the previous run's complete outputs are
		// replaced by identical ones) completes the batch.
		runCrashChild(t, dir, true, false, -1)
		require.Equal(t, crashFiles, checkOutputs(t, dir))
		require.Empty(t, tempFiles(t, dir))
	}
	t.Logf("%d of %d kills landed among the renames", partial, rounds)
}

// TestBatchConcurrentAdd: Add from several goroutines at once; every
// file gets its own index and lands whole.
func TestBatchConcurrentAdd(t *testing.T) {
	dir := t.TempDir()
	b := safefile.NewBatch(false)
	const workers, each = 4, 25
	idx := make([]int, workers*each)
	done := make(chan error, workers)
	for w := range workers {
		go func() {
			for j := range each {
				i := w*each + j
				k, err := b.Add(batchName(dir, i), batchContent(i))
				if err != nil {
					done <- err
					return
				}
				idx[i] = k
			}
			done <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-done)
	}
	require.Equal(t, workers*each, b.Len())
	seen := make(map[int]bool)
	for i, k := range idx {
		require.False(t, seen[k], "index %d given twice", k)
		seen[k] = true
		require.True(t, strings.HasPrefix(filepath.Base(b.TempName(k)), safefile.TempPrefix+filepath.Base(batchName(dir, i))+"-pid"), "index %d is file %d's", k, i)
	}
	errs := b.Commit()
	for i := range idx {
		require.NoError(t, errs[idx[i]])
		got, err := os.ReadFile(batchName(dir, i))
		require.NoError(t, err)
		require.True(t, bytes.Equal(got, batchContent(i)), "file %d", i)
	}
	require.Empty(t, tempFiles(t, dir))
}
