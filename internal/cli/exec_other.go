//go:build !unix

package cli

import (
	"errors"
	"os"
	"os/exec"
)

// execve runs path as a child process where the process cannot be
// replaced, and returns its exit status as a silent error.
func execve(path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &cliError{code: ee.ExitCode(), err: err, silent: true}
	}
	if err != nil {
		return failf("exec: %s: %v", argv[0], err)
	}
	return nil
}
