package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"filippo.io/age"
)

// Environment variables a [KeySearch] with Env set searches for
// identities, in this order, before its Files and the default file
// $XDG_CONFIG_HOME/tgsession/keys.txt (~/.config/tgsession/keys.txt). As in
// sops, every source found is used; an identity from any of them may open
// the value.
const (
	// EnvKey holds one or more identities inline, one per line.
	EnvKey = "TGSESSION_AGE_KEY"
	// EnvKeyFile holds the path of an identity file.
	EnvKeyFile = "TGSESSION_AGE_KEY_FILE"
	// EnvKeyCmd holds a shell command whose standard output is identities.
	EnvKeyCmd = "TGSESSION_AGE_KEY_CMD"
)

// maxIdentitySize caps every identity source, in bytes.
const maxIdentitySize = 64 << 10

// KeySearch is the one place where identities are discovered: the places
// to search are its fields, and [KeySearch.Find] searches them, once.
// Nothing else in this package reads the environment for identities or
// runs a command: [Open] and the other opening functions use only the
// identities passed to them. A KeySearch also parses identities and
// recipients explicitly given, under the same policy (SSH, RequirePQ).
type KeySearch struct {
	// Env searches $TGSESSION_AGE_KEY (identities inline), the file named
	// by $TGSESSION_AGE_KEY_FILE and the standard output of the shell
	// command $TGSESSION_AGE_KEY_CMD.
	Env bool
	// Files are identity files, searched after the environment, like
	// age's -i. The path "-" reads identities from Stdin (os.Stdin when
	// nil). Files may hold native age identities, one per line, and, with
	// SSH, one unencrypted OpenSSH private key.
	Files []string
	Stdin io.Reader
	// DefaultFile searches $XDG_CONFIG_HOME/tgsession/keys.txt last (see
	// [KeySearch.DefaultFilePath]); a missing file is not an error.
	DefaultFile bool
	// KeyCmdTimeout is how long $TGSESSION_AGE_KEY_CMD may run (10 s when
	// zero or negative). When it runs longer, it and every process in its
	// process group are killed and Find fails with a [*KeyCmdError].
	KeyCmdTimeout time.Duration
	// AllowInsecureFiles lets identity files that group or others may read
	// or write be used, with a warning. Without it such a file is refused
	// with an [*InsecureKeyFileError], as OpenSSH refuses such private
	// keys. The check applies to regular files on Unix only.
	AllowInsecureFiles bool
	// SSH allows SSH keys: unencrypted OpenSSH private keys in identity
	// sources, and ssh-ed25519 and ssh-rsa recipients. SSH recipients are
	// not anonymous (the file names the key's fingerprint) and age
	// recommends native keys for new uses.
	SSH bool
	// RequirePQ enforces post-quantum protection: Find keeps only hybrid
	// (ML-KEM-768+X25519) and passphrase identities, so a value sealed to
	// a classic X25519 key fails with ErrWrongKey, and ParseRecipients
	// accepts only hybrid recipients.
	RequirePQ bool
	// Passphrase, when set, adds a passphrase (scrypt) identity: the
	// function is called only if a sealed value is passphrase-encrypted,
	// and its result is wiped after use (the age library keeps a string
	// copy that cannot be). scrypt costs about 1 s and 256 MiB per open at
	// the default work factor: never use it on a serverless path.
	Passphrase func() ([]byte, error)
	// MaxWorkFactor lowers the highest scrypt work factor (log2 N) the
	// passphrase identity accepts (default and maximum 18). Higher factors
	// in a file are refused before any scrypt work.
	MaxWorkFactor int
	// ScrubEnv unsets $TGSESSION_AGE_KEY once read, and overwrites it in
	// the process's initial environment block (Linux), so that child
	// processes and /proc/self/environ no longer show it.
	ScrubEnv bool
	// Undumpable makes Find call prctl(PR_SET_DUMPABLE, 0) on Linux after
	// the search (and the scrub): no core dumps, and other processes of
	// the same user can no longer read /proc/<pid>/environ or mem, or
	// ptrace the process. The trade-off: debuggers and profilers that
	// attach by ptrace stop working, /proc/self files become root-owned
	// (the process itself can no longer scrub or read them), and the
	// setting lasts until exec.
	Undumpable bool
	// Ephemeral is for a process that opens a session, uses it and exits
	// (a command-line tool): Sessions opened with the result hold their key
	// for their whole life in one locked, read-only, guard-paged memguard
	// buffer, instead of in an Enclave (encrypted in memory under a key
	// memguard keeps in three more locked buffers and re-keys twice a
	// second), whose creation and every [Session.WithKey] each set up
	// locked buffers of their own. Either way the key is never in
	// swappable memory or a core dump; an Enclave also keeps it out of a
	// plain read of the process's memory between uses, which matters in a
	// long-lived process and not in one that exits once the key is used.
	// At most 2 such keys are live at once (the locked-memory budget);
	// further sessions use an Enclave. [Session.Destroy] frees the buffer.
	Ephemeral bool
	// Warn receives warnings (an identity file others may read, used
	// because AllowInsecureFiles is set); nil prints them to standard
	// error. Warnings never contain secrets.
	Warn func(msg string)
}

