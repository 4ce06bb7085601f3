//go:build unix

package safefile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tgsession/tgsession/internal/safefile"
)

func TestWriteFileModeAndNoClobber(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "out.session")
	require.NoError(t, safefile.WriteFile(p, []byte("one"), false))
	st, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	err = safefile.WriteFile(p, []byte("two"), false)
	require.True(t, errors.Is(err, safefile.ErrExists))
	b, _ := os.ReadFile(p)
	require.Equal(t, "one", string(b))

	require.NoError(t, safefile.WriteFile(p, []byte("three"), true))
	b, _ = os.ReadFile(p)
	require.Equal(t, "three", string(b))

	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1, "no temporary file left behind")
}

func TestCommitRefusesRacingFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	pend, err := safefile.Create(p, false)
	require.NoError(t, err)
	_, err = pend.Write([]byte("new"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("racer"), 0o644))
	require.ErrorIs(t, pend.Commit(), safefile.ErrExists)
	b, _ := os.ReadFile(p)
	require.Equal(t, "racer", string(b))
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1)
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	pend, err := safefile.Create(filepath.Join(dir, "y"), false)
	require.NoError(t, err)
	require.NoError(t, pend.Abort())
	ents, _ := os.ReadDir(dir)
	require.Empty(t, ents)
}

func TestReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o500))
	defer os.Chmod(dir, 0o700)
	require.Error(t, safefile.WriteFile(filepath.Join(dir, "z"), []byte("a"), false))
}

// specialFiles makes, in dir, one of each kind of non-regular file that a
// destination may be, and returns their paths by kind. A device node needs
// root (CAP_MKNOD); without it the kind is left out.
func specialFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	target := filepath.Join(dir, "target")
	require.NoError(t, os.WriteFile(target, []byte("target"), 0o600))
	out["symlink"] = filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(target, out["symlink"]))
	out["dangling symlink"] = filepath.Join(dir, "dangling")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nothing"), out["dangling symlink"]))
	out["fifo"] = filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(out["fifo"], 0o600))
	out["directory"] = filepath.Join(dir, "dir")
	require.NoError(t, os.Mkdir(out["directory"], 0o700))
	dev := filepath.Join(dir, "null")
	// Character device 1:3 is /dev/null's.
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o600, 1<<8|3); err == nil {
		out["device"] = dev
	} else {
		t.Logf("no device node test: mknod: %v (needs root)", err)
	}
	return out
}

// TestNeverReplacesSpecialFiles: with or without overwrite, only a regular
// file is ever replaced; a link (even dangling), a device, a FIFO or a
// directory is refused with a *NotRegularError, and left as it was.
func TestNeverReplacesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for kind, p := range specialFiles(t, dir) {
		for _, overwrite := range []bool{false, true} {
			before, err := os.Lstat(p)
			require.NoError(t, err)
			err = safefile.WriteFile(p, []byte("session"), overwrite)
			require.ErrorIs(t, err, safefile.ErrNotRegular, "%s overwrite=%v", kind, overwrite)
			var nr *safefile.NotRegularError
			require.True(t, errors.As(err, &nr))
			require.Equal(t, p, nr.Path)
			after, err := os.Lstat(p)
			require.NoError(t, err)
			require.Equal(t, before.Mode(), after.Mode(), "%s changed", kind)
			require.True(t, os.SameFile(before, after), "%s replaced", kind)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "target"))
	require.NoError(t, err)
	require.Equal(t, "target", string(b), "the link's target is untouched")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		require.NotContains(t, e.Name(), safefile.TempPrefix)
	}
}

// TestCommitRefusesSpecialFileRace: a destination replaced by a symlink
// between Create and Commit is not replaced.
func TestCommitRefusesSpecialFileRace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
	pend, err := safefile.Create(p, true)
	require.NoError(t, err)
	_, err = pend.Write([]byte("new"))
	require.NoError(t, err)
	require.NoError(t, os.Remove(p))
	require.NoError(t, os.Symlink("/dev/null", p))
	require.ErrorIs(t, pend.Commit(), safefile.ErrNotRegular)
	fi, err := os.Lstat(p)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeSymlink)
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1)
}

// TestTempNameCarriesPID: the temporary file's name says which process
// made it.
func TestTempNameCarriesPID(t *testing.T) {
	pend, err := safefile.Create(filepath.Join(t.TempDir(), "a.session"), false)
	require.NoError(t, err)
	defer pend.Abort()
	require.Regexp(t, `/\.tgsession-tmp-a\.session-pid`+strconv.Itoa(os.Getpid())+`-[0-9]+$`, pend.Name())
}

