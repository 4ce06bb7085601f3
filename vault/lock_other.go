//go:build !unix

package vault

import "time"

const oNoFollow = 0

// lockFile is not implemented outside Unix: vault writes fail rather than
// risk lost updates.
func lockFile(path string, timeout time.Duration) (func(), error) {
	return nil, errorf(ErrUnsupported, "vault locking is not implemented on this platform")
}
