package vault

import (
	"fmt"
	"io"
	"os"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
)

// config is what one call needs, built from the fields of the type the
// call is a method of ([KeySearch], [Dir], [Session]) or from its
// arguments. Nothing outside this package configures a call through it.
type config struct {
	identities           []age.Identity
	explicitIDs          bool
	identityFiles        []string
	stdin                io.Reader
	passphrase           func() ([]byte, error)
	maxWorkFactor        int
	allowSSH             bool
	requirePQ            bool
	searchEnv            bool
	defaultKeys          bool
	scrubKeyEnv          bool
	warn                 func(string)
	lockTimeout          time.Duration
	overwrite            bool
	tried                []string
	format               codec.Format
	keyCmdTimeout        time.Duration
	allowInsecureKeyFile bool
	ephemeral            bool // KeySearch.Ephemeral
}

// maxWorkFactor is the highest scrypt work factor (log2 N) accepted when
// opening a passphrase-sealed value, and the work factor used to seal one:
// about 1 s and 256 MiB on a modern machine. Higher factors in a file are
// refused before any scrypt work, so a tampered file cannot cost more.
const maxWorkFactor = 18

// defaultLockTimeout is how long vault writers wait for the vault lock.
const defaultLockTimeout = 30 * time.Second

// newConfig returns the defaults: no identities, no search.
func newConfig() *config {
	return &config{maxWorkFactor: maxWorkFactor, lockTimeout: defaultLockTimeout, keyCmdTimeout: defaultKeyCmdTimeout}
}

// idConfig returns the configuration of an opening call with exactly ids.
func idConfig(ids []age.Identity) *config {
	c := newConfig()
	c.explicitIDs = true
	for _, id := range ids {
		if set, ok := id.(*Identities); ok && set != nil {
			c.identities = append(c.identities, set.list()...)
			c.tried = append(c.tried, set.tried...)
			c.ephemeral = c.ephemeral || set.ephemeral
			continue
		}
		c.identities = append(c.identities, id)
	}
	return c
}

func (c *config) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if c.warn != nil {
		c.warn(msg)
		return
	}
	fmt.Fprintln(os.Stderr, "tgsession: warning: "+msg)
}
