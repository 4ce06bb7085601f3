//go:build !unix

package vault

import "os/exec"

// unixPermissions reports whether file permission bits mean what they mean
// on Unix; elsewhere identity files are not checked.
const unixPermissions = false

// ownProcessGroup leaves cmd as it is: cancelling kills the process itself
// (exec.CommandContext's default).
func ownProcessGroup(cmd *exec.Cmd) {}
