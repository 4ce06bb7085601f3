//go:build !unix

package dirfleet

import (
	"context"
	"errors"
)

func lock(ctx context.Context, path string) (func(), error) {
	return nil, errors.New("dirfleet: file locking is not implemented on this platform")
}
