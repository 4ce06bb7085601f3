//go:build !unix

package cli

import (
	"os/exec"
	"syscall"
)

// childGroup does nothing where there are no process groups.
func childGroup(*exec.Cmd, bool) {}

// signalChild stops the child (SIGTERM cannot be sent here: it is killed).
func signalChild(cmd *exec.Cmd, _ syscall.Signal) error {
	return cmd.Process.Kill()
}
