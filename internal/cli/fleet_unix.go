//go:build unix

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// childGroup puts a fleet child in a process group of its own, unless it
// shares our terminal (it then stays in the terminal's foreground group,
// so that it can read the terminal and gets Ctrl-C itself), so that
// stopping it stops everything it started.
func childGroup(cmd *exec.Cmd, terminal bool) {
	if !terminal {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
}

// signalChild sends sig to the child's process group when it has one,
// else to the child.
func signalChild(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.SysProcAttr != nil && cmd.SysProcAttr.Setpgid {
		if err := syscall.Kill(-cmd.Process.Pid, sig); err == nil {
			return nil
		}
	}
	if sig == syscall.SIGKILL {
		return cmd.Process.Kill()
	}
	return cmd.Process.Signal(os.Signal(sig))
}
