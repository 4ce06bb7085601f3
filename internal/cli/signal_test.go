package cli

// Signal tests run the real binary (the test binary as "tgsession-hooked",
// set up by testscript.Main) in a child process. The child pauses at a
// known point (TGSESSION_TEST_PAUSE) and says so by creating a file, so the
// parent signals it at that point, not after a guessed delay.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/safefile"
)

// hookedMain is main with test hooks from the environment:
//
//	TGSESSION_TEST_PAUSE=commit  pause before committing a string output,
//	                             forever (the temporary file exists)
//	TGSESSION_TEST_PAUSE=emit:K  pause after a batch reports its K-th
//	                             result, until a signal arrives or the
//	                             file $TGSESSION_TEST_READY.go exists
//	TGSESSION_TEST_READY=FILE    created (holding the temporary file's
//	                             path, for commit) when paused
//	TGSESSION_TEST_GRACE=D       the grace period for a batch
//	TGSESSION_TEST_AHEAD=K       a batch hands out at most K inputs
//	                             beyond the first one not yet reported
//	TGSESSION_TEST_LEAN=1        run as the lean binary (cmd/tgsession);
//	                             a job it hands over runs in
//	                             "tgsession-full", which is hookedMain
//	                             too, with the same hooks
func hookedMain() {
	ready := os.Getenv("TGSESSION_TEST_READY")
	if d, err := time.ParseDuration(os.Getenv("TGSESSION_TEST_GRACE")); err == nil {
		gracePeriod = d
	}
	if k, err := strconv.Atoi(os.Getenv("TGSESSION_TEST_AHEAD")); err == nil {
		batchAhead = k
	}
	pause := os.Getenv("TGSESSION_TEST_PAUSE")
	switch {
	case pause == "commit":
		testHookBeforeCommit = func(tmp string) {
			signalReady(ready, tmp)
			select {}
		}
	case strings.HasPrefix(pause, "emit:"):
		k, _ := strconv.Atoi(strings.TrimPrefix(pause, "emit:"))
		testHookEmitted = func(i int) {
			if i != k {
				return
			}
			signalReady(ready, "")
			for {
				select {
				case <-interrupts.ch:
					return
				case <-time.After(2 * time.Millisecond):
				}
				if _, err := os.Stat(ready + ".go"); err == nil {
					return
				}
			}
		}
	}
	if os.Getenv("TGSESSION_TEST_LEAN") == "1" && os.Getenv(envReexec) == "" {
		leanMain()
	}
	fullMain()
}

// signalReady creates file (atomically) holding content.
func signalReady(file, content string) {
	if file == "" {
		return
	}
	_ = os.WriteFile(file+".tmp", []byte(content), 0o600)
	_ = os.Rename(file+".tmp", file)
}

// child is a running tgsession-hooked process.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	ready          string
}

// startHooked starts the child in dir, pausing at pause. A batch gets a
// minute to stop by itself after a signal (so that a slow machine does not
// turn a graceful stop into a forced one), unless grace says otherwise.
func startHooked(t *testing.T, dir, pause string, args ...string) *child {
	return startHookedGrace(t, dir, pause, time.Minute, args...)
}

func startHookedGrace(t *testing.T, dir, pause string, grace time.Duration, args ...string) *child {
	t.Helper()
	return startHookedEnv(t, dir, pause, grace, nil, args...)
}

// TestSignalThroughTheHandOver: the lean binary removes its temporary
// file on a signal (its handler is installed before the first one), and a
// job it hands to tgsession-full is the same process: a signal to the pid
// the caller started reaches tgsession-full, which removes its temporary
// file and exits 128+N.
func TestSignalThroughTheHandOver(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", "telethon_v7.session"))
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		args     []string
		handOver bool
	}{
		{"lean", []string{"convert", "--to", "gramjs", "--in", "s.txt", "-o", "out/s.txt"}, false},
		{"full", []string{"convert", "--to", "gramjs", "--in", "t.session", "-o", "out/s.txt"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSession(t, filepath.Join(dir, "s.txt"))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "t.session"), b, 0o600))
			require.NoError(t, os.Mkdir(filepath.Join(dir, "out"), 0o700))
			ch := startHookedEnv(t, dir, "commit", time.Minute, []string{"TGSESSION_TEST_LEAN=1", envFull + "="}, tc.args...)
			ch.waitReady(t)
			require.Len(t, temps(t, filepath.Join(dir, "out")), 1, "paused with the temporary file written")
			cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", ch.cmd.Process.Pid))
			require.NoError(t, err)
			argv0 := string(cmdline[:bytes.IndexByte(cmdline, 0)])
			require.Equal(t, tc.handOver, filepath.Base(argv0) == fullName, "argv[0] of the paused process: %s", argv0)
			require.NoError(t, ch.cmd.Process.Signal(syscall.SIGTERM))
			require.Equal(t, 143, ch.wait(t), ch.stderr.String())
			require.Empty(t, temps(t, filepath.Join(dir, "out")), "the temporary file is removed")
			_, err = os.Lstat(filepath.Join(dir, "out", "s.txt"))
			require.ErrorIs(t, err, fs.ErrNotExist)
			// (after the conversion's report of what gramjs cannot hold)
			require.True(t, strings.HasSuffix(ch.stderr.String(), "\ntgsession: interrupted: the output being written was discarded\n") ||
				ch.stderr.String() == "tgsession: interrupted: the output being written was discarded\n", ch.stderr.String())
		})
	}
}

