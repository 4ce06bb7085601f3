//go:build unix

package vault

import (
	"os/exec"
	"syscall"
)

// unixPermissions reports whether file permission bits mean what they mean
// on Unix (group and other access), so that identity files are checked.
const unixPermissions = true

// ownProcessGroup makes cmd the leader of a new process group and makes
// cancelling its context kill the whole group (the shell and everything it
// started), not only the shell.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
