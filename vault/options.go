package vault

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
)

// An Option configures a call. One Option type serves every entry point;
// options that do not apply to a call are ignored by it.
type Option func(*config)

type config struct {
	identities           []age.Identity
	explicitIDs          bool
	identityFiles        []string
	stdin                io.Reader
	passphrase           func() ([]byte, error)
	maxWorkFactor        int
	workFactor           int
	allowSSH             bool
	requirePQ            bool
	allowNoMlock         bool
	allowPlain           bool
	labels               map[string]string
	labelsSet            bool
	createdAt            time.Time
	createdAtSet         bool
	attSet               bool
	attKind              AttachmentKind
	attData              []byte
	envVersion           int
	warn                 func(string)
	scrubKeyEnv          bool
	undumpable           bool
	exportLabel          string
	dir                  *Dir
	overwrite            bool
	noDefaultKeys        bool
	lockTimeout          time.Duration
	tried                []string
	format               codec.Format
	keyCmdTimeout        time.Duration
	allowInsecureKeyFile bool
}

// DefaultMaxWorkFactor is the highest scrypt work factor (log2 N) accepted
// when opening a passphrase-sealed value, and the work factor used to seal
// one: about 1 s and 256 MiB on a modern machine. Higher factors in a file
// are refused before any scrypt work, so a tampered file cannot cost more.
const DefaultMaxWorkFactor = 18

func newConfig(opts []Option) *config {
	c := &config{maxWorkFactor: DefaultMaxWorkFactor, workFactor: DefaultMaxWorkFactor, lockTimeout: 30 * time.Second,
		keyCmdTimeout: DefaultKeyCmdTimeout}
	for _, o := range opts {
		o(c)
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

// WithIdentities makes Open use exactly ids, instead of searching the
// environment and files for identities.
func WithIdentities(ids ...age.Identity) Option {
	return func(c *config) { c.identities, c.explicitIDs = append(c.identities, ids...), true }
}

// WithIdentityFile adds an identity file to search, like age's -i; it may
// be given several times. The path "-" reads identities from standard input
// (see [WithStdin]). Files may hold native age identities, one per line,
// and, with [WithSSH], an unencrypted OpenSSH private key.
func WithIdentityFile(path string) Option {
	return func(c *config) { c.identityFiles = append(c.identityFiles, path) }
}

// WithStdin sets the reader that the identity file "-" reads from (default
// os.Stdin).
func WithStdin(r io.Reader) Option { return func(c *config) { c.stdin = r } }

// WithKeyCmdTimeout sets how long the identity command
// ($TGSESSION_AGE_KEY_CMD) may run (default [DefaultKeyCmdTimeout]). When
// it runs longer, it and every process in its process group are killed and
// the search fails with a [*KeyCmdError]. A zero or negative d keeps the
// default.
func WithKeyCmdTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.keyCmdTimeout = d
		}
	}
}

// AllowInsecureKeyFile lets identity files (a [WithIdentityFile] file,
// $TGSESSION_AGE_KEY_FILE, the default keys.txt) that group or others may
// read or write be used, with a warning. Without it such a file is refused
// with ErrInsecure, as OpenSSH refuses such private keys. The check applies
// to regular files on Unix only.
func AllowInsecureKeyFile() Option { return func(c *config) { c.allowInsecureKeyFile = true } }

// WithoutDefaultKeys stops Open from reading the default identity file,
// $XDG_CONFIG_HOME/tgsession/keys.txt.
func WithoutDefaultKeys() Option { return func(c *config) { c.noDefaultKeys = true } }

// WithPassphrase enables passphrase (scrypt) identities when opening: f is
// called only if the sealed value is passphrase-encrypted, and its result
// is wiped after use (the age library keeps a string copy that cannot be).
// scrypt costs about 1 s and 256 MiB per open at the default work factor:
// never use it on a serverless path. The work factor is capped by
// [WithMaxWorkFactor].
func WithPassphrase(f func() ([]byte, error)) Option { return func(c *config) { c.passphrase = f } }

// WithMaxWorkFactor lowers the highest scrypt work factor accepted when
// opening (default and maximum [DefaultMaxWorkFactor]). Values outside
// 1–DefaultMaxWorkFactor are clamped.
func WithMaxWorkFactor(logN int) Option {
	return func(c *config) { c.maxWorkFactor = min(max(logN, 1), DefaultMaxWorkFactor) }
}

// WithSSH allows SSH keys: ssh-ed25519 and ssh-rsa recipients when
// parsing recipients, and unencrypted OpenSSH private keys in identity
// files. SSH recipients are not anonymous (the file names the key's
// fingerprint) and age recommends native keys for new uses.
func WithSSH() Option { return func(c *config) { c.allowSSH = true } }

// RequirePQ enforces post-quantum protection: sealing refuses recipients
// other than age's ML-KEM-768+X25519 hybrid ones (and passphrases), and
// opening uses only hybrid (and passphrase) identities, so a value sealed to
// a classic X25519 key fails with ErrWrongKey.
func RequirePQ() Option { return func(c *config) { c.requirePQ = true } }