// startHookedEnv is startHookedGrace with more environment variables.
func startHookedEnv(t *testing.T, dir, pause string, grace time.Duration, env []string, args ...string) *child {
	t.Helper()
	ch := &child{ready: filepath.Join(t.TempDir(), "ready")}
	ch.cmd = exec.Command("tgsession-hooked", args...)
	ch.cmd.Dir = dir
	ch.cmd.Env = append(os.Environ(), "TGSESSION_TEST_PAUSE="+pause, "TGSESSION_TEST_READY="+ch.ready, "TGSESSION_TEST_GRACE="+grace.String())
	ch.cmd.Env = append(ch.cmd.Env, env...)
	ch.cmd.Stdout, ch.cmd.Stderr = &ch.stdout, &ch.stderr
	require.NoError(t, ch.cmd.Start())
	t.Cleanup(func() {
		if ch.cmd.ProcessState == nil {
			ch.cmd.Process.Kill()
			ch.cmd.Wait()
		}
	})
	return ch
}

// waitReady waits until the child has paused and returns what it wrote.
func (ch *child) waitReady(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ch.ready); err == nil {
			return string(b)
		}
		if ch.cmd.ProcessState != nil {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("the child never paused; stderr: %s", ch.stderr.String())
	return ""
}

// inDir makes a path the child printed (relative to its directory) usable
// here.
func inDir(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// wait waits for the child and returns its exit status.
func (ch *child) wait(t *testing.T) int {
	t.Helper()
	err := ch.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// temps lists the temporary files in dir.
func temps(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, de := range des {
		if strings.HasPrefix(de.Name(), safefile.TempPrefix) {
			out = append(out, de.Name())
		}
	}
	return out
}

func writeSession(t *testing.T, path string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(fakeSession+"\n"), 0o600))
}

var signals = []struct {
	sig  syscall.Signal
	code int
}{
	{syscall.SIGINT, 130},
	{syscall.SIGTERM, 143},
	{syscall.SIGHUP, 129},
}

// TestSignalRemovesTemporaryFile: a signal while "convert -o" has a
// complete session in its temporary file removes the file, writes no
// output and exits 128+N.
func TestSignalRemovesTemporaryFile(t *testing.T) {
	for _, s := range signals {
		t.Run(s.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			writeSession(t, filepath.Join(dir, "s.txt"))
			require.NoError(t, os.Mkdir(filepath.Join(dir, "out"), 0o700))
			ch := startHooked(t, dir, "commit", "convert", "--to", "gramjs", "--in", "s.txt", "-o", "out/s.txt")
			tmp := inDir(dir, ch.waitReady(t))
			require.Len(t, temps(t, filepath.Join(dir, "out")), 1, "paused with the temporary file written")
			b, err := os.ReadFile(tmp)
			require.NoError(t, err)
			require.NotEmpty(t, b)
			require.NoError(t, ch.cmd.Process.Signal(s.sig))
			require.Equal(t, s.code, ch.wait(t), ch.stderr.String())
			require.Empty(t, temps(t, filepath.Join(dir, "out")), "the temporary file is removed")
			_, err = os.Lstat(filepath.Join(dir, "out", "s.txt"))
			require.ErrorIs(t, err, fs.ErrNotExist)
			require.Equal(t, "tgsession: interrupted: the output being written was discarded\n", ch.stderr.String())
		})
	}
}

