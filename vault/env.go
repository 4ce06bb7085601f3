package vault

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"

	"filippo.io/age"
)

// OpenEnv opens the sealed session in the environment variable name, for
// serverless and container deployments. It reads the variable, removes it
// from the process environment (os.Unsetenv) and, on Linux, overwrites it in
// the initial environment block so that /proc/self/environ no longer shows
// it; then it opens the value with ids as [Open] does. The variable is
// removed even if opening fails, so it never reaches child processes.
//
// The usual setup is the sealed value in one variable and the identity in
// TGSESSION_AGE_KEY (ideally provided by a different secret store: an
// attacker who can read both has the session), found with
// KeySearch{Env: true, ScrubEnv: true}.Find() before OpenEnv.
//
// A plain session string in the variable fails with ErrNotSealed.
// Scrubbing is best effort: when it is not possible a warning is printed
// to standard error. Go's own copy of the environment, made at process
// start, cannot be wiped.
func OpenEnv(name string, ids ...age.Identity) (*Session, error) {
	cfg := idConfig(ids)
	data, err := takeEnv(name, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf(ErrNotSealed, "$%s is empty", name)
	}
	s, err := open(data, cfg)
	if err != nil {
		return nil, at("$"+name, err)
	}
	return s, nil
}

// takeEnv reads the variable name, unsets it and scrubs it from the initial
// environment block. The caller wipes the returned copy.
func takeEnv(name string, cfg *config) ([]byte, error) {
	if name == "" || strings.ContainsAny(name, "=\x00") {
		return nil, errorf(ErrMalformed, "invalid environment variable name")
	}
	v, ok := os.LookupEnv(name)
	if !ok {
		return nil, errorf(ErrNotFound, "environment variable $%s is not set", name)
	}
	data := []byte(v)
	if err := os.Unsetenv(name); err != nil {
		clear(data)
		return nil, err
	}
	if err := scrubEnviron(name); err != nil {
		if !errors.Is(err, errScrubUnsupported) {
			cfg.warnf("could not scrub $%s from the initial environment block (/proc/self/environ): %v", name, err)
		} else {
			scrubWarnOnce.Do(func() {
				cfg.warnf("$%s was unset, but this platform offers no way to overwrite the process's initial copy of the environment", name)
			})
		}
	}
	return data, nil
}

// errScrubUnsupported is returned by scrubEnviron where the initial
// environment block cannot be reached; OpenEnv warns about it once.
var errScrubUnsupported = errors.New("not supported on this platform")

var scrubWarnOnce sync.Once

// whereError names the source an error came from: "$NAME", "entry NAME".
type whereError struct {
	where string
	err   error
}

func (e *whereError) Error() string {
	return "vault: " + e.where + ": " + strings.TrimPrefix(e.err.Error(), "vault: ")
}

func (e *whereError) Unwrap() error { return e.err }

// at wraps err with the source it came from, except for errors about the
// process rather than the source.
func at(where string, err error) error {
	var me *MemlockError
	if err == nil || errors.As(err, &me) {
		return err
	}
	return &whereError{where: where, err: err}
}
