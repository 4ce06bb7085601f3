package vault

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
)

// OpenEnv opens the sealed session in the environment variable name, for
// serverless and container deployments. It reads the variable, removes it
// from the process environment (os.Unsetenv) and, on Linux, overwrites it in
// the initial environment block so that /proc/self/environ no longer shows
// it; then it opens the value as [Open] does. The variable is removed even
// if opening fails, so it never reaches child processes.
//
// Identities are searched as [FindIdentities] does, so the usual setup is
// the sealed value in one variable and the identity in TGSESSION_AGE_KEY
// (ideally provided by a different secret store: an attacker who can read
// both has the session). [ScrubKeyEnv] also removes TGSESSION_AGE_KEY, and
// [Undumpable] makes the process undumpable afterwards. Passphrase
// (scrypt) identities are not used unless [WithPassphrase] is given.
//
// A plain session string in the variable fails with ErrNotSealed unless
// [AllowPlaintext] is given. Scrubbing is best effort: when it is not
// possible a warning is issued (see [WithWarnings]). Go's own copy of the
// environment, made at process start, cannot be wiped.
func OpenEnv(name string, opts ...Option) (*Session, error) {
	cfg := newConfig(opts)
	data, err := takeEnv(name, cfg)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	if cfg.scrubKeyEnv && !cfg.explicitIDs {
		// Load the identities now, then remove the inline identity.
		ids, tried, err := loadIdentities(cfg)
		if _, ok := os.LookupEnv(EnvKey); ok {
			os.Unsetenv(EnvKey)
			if serr := scrubEnviron(EnvKey); serr != nil && !errors.Is(serr, errScrubUnsupported) {
				cfg.warnf("could not scrub $%s from the initial environment block: %v", EnvKey, serr)
			}
		}
		if err != nil {
			return nil, err
		}
		cfg.identities, cfg.explicitIDs, cfg.tried = ids, true, tried
		cfg.passphrase = nil // already in ids
	}
	if cfg.undumpable {
		if err := setUndumpable(); err != nil {
			cfg.warnf("could not make the process undumpable: %v", err)
		}
	}
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