// AllowNoMlock lets auth keys live in ordinary memory when the process may
// not lock enough memory (RLIMIT_MEMLOCK too low and no CAP_IPC_LOCK),
// instead of failing with ErrMemlockTooLow. The keys can then be swapped to
// disk and appear in core dumps, and a warning is printed. Setting the
// environment variable TGSESSION_ALLOW_NO_MLOCK=1 has the same effect.
// Without the opt-out, memguard would hang the process on such platforms.
func AllowNoMlock() Option { return func(c *config) { c.allowNoMlock = true } }

// AllowPlaintext lets Open and OpenEnv accept a plain (unsealed) session
// string. Without it they fail closed with ErrNotSealed.
func AllowPlaintext() Option { return func(c *config) { c.allowPlain = true } }

// WithLabels sets the labels stored in the envelope when sealing (at most
// [MaxLabels]; names of 1–64 bytes of A–Z a–z 0–9 . _ -, values of at most
// 255 bytes of text). Labels are encrypted but not secret: do not put keys
// in them.
func WithLabels(labels map[string]string) Option {
	return func(c *config) { c.labels, c.labelsSet = labels, true }
}

// WithCreatedAt sets the creation time stored when sealing, to the second;
// the zero time records none. Without it, sealing records the current time,
// except in [FormText], which leaves it out to stay small.
func WithCreatedAt(t time.Time) Option {
	return func(c *config) { c.createdAt, c.createdAtSet = t, true }
}

// WithAttachment stores data, of the given kind, in the envelope when
// sealing: opaque bytes (at most [MaxAttachmentSize]) that this package
// does not interpret, compressed with DEFLATE when that makes them smaller,
// and returned by [Session.Attachment] after opening. data is copied; empty
// data stores none. Attachments need envelope version 2. The CLI uses
// [AttachmentFile] to carry the rest of a .session file (its entity cache,
// update state and file format).
func WithAttachment(kind AttachmentKind, data []byte) Option {
	return func(c *config) {
		c.attSet, c.attKind, c.attData = true, kind, bytes.Clone(data)
		if len(data) == 0 {
			c.attData = nil
		}
	}
}

// WithoutAttachment makes [Session.Seal] leave out the attachment the
// session carries.
func WithoutAttachment() Option {
	return func(c *config) { c.attSet, c.attKind, c.attData = true, 0, nil }
}

// WithEnvelopeVersion makes sealing write envelope version v: 2 (the
// default) or 1, which tgsession releases before version 2 was introduced
// can read. Version 1 is larger (a Telethon session sealed in [FormText]
// to one X25519 recipient is 701 bytes instead of 644), always records a
// creation time field (0 when not recorded), and cannot hold an
// attachment.
func WithEnvelopeVersion(v int) Option { return func(c *config) { c.envVersion = v } }

// WithWarnings sends warnings (an export of a key to a second place, keys
// held in ordinary memory, an environment block that could not be
// scrubbed) to f instead of standard error. Warnings never contain secrets.
func WithWarnings(f func(msg string)) Option { return func(c *config) { c.warn = f } }

// ScrubKeyEnv makes OpenEnv also unset TGSESSION_AGE_KEY, and scrub it from
// the process's initial environment block, once the identities are read.
// Later OpenEnv calls in the same process then need another identity
// source.
func ScrubKeyEnv() Option { return func(c *config) { c.scrubKeyEnv = true } }

// Undumpable makes OpenEnv call prctl(PR_SET_DUMPABLE, 0) on Linux after
// scrubbing the environment: no core dumps, and other processes of the same
// user can no longer read /proc/<pid>/environ or mem, or ptrace the
// process. The trade-off: debuggers and profilers that attach by ptrace
// stop working, /proc/self files become root-owned (the process itself can
// no longer scrub or read them), and the setting lasts until exec.
func Undumpable() Option { return func(c *config) { c.undumpable = true } }

// WithExportLabel records, when a vault entry is opened by [Dir.Get] or
// [ExecEnv], that its key was exported to label (for example "prod" or
// "laptop"). Exporting one key to a second label warns: two live copies of
// one auth key get the account AUTH_KEY_DUPLICATED.
func WithExportLabel(label string) Option { return func(c *config) { c.exportLabel = label } }

// WithDir sets the vault that "vault:NAME" sources of [ExecEnv] read.
func WithDir(d *Dir) Option { return func(c *config) { c.dir = d } }

// Overwrite lets [Dir.Add] and [Dir.Put] replace an existing entry.
func Overwrite() Option { return func(c *config) { c.overwrite = true } }

// WithLockTimeout sets how long vault writers wait for the vault lock
// (default 30 s).
func WithLockTimeout(d time.Duration) Option { return func(c *config) { c.lockTimeout = d } }

// AsFormat makes Open decode a plain session string (one encrypted with the
// age CLI, or an unsealed one with [AllowPlaintext]) as format f instead of
// detecting it, for strings that fit more than one format.
func AsFormat(f codec.Format) Option { return func(c *config) { c.format = f } }