// TestSignalOpenRemovesTemporaryFile: the same for "open -o".
func TestSignalOpenRemovesTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	c, stdout, _ := testCLI(fakeSession, nil)
	require.Equal(t, exitOK, c.run([]string{"seal", "-r", testRecipient}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.sealed"), stdout.Bytes(), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.txt"), []byte(testIdentity+"\n"), 0o600))
	ch := startHooked(t, dir, "commit", "open", "-i", "key.txt", "--in", "s.sealed", "-o", "out.txt")
	tmp := inDir(dir, ch.waitReady(t))
	_, err := os.Stat(tmp)
	require.NoError(t, err)
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 143, ch.wait(t), ch.stderr.String())
	require.Empty(t, temps(t, dir))
	_, err = os.Lstat(filepath.Join(dir, "out.txt"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

// TestSignalBatch: a signal stops a batch after the items in progress;
// it says what was written and what was not started, the JSON lines on
// stdout stay whole, and no temporary file is left.
func TestSignalBatch(t *testing.T) {
	for _, s := range signals {
		t.Run(s.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			const n = 20
			// One worker: results come in input order, so the child pauses
			// after its third result with at most one more converted
			// (more workers could convert every input while the first one
			// is still running, and report them all at once).
			args := []string{"convert", "--to", "gramjs", "--out", "out", "--jobs", "1", "--json"}
			for i := range n {
				name := fmt.Sprintf("s%02d.txt", i)
				writeSession(t, filepath.Join(dir, name))
				args = append(args, name)
			}
			// One input handed out at a time beyond the first not yet
			// reported, so that a group commit holds at most one.
			ch := startHookedEnv(t, dir, "emit:3", time.Minute, []string{"TGSESSION_TEST_AHEAD=1"}, args...)
			ch.waitReady(t)
			require.NoError(t, ch.cmd.Process.Signal(s.sig))
			require.Equal(t, s.code, ch.wait(t), ch.stderr.String())
			e := ch.stderr.String()
			written := strings.Count(e, ": written to ")
			// Paused after the 3rd result: the 4th may be converted, and
			// the 5th handed out as the signal arrives; no more.
			require.GreaterOrEqual(t, written, 3, e)
			require.LessOrEqual(t, written, 5, e)
			require.Contains(t, e, fmt.Sprintf("\ntgsession: interrupted: %d written, %d not started\n", written, n-written))
			out := filepath.Join(dir, "out")
			des, err := os.ReadDir(out)
			require.NoError(t, err)
			require.Len(t, des, written, "exactly the outputs reported, and no temporary file")
			sc := bufio.NewScanner(&ch.stdout)
			lines := 0
			for sc.Scan() {
				var r result
				require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
				require.True(t, r.OK)
				lines++
			}
			require.Equal(t, written, lines)
		})
	}
}

// TestSignalBatchStuckItem: a batch whose item in progress does not
// finish within the grace period is stopped anyway, and its temporary file
// removed.
func TestSignalBatchStuckItem(t *testing.T) {
	dir := t.TempDir()
	writeSession(t, filepath.Join(dir, "a.txt"))
	writeSession(t, filepath.Join(dir, "b.txt"))
	ch := startHookedGrace(t, dir, "commit", 50*time.Millisecond, "convert", "--to", "gramjs", "--out", "out", "--jobs", "1", "a.txt", "b.txt")
	ch.waitReady(t)
	require.Len(t, temps(t, filepath.Join(dir, "out")), 1)
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGINT))
	require.Equal(t, 130, ch.wait(t))
	require.Empty(t, temps(t, filepath.Join(dir, "out")))
	require.Contains(t, ch.stderr.String(), "tgsession: interrupted: the output being written was discarded\n")
}

// TestSIGPIPEBatch: "convert --json … | head -1": the batch stops when its
// reader goes away, says what it wrote, and exits 141 (SIGPIPE).
func TestSIGPIPEBatch(t *testing.T) {
	dir := t.TempDir()
	args := []string{"convert", "--to", "gramjs", "--out", "out", "--jobs", "1", "--json"}
	for i := range 10 {
		name := fmt.Sprintf("s%02d.txt", i)
		writeSession(t, filepath.Join(dir, name))
		args = append(args, name)
	}
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command("tgsession-hooked", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TGSESSION_TEST_PAUSE=emit:1", "TGSESSION_TEST_READY="+ready)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.True(t, json.Valid([]byte(line)))
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "the child never paused")
	}
	require.NoError(t, stdout.Close()) // head exits
	require.NoError(t, os.WriteFile(ready+".go", nil, 0o600))
	err = cmd.Wait()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "%v", err)
	require.Equal(t, 141, ee.ExitCode(), stderr.String())
	e := stderr.String()
	written := strings.Count(e, ": written to ")
	require.Contains(t, e, fmt.Sprintf("tgsession: interrupted (standard output closed): %d written, %d not started\n", written, 10-written))
	require.Empty(t, temps(t, filepath.Join(dir, "out")))
}

