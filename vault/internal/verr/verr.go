// Package verr holds the sentinel errors of package vault, so that vault's
// internal packages (envelope, stream) can return errors that wrap them.
// Package vault re-exports each as its own (vault.ErrMalformed is
// verr.ErrMalformed); callers use those.
package verr

import (
	"errors"
	"fmt"
)

var (
	ErrWrongKey    = errors.New("no identity opens the sealed value")
	ErrTampered    = errors.New("sealed value is corrupted or was tampered with")
	ErrMalformed   = errors.New("malformed input")
	ErrUnsupported = errors.New("unsupported")
	ErrNoIdentity  = errors.New("no age identity found")
	ErrNotSealed   = errors.New("value is not sealed")
	ErrNotFound    = errors.New("not found")
	ErrExists      = errors.New("already exists")
	ErrDestroyed   = errors.New("session key destroyed")
	ErrInsecure    = errors.New("insecure file or directory")
)

// Errorf returns an error "vault: <msg>: <sentinel>" wrapping sentinel. The
// message must be built from names, lengths and constants only.
func Errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("vault: "+format+": %w", append(args, sentinel)...)
}
