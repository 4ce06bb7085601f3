//go:build !linux

package vault

// scrubEnviron cannot reach the initial environment block outside Linux
// (there is no /proc/self/mem): the variable is only unset.
func scrubEnviron(name string) error { return errScrubUnsupported }

// setUndumpable is a no-op outside Linux.
func setUndumpable() error { return nil }
