//go:build unix

package compat_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tgsession/tgsession/compat"
)

// helperUnprivileged runs as an unprivileged user: it reads a session file
// from the read-only directory dir and tries to write one into it, and
// prints what happened.
func helperUnprivileged(dir string) {
	res := unprivilegedChecks(dir)
	fmt.Println(res)
	os.Exit(0)
}

// unprivilegedChecks reads dir/in.session and tries to write
// dir/out.session, in a directory the process cannot write to.
func unprivilegedChecks(dir string) string {
	var res []string
	f, err := readPath(filepath.Join(dir, "in.session"))
	if err != nil {
		res = append(res, "read="+err.Error())
	} else {
		res = append(res, "read=ok")
		err = compat.WriteFile(filepath.Join(dir, "out.session"), f, compat.TelethonSQLite, false)
		switch {
		case err == nil:
			res = append(res, "write=succeeded")
		case errors.Is(err, fs.ErrPermission):
			res = append(res, "write=permission")
		default:
			res = append(res, "write="+err.Error())
		}
		f.Wipe()
	}
	entries, _ := os.ReadDir(dir)
	res = append(res, fmt.Sprintf("entries=%d", len(entries)))
	return strings.Join(res, " ")
}

// TestReadOnlyDirectory: a session in a directory nobody may write to (a
// read-only mount, git-annex, AWS Lambda) is read without any write, and a
// write there fails with fs.ErrPermission, leaving nothing. As root the
// checks run in a child process with an unprivileged uid, since root ignores
// directory permissions.
func TestReadOnlyDirectory(t *testing.T) {
	base := t.TempDir()
	require.NoError(t, os.Chmod(base, 0o755))
	dir := filepath.Join(base, "ro")
	require.NoError(t, os.Mkdir(dir, 0o755))
	in := filepath.Join(dir, "in.session")
	require.NoError(t, os.WriteFile(in, testdataBytes(t, "telethon_v7.session"), 0o444))
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	before := snapshotBytes(t, in)

	var got string
	if os.Geteuid() != 0 {
		got = unprivilegedChecks(dir)
	} else {
		// The test binary may sit in a directory only root can enter:
		// copy it next to the fixture.
		bin := filepath.Join(base, "compat.test")
		b, err := os.ReadFile(os.Args[0])
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(bin, b, 0o755))
		for d := base; d != "/" && d != "."; d = filepath.Dir(d) {
			if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
				require.NoError(t, os.Chmod(d, st.Mode().Perm()|0o011))
				t.Cleanup(func() { os.Chmod(d, st.Mode().Perm()) })
			}
		}
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Env = append(os.Environ(), "COMPAT_TEST_HELPER=unprivileged", "COMPAT_TEST_DIR="+dir, "HOME=/")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.Output()
		require.NoError(t, err, "unprivileged helper")
		got = strings.TrimSpace(string(out))
	}
	require.Equal(t, "read=ok write=permission entries=1", got)
	requireUnchanged(t, before, in)
}