func (k *KeySearch) config() *config {
	c := newConfig()
	c.searchEnv, c.identityFiles, c.stdin, c.defaultKeys = k.Env, k.Files, k.Stdin, k.DefaultFile
	if k.KeyCmdTimeout > 0 {
		c.keyCmdTimeout = k.KeyCmdTimeout
	}
	c.allowInsecureKeyFile, c.allowSSH, c.requirePQ = k.AllowInsecureFiles, k.SSH, k.RequirePQ
	c.passphrase, c.scrubKeyEnv, c.warn = k.Passphrase, k.ScrubEnv, k.Warn
	c.ephemeral = k.Ephemeral
	if k.MaxWorkFactor != 0 {
		c.maxWorkFactor = min(max(k.MaxWorkFactor, 1), maxWorkFactor)
	}
	return c
}

// Find searches, in order, the environment (Env), the Files and the
// default file (DefaultFile), and returns every identity found, plus the
// passphrase identity when Passphrase is set. A source that is set but
// unreadable or malformed is an error naming it; none at all is a
// [*NoIdentityError] listing every place tried. Identity values are never
// echoed. The result opens sealed values: pass it to [Open].
func (k *KeySearch) Find() (*Identities, error) {
	cfg := k.config()
	ids, tried, err := loadIdentities(cfg)
	if cfg.scrubKeyEnv && cfg.searchEnv {
		if _, ok := os.LookupEnv(EnvKey); ok {
			os.Unsetenv(EnvKey)
			if serr := scrubEnviron(EnvKey); serr != nil && !errors.Is(serr, errScrubUnsupported) {
				cfg.warnf("could not scrub $%s from the initial environment block: %v", EnvKey, serr)
			}
		}
	}
	if k.Undumpable {
		if uerr := setUndumpable(); uerr != nil {
			cfg.warnf("could not make the process undumpable: %v", uerr)
		}
	}
	if err != nil {
		return nil, err
	}
	set := newIdentities(ids, tried)
	set.ephemeral = cfg.ephemeral
	return set, nil
}