// TestSIGKILLThenRerun: SIGKILL cannot be caught, so the temporary file
// stays; the next run that writes into the directory removes it, saying
// so, and leaves files that are not stale temporary files of ours alone.
func TestSIGKILLThenRerun(t *testing.T) {
	dir := t.TempDir()
	writeSession(t, filepath.Join(dir, "s.txt"))
	out := filepath.Join(dir, "out")
	require.NoError(t, os.Mkdir(out, 0o700))
	ch := startHooked(t, dir, "commit", "convert", "--to", "gramjs", "--in", "s.txt", "-o", "out/s.txt")
	tmp := ch.waitReady(t)
	pid := ch.cmd.Process.Pid
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGKILL))
	ch.wait(t)
	require.Equal(t, []string{filepath.Base(tmp)}, temps(t, out), "SIGKILL leaves the temporary file")
	// Files with our prefix that are not ours to remove.
	other := filepath.Join(out, safefile.TempPrefix+"notes")
	require.NoError(t, os.Mkdir(other, 0o700))
	link := filepath.Join(out, fmt.Sprintf("%sx-pid%d-1", safefile.TempPrefix, pid))
	require.NoError(t, os.Symlink(filepath.Join(dir, "s.txt"), link))

	c, _, stderr := testCLI("", nil)
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "gramjs", "--in", filepath.Join(dir, "s.txt"), "-o", filepath.Join(out, "t.txt")}), stderr.String())
	require.Regexp(t, `^tgsession: removed `+regexp.QuoteMeta(filepath.Join(out, filepath.Base(tmp)))+`, a temporary file left by an interrupted run \(process `+strconv.Itoa(pid)+`\)\n$`, stderr.String())
	require.ElementsMatch(t, []string{filepath.Base(other), filepath.Base(link)}, temps(t, out))
	_, err := os.Stat(filepath.Join(out, "t.txt"))
	require.NoError(t, err)

	// A batch cleans its output directory the same way.
	ch = startHooked(t, dir, "commit", "convert", "--to", "gramjs", "--in", "s.txt", "-o", "out/u.txt")
	tmp = ch.waitReady(t)
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGKILL))
	ch.wait(t)
	c, _, stderr = testCLI("", nil)
	writeSession(t, filepath.Join(dir, "s2.txt"))
	require.Equal(t, exitOK, c.run([]string{"convert", "--to", "telethon", "--out", out, filepath.Join(dir, "s.txt"), filepath.Join(dir, "s2.txt")}), stderr.String())
	require.Contains(t, stderr.String(), "tgsession: removed "+filepath.Join(out, filepath.Base(tmp))+", a temporary file left by an interrupted run")
}

// TestSignalExecWriteBackRemovesTheFile: exec --write-back stopped by a
// signal while its child runs (having written a session to
// $TGSESSION_WRITE_BACK) stops the child, writes nothing back, removes the
// private directory, and releases the lease.
func TestSignalExecWriteBackRemovesTheFile(t *testing.T) {
	dir := t.TempDir()
	loc := filepath.Join(dir, "fleet")
	t.Setenv("TGSESSION_AGE_KEY", testIdentity)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	addToFleet(t, loc, "bot-1")
	st := openFleet(t, loc)
	before, err := st.Get(t.Context(), "bot-1")
	require.NoError(t, err)
	moved, _ := pyrogramSession(t, 'z', 4, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "in"), []byte(moved), 0o600))
	ch := startHookedEnv(t, dir, "", time.Minute, []string{envFleetURL + "=" + loc},
		"exec", "--env", "TG=fleet:bot-1", "-q", "--write-back", "--", "sh", "-c",
		`cat in > "$TGSESSION_WRITE_BACK"; printf '%s' "$TGSESSION_WRITE_BACK" > "$TGSESSION_TEST_READY.tmp"
		mv "$TGSESSION_TEST_READY.tmp" "$TGSESSION_TEST_READY"; while :; do sleep 0.05; done`)
	path := ch.waitReady(t)
	_, err = os.Stat(path)
	require.NoError(t, err, "the child wrote the file")
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGTERM))
	ch.wait(t)
	require.Contains(t, ch.stderr.String(), "interrupted: the session is not written back")
	_, err = os.Stat(filepath.Dir(path))
	require.ErrorIs(t, err, fs.ErrNotExist, "the write-back directory is removed")
	after, err := st.Get(t.Context(), "bot-1")
	require.NoError(t, err)
	require.Equal(t, before.Digest, after.Digest, "nothing was written back")
	require.Empty(t, liveLeases(t, st), "the lease is released")
}
