//go:build !linux

package vault

// memlockPreflight is a no-op outside Linux: there is no portable way to
// read the locked-memory budget, so memguard is tried as is.
func memlockPreflight(pages int) error { return nil }