// PassphraseRecipient returns an scrypt recipient for passphrase, with the
// work factor MaxWorkFactor (default 18: about 1 s and 256 MiB to open). It
// must be the only recipient of a value. The passphrase is wiped; the age
// library keeps a string copy.
func (k *KeySearch) PassphraseRecipient(passphrase []byte) (age.Recipient, error) {
	if len(passphrase) == 0 {
		return nil, errorf(ErrMalformed, "empty passphrase")
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	clear(passphrase)
	if err != nil {
		return nil, errorf(ErrMalformed, "invalid passphrase")
	}
	r.SetWorkFactor(k.config().maxWorkFactor)
	return r, nil
}

// ParseIdentities parses identities from r: native age identities
// (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…), one per line, with empty lines
// and # comments ignored and surrounding whitespace trimmed, or, with SSH,
// one unencrypted OpenSSH private key. Errors give the line number, never
// the line.
func (k *KeySearch) ParseIdentities(r io.Reader) ([]age.Identity, error) {
	b, err := readCapped(r, maxIdentitySize)
	defer clear(b)
	if err != nil {
		return nil, fmt.Errorf("vault: identities: %w", err)
	}
	return parseIdentities(b, "identities", k.config())
}

// ParseRecipients parses recipients from r, one per line, with empty lines
// and # comments ignored: X25519 (age1…) and hybrid post-quantum
// (age1pq1…) recipients, and with SSH ssh-ed25519 and ssh-rsa public keys.
// Plugin recipients are not supported. With RequirePQ, only hybrid
// recipients are accepted.
func (k *KeySearch) ParseRecipients(r io.Reader) ([]age.Recipient, error) {
	return parseRecipients(r, k.config())
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return strconv.Itoa(n) + " " + what[:len(what)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// loadIdentities returns the identities for cfg and the places they came
// from.
func loadIdentities(cfg *config) ([]age.Identity, []string, error) {
	var ids []age.Identity
	var tried []string
	if cfg.explicitIDs {
		ids = append(ids, cfg.identities...)
		tried = cfg.tried
		if tried == nil && len(ids) > 0 {
			tried = []string{"identities passed by the caller"}
		}
		if tried == nil {
			tried = []string{"no identities were passed"}
		}
	} else {
		var err error
		ids, tried, err = searchIdentities(cfg)
		if err != nil {
			return nil, nil, err
		}
	}
	if cfg.passphrase != nil {
		ids = append(ids, &passphraseIdentity{get: cfg.passphrase, maxLogN: cfg.maxWorkFactor})
		tried = append(tried, "passphrase")
	}
	if cfg.requirePQ {
		pq := ids[:0:0]
		for _, id := range ids {
			switch id.(type) {
			case *age.HybridIdentity, *passphraseIdentity:
				pq = append(pq, id)
			}
		}
		if len(pq) < len(ids) {
			tried = append(tried, plural(len(ids)-len(pq), "non-post-quantum identity")+" skipped (RequirePQ)")
		}
		ids = pq
	}
	if len(ids) == 0 {
		return nil, nil, &NoIdentityError{Tried: tried}
	}
	return ids, tried, nil
}

func searchIdentities(cfg *config) ([]age.Identity, []string, error) {
	var ids []age.Identity
	var tried []string
	add := func(where string, got []age.Identity) {
		ids = append(ids, got...)
		tried = append(tried, where+" ("+plural(len(got), "identity")+")")
	}

	if !cfg.searchEnv {
		return searchFiles(cfg, ids, tried)
	}
	if v, ok := os.LookupEnv(EnvKey); ok && strings.TrimSpace(v) != "" {
		b := []byte(v)
		got, err := parseIdentities(b, "$"+EnvKey, cfg)
		clear(b)
		if err != nil {
			return nil, nil, err
		}
		add("$"+EnvKey, got)
	} else {
		tried = append(tried, "$"+EnvKey+" (not set)")
	}

	if p := os.Getenv(EnvKeyFile); p != "" {
		where := "$" + EnvKeyFile + "=" + p
		got, err := readIdentityFile(p, where, cfg)
		if err != nil {
			return nil, nil, err
		}
		add(where, got)
	} else {
		tried = append(tried, "$"+EnvKeyFile+" (not set)")
	}

	if c := os.Getenv(EnvKeyCmd); c != "" {
		b, err := runKeyCmd(c, cfg.keyCmdTimeout)
		if err != nil {
			return nil, nil, err
		}
		got, err := parseIdentities(b, "$"+EnvKeyCmd, cfg)
		clear(b)
		if err != nil {
			return nil, nil, err
		}
		add("$"+EnvKeyCmd, got)
	} else {
		tried = append(tried, "$"+EnvKeyCmd+" (not set)")
	}

	return searchFiles(cfg, ids, tried)
}

// searchFiles searches the identity files and the default file, after
// what the environment gave (ids, tried).
func searchFiles(cfg *config, ids []age.Identity, tried []string) ([]age.Identity, []string, error) {
	add := func(where string, got []age.Identity) {
		ids = append(ids, got...)
		tried = append(tried, where+" ("+plural(len(got), "identity")+")")
	}
	stdinUsed := false
	for _, p := range cfg.identityFiles {
		if p == "-" {
			if stdinUsed {
				return nil, nil, errorf(ErrMalformed, "identity file \"-\" (standard input) given twice")
			}
			stdinUsed = true
			in := cfg.stdin
			if in == nil {
				in = os.Stdin
			}
			b, err := readCapped(in, maxIdentitySize)
			if err != nil {
				clear(b)
				return nil, nil, fmt.Errorf("vault: -i - (standard input): %w", err)
			}
			got, err := parseIdentities(b, "-i - (standard input)", cfg)
			clear(b)
			if err != nil {
				return nil, nil, err
			}
			add("-i - (standard input)", got)
			continue
		}
		got, err := readIdentityFile(p, "-i "+p, cfg)
		if err != nil {
			return nil, nil, err
		}
		add("-i "+p, got)
	}

	if cfg.defaultKeys {
		p, err := defaultKeysPath()
		switch {
		case err != nil:
			tried = append(tried, "default keys file (no config directory: $XDG_CONFIG_HOME and $HOME unset)")
		default:
			got, err := readIdentityFile(p, p, cfg)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				tried = append(tried, p+" (no such file)")
			case err != nil:
				return nil, nil, err
			default:
				add(p, got)
			}
		}
	}
	return ids, tried, nil
}

// DefaultFilePath returns the default identity file,
// $XDG_CONFIG_HOME/tgsession/keys.txt, or the user configuration directory's
// tgsession/keys.txt when XDG_CONFIG_HOME is unset (~/.config on Linux).
func (k *KeySearch) DefaultFilePath() (string, error) { return defaultKeysPath() }

func defaultKeysPath() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "tgsession", "keys.txt"), nil
}

