//go:build unix

package cli

import "syscall"

// execve replaces the process with path, as exec(3) does. It returns only
// on failure.
func execve(path string, argv, env []string) error {
	err := syscall.Exec(path, argv, env)
	return failf("exec: %s: %v", argv[0], err)
}