// TestCleanup: every temporary file not yet committed or aborted is
// removed, and nothing more is written afterwards.
func TestCleanup(t *testing.T) {
	defer safefile.Reopen()
	dir := t.TempDir()
	var pends []*safefile.Pending
	for _, n := range []string{"a", "b", "c"} {
		p, err := safefile.Create(filepath.Join(dir, n), false)
		require.NoError(t, err)
		_, err = p.Write([]byte("secret"))
		require.NoError(t, err)
		pends = append(pends, p)
	}
	require.NoError(t, pends[0].Commit())
	require.NoError(t, pends[1].Abort())
	require.Equal(t, 1, safefile.LiveCount())
	removed := safefile.Cleanup()
	require.Equal(t, []string{pends[2].Name()}, removed)
	require.Zero(t, safefile.LiveCount())
	ents, _ := os.ReadDir(dir)
	require.Len(t, ents, 1, "only the committed file")
	require.Equal(t, "a", ents[0].Name())
	// Closed: no new file, and the interrupted one cannot be committed.
	require.ErrorIs(t, pends[2].Commit(), safefile.ErrClosed)
	_, err := safefile.Create(filepath.Join(dir, "d"), false)
	require.ErrorIs(t, err, safefile.ErrClosed)
	ents, _ = os.ReadDir(dir)
	require.Len(t, ents, 1)
}

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.ProcessState.Pid()
}

// TestRemoveStale removes what an interrupted process of ours left, and
// nothing else.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("secret"), 0o600))
		mt := time.Now().Add(-age)
		require.NoError(t, os.Chtimes(p, mt, mt))
		return p
	}
	dead := deadPID(t)
	stale := write(fmt.Sprintf("%sx.session-pid%d-123", safefile.TempPrefix, dead), 0)
	legacyOld := write(safefile.TempPrefix+"y.session-4242", safefile.StaleAfter+time.Minute)
	reused := write(fmt.Sprintf("%sr-pid%d-1", safefile.TempPrefix, os.Getppid()), safefile.ReusedAfter+time.Minute)
	keep := []string{
		write(safefile.TempPrefix+"z.session-4243", time.Minute),                          // no pid, recent
		write(fmt.Sprintf("%sl-pid%d-1", safefile.TempPrefix, os.Getppid()), time.Minute), // a live process
		write("x.session", time.Hour),                                                     // not ours
		write(fmt.Sprintf("other-pid%d-1", dead), time.Hour),                              // not our prefix
	}
	// Ours by name but not a regular file: a directory and a link.
	d := filepath.Join(dir, fmt.Sprintf("%sd-pid%d-1", safefile.TempPrefix, dead))
	require.NoError(t, os.Mkdir(d, 0o700))
	l := filepath.Join(dir, fmt.Sprintf("%sl-pid%d-2", safefile.TempPrefix, dead))
	require.NoError(t, os.Symlink(keep[2], l))
	keep = append(keep, d, l)
	// Another user's file (only root can make one).
	if os.Geteuid() == 0 {
		o := write(fmt.Sprintf("%so-pid%d-1", safefile.TempPrefix, dead), time.Hour)
		require.NoError(t, os.Chown(o, 65534, 65534))
		keep = append(keep, o)
	} else {
		t.Log("not root: no test with another user's file")
	}
	// This process's own live temporary file.
	pend, err := safefile.Create(filepath.Join(dir, "live"), false)
	require.NoError(t, err)
	defer pend.Abort()
	keep = append(keep, pend.Name())

	got, err := safefile.RemoveStale(dir)
	require.NoError(t, err)
	var paths []string
	for _, s := range got {
		paths = append(paths, s.Path)
	}
	require.ElementsMatch(t, []string{stale, legacyOld, reused}, paths)
	for _, s := range got {
		if s.Path == stale {
			require.Equal(t, dead, s.PID)
		}
	}
	for _, p := range []string{stale, legacyOld, reused} {
		_, err := os.Lstat(p)
		require.ErrorIs(t, err, fs.ErrNotExist, p)
	}
	for _, p := range keep {
		_, err := os.Lstat(p)
		require.NoError(t, err, "%s was removed", p)
	}
}