// readIdentityFile reads and parses the identity file at path. Pipes and
// devices are allowed (age -i <(…) style) but reads are capped.
func readIdentityFile(path, where string, cfg *config) ([]age.Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("vault: %s: no such file: %w", where, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("vault: %s: %w", where, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, errorf(ErrMalformed, "%s is a directory", where)
		}
		if st.Mode().IsRegular() && st.Mode().Perm()&0o077 != 0 && unixPermissions {
			// OpenSSH refuses such private keys ("UNPROTECTED PRIVATE KEY
			// FILE!"); so do we, unless the caller explicitly allows it.
			if !cfg.allowInsecureKeyFile {
				return nil, &InsecureKeyFileError{Source: where, Path: path, Mode: st.Mode().Perm()}
			}
			cfg.warnf("identity file %s is accessible by group or others (mode %04o), used because insecure key files are explicitly allowed; run chmod 600", path, st.Mode().Perm())
		}
	}
	b, err := readCapped(f, maxIdentitySize)
	if err != nil {
		clear(b)
		return nil, fmt.Errorf("vault: %s: %w", where, err)
	}
	defer clear(b)
	return parseIdentities(b, where, cfg)
}

// readCapped reads all of r, refusing more than limit bytes with
// errTooLarge. The caller wipes the result.
func readCapped(r io.Reader, limit int) ([]byte, error) {
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				clear(buf)
				return nil, errorf(errTooLarge, "more than %d bytes", limit)
			}
			nb := make([]byte, len(buf), 2*cap(buf))
			copy(nb, buf)
			clear(buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			clear(buf)
			return nil, errorf(errTooLarge, "more than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// defaultKeyCmdTimeout is how long $TGSESSION_AGE_KEY_CMD may run before it
// (and every process in its process group) is killed; see
// [KeySearch.KeyCmdTimeout].
const defaultKeyCmdTimeout = 10 * time.Second

// runKeyCmd runs $TGSESSION_AGE_KEY_CMD through the shell and returns its
// standard output (capped). Its standard error is discarded (as with sops,
// which captures it): a failing command might print a key there. Neither
// the command nor its output appears in errors, only its exit status.
//
// The command runs in its own process group. If it has not finished
// within timeout, or prints more than the cap, the whole group is killed
// (a shell's children too), so a hanging KMS call or a prompt nobody
// answers cannot block the caller forever.
func runKeyCmd(command string, timeout time.Duration) ([]byte, error) {
	const src = "$" + EnvKeyCmd
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", command)
	}
	out := &cappedWriter{limit: maxIdentitySize}
	cmd.Stdout = out
	ownProcessGroup(cmd)
	var overflow atomic.Bool
	out.onOverflow = func() {
		overflow.Store(true)
		cancel()
	}
	// Wait stops waiting for the output pipe this long after the command
	// was killed or exited, even if a grandchild outside the group still
	// holds it open.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vault: %s: cannot start: %w", src, err)
	}
	werr := cmd.Wait()
	b := out.buf
	switch {
	case overflow.Load():
		clear(b)
		return nil, fmt.Errorf("vault: %s output: %w", src, errorf(errTooLarge, "more than %d bytes", maxIdentitySize))
	case ctx.Err() != nil:
		clear(b)
		return nil, &KeyCmdError{Source: src, Timeout: timeout, ExitCode: -1}
	case werr != nil && !errors.Is(werr, exec.ErrWaitDelay):
		// ErrWaitDelay: the command exited successfully but something it
		// started (an agent) still holds its output open; what it printed
		// before exiting is used.
		clear(b)
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return nil, &KeyCmdError{Source: src, ExitCode: ee.ExitCode()}
		}
		return nil, fmt.Errorf("vault: %s: %w", src, werr)
	}
	return b, nil
}

// cappedWriter collects at most limit bytes; the first write beyond the
// cap calls onOverflow and fails. Buffers it outgrows are wiped.
type cappedWriter struct {
	limit      int
	buf        []byte
	over       bool
	onOverflow func()
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.over || len(w.buf)+len(p) > w.limit {
		if !w.over {
			w.over = true
			w.onOverflow()
		}
		return 0, errorf(errTooLarge, "more than %d bytes", w.limit)
	}
	if len(w.buf)+len(p) > cap(w.buf) {
		nb := make([]byte, len(w.buf), max(2*cap(w.buf), len(w.buf)+len(p), 512))
		copy(nb, w.buf)
		clear(w.buf)
		w.buf = nb
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}
