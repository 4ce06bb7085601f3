package vault

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// Environment variables searched for identities, in this order, followed by
// [WithIdentityFile] files and the default file
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

// Identities is a set of age identities found by [FindIdentities], with the
// places they came from. It never prints the identities.
type Identities struct {
	// ids is reached through a pointer to a struct of pointers (see
	// ExecResult.env): a []age.Identity field would let fmt print the
	// identities' secret keys for %s, %q, … when an Identities value sits
	// in an unexported field of a caller's struct.
	ids   *idBox
	tried []string
}

// idBox holds identities; see Identities.ids.
type idBox struct{ p *[]age.Identity }

func newIdentities(ids []age.Identity, tried []string) *Identities {
	return &Identities{ids: &idBox{&ids}, tried: tried}
}

// list returns the identities.
func (i *Identities) list() []age.Identity {
	if i == nil || i.ids == nil || i.ids.p == nil {
		return nil
	}
	return *i.ids.p
}

// Len returns the number of identities.
func (i *Identities) Len() int { return len(i.list()) }

// Sources returns the places searched, with what each gave ("$TGSESSION_AGE_KEY
// (1 identity)", "/root/.config/tgsession/keys.txt (no such file)").
func (i *Identities) Sources() []string { return append([]string(nil), i.tried...) }

// Option returns an Option that makes Open use these identities instead of
// searching again (so that a TGSESSION_AGE_KEY_CMD runs once for many
// opens).
func (i *Identities) Option() Option {
	return func(c *config) {
		c.identities, c.explicitIDs, c.tried = i.list(), true, i.tried
	}
}

// String returns a summary without secrets.
func (i Identities) String() string {
	return "vault.Identities{" + strconv.Itoa(i.Len()) + " identities from " + strings.Join(i.tried, "; ") + "}"
}

// GoString implements fmt.GoStringer with the summary.
func (i Identities) GoString() string { return i.String() }

// Format implements fmt.Formatter: every verb prints the summary.
func (i Identities) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(i.String())) }

// LogValue implements slog.LogValuer with the summary.
func (i Identities) LogValue() slog.Value { return slog.StringValue(i.String()) }

// MarshalJSON implements json.Marshaler with the sources only.
func (i Identities) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(i.String())), nil
}

// FindIdentities searches, in order, $TGSESSION_AGE_KEY, the file named by
// $TGSESSION_AGE_KEY_FILE, the output of $TGSESSION_AGE_KEY_CMD, the
// [WithIdentityFile] files, and $XDG_CONFIG_HOME/tgsession/keys.txt, and
// returns every identity found (plus a passphrase identity with
// [WithPassphrase]). A source that is set but unreadable or malformed is an
// error naming it; none at all is a [*NoIdentityError] listing every place
// tried. Identity values are never echoed.
func FindIdentities(opts ...Option) (*Identities, error) {
	cfg := newConfig(opts)
	ids, tried, err := loadIdentities(cfg)
	if err != nil {
		return nil, err
	}
	return newIdentities(ids, tried), nil
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
		if tried == nil {
			tried = []string{"identities passed by the caller"}
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

	if !cfg.noDefaultKeys {
		p, err := DefaultKeysPath()
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

// DefaultKeysPath returns the default identity file,
// $XDG_CONFIG_HOME/tgsession/keys.txt, or the user configuration directory's
// tgsession/keys.txt when XDG_CONFIG_HOME is unset (~/.config on Linux).
func DefaultKeysPath() (string, error) {
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
// ErrTooLarge. The caller wipes the result.
func readCapped(r io.Reader, limit int) ([]byte, error) {
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				clear(buf)
				return nil, errorf(ErrTooLarge, "more than %d bytes", limit)
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
			return nil, errorf(ErrTooLarge, "more than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// DefaultKeyCmdTimeout is how long $TGSESSION_AGE_KEY_CMD may run before it
// (and every process in its process group) is killed; see
// [WithKeyCmdTimeout].
const DefaultKeyCmdTimeout = 10 * time.Second

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
		return nil, fmt.Errorf("vault: %s output: %w", src, errorf(ErrTooLarge, "more than %d bytes", maxIdentitySize))
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
		return 0, errorf(ErrTooLarge, "more than %d bytes", w.limit)
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

// sealedPrefixes start values that are sealed sessions, not identities.
var sealedPrefixes = []string{textPrefixBase, ageIntro, armorHeader}

// ParseIdentities parses identities from r: native age identities
// (AGE-SECRET-KEY-1…, AGE-SECRET-KEY-PQ-1…), one per line, with empty lines
// and # comments ignored and surrounding whitespace trimmed, or, with
// [WithSSH], one unencrypted OpenSSH private key. Errors give the line
// number, never the line.
func ParseIdentities(r io.Reader, opts ...Option) ([]age.Identity, error) {
	b, err := readCapped(r, maxIdentitySize)
	defer clear(b)
	if err != nil {
		return nil, fmt.Errorf("vault: identities: %w", err)
	}
	return parseIdentities(b, "identities", newConfig(opts))
}

func parseIdentities(b []byte, where string, cfg *config) ([]age.Identity, error) {
	t := bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(t)
	for _, p := range sealedPrefixes {
		if bytes.HasPrefix(trimmed, []byte(p)) {
			return nil, errorf(ErrMalformed, "%s holds a sealed session, not an age identity (are the variables swapped?)", where)
		}
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		return parseSSHIdentity(trimmed, where, cfg)
	}
	var ids []age.Identity
	sc := bufio.NewScanner(bytes.NewReader(t))
	sc.Buffer(make([]byte, 0, 4096), maxIdentitySize+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(line, "AGE-PLUGIN-"):
			return nil, errorf(ErrUnsupported, "%s: line %d: age plugin identities are not supported", where, n)
		case strings.HasPrefix(line, "age1"):
			return nil, errorf(ErrMalformed, "%s: line %d: is a recipient (public key), not an identity", where, n)
		}
		got, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil || len(got) != 1 {
			// age's errors never include the line, but we do not depend on it.
			return nil, errorf(ErrMalformed, "%s: line %d: not a valid age identity", where, n)
		}
		ids = append(ids, got[0])
	}
	if sc.Err() != nil {
		return nil, errorf(ErrMalformed, "%s: line %d is too long", where, n+1)
	}
	if len(ids) == 0 {
		return nil, errorf(ErrMalformed, "%s holds no identities", where)
	}
	return ids, nil
}

func parseSSHIdentity(pem []byte, where string, cfg *config) ([]age.Identity, error) {
	if !cfg.allowSSH {
		return nil, errorf(ErrUnsupported, "%s holds an SSH or PEM private key; SSH keys must be enabled explicitly", where)
	}
	id, err := agessh.ParseIdentity(pem)
	if err != nil {
		var pm *ssh.PassphraseMissingError
		if errors.As(err, &pm) {
			return nil, errorf(ErrUnsupported, "%s: passphrase-protected SSH keys are not supported", where)
		}
		return nil, errorf(ErrMalformed, "%s: not a valid SSH private key", where)
	}
	return []age.Identity{id}, nil
}

// passphraseIdentity is an scrypt identity that asks for the passphrase only
// when the file is passphrase-encrypted, and refuses work factors above
// maxLogN before doing any scrypt work.
type passphraseIdentity struct {
	get     func() ([]byte, error)
	maxLogN int
}

// ownError marks an error from this package's own identity code, so that
// classifyDecrypt passes it through (age returns it unchanged).
type ownError struct{ err error }

func (e *ownError) Error() string { return e.err.Error() }
func (e *ownError) Unwrap() error { return e.err }

func (p *passphraseIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	key, err := p.unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, &ownError{err}
	}
	return key, err
}

func (p *passphraseIdentity) unwrap(stanzas []*age.Stanza) ([]byte, error) {
	var st *age.Stanza
	for _, s := range stanzas {
		if s.Type == "scrypt" {
			st = s
		}
	}
	if st == nil {
		return nil, fmt.Errorf("%w: file is not passphrase-encrypted", age.ErrIncorrectIdentity)
	}
	if len(stanzas) != 1 {
		return nil, errorf(ErrMalformed, "an scrypt stanza must be the only one")
	}
	if len(st.Args) != 2 {
		return nil, errorf(ErrMalformed, "invalid scrypt stanza")
	}
	w := st.Args[1]
	logN, err := strconv.Atoi(w)
	if err != nil || len(w) > 2 || w[0] == '0' || logN < 1 {
		return nil, errorf(ErrMalformed, "invalid scrypt work factor encoding")
	}
	if logN > p.maxLogN {
		return nil, errorf(ErrTooLarge, "scrypt work factor %d is above the cap %d", logN, p.maxLogN)
	}
	pass, err := p.get()
	if err != nil {
		clear(pass)
		return nil, fmt.Errorf("vault: reading passphrase: %w", err)
	}
	if len(pass) == 0 {
		return nil, errorf(ErrMalformed, "empty passphrase")
	}
	id, err := age.NewScryptIdentity(string(pass))
	clear(pass)
	if err != nil {
		return nil, errorf(ErrMalformed, "invalid passphrase")
	}
	id.SetMaxWorkFactor(p.maxLogN)
	key, err := id.Unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, errorf(ErrMalformed, "invalid scrypt stanza")
	}
	return key, err
}

// ParseRecipients parses recipients from r, one per line, with empty lines
// and # comments ignored: X25519 (age1…) and hybrid post-quantum
// (age1pq1…) recipients, and with [WithSSH] ssh-ed25519 and ssh-rsa public
// keys. Plugin recipients are not supported. With [RequirePQ], only hybrid
// recipients are accepted.
func ParseRecipients(r io.Reader, opts ...Option) ([]age.Recipient, error) {
	cfg := newConfig(opts)
	b, err := readCapped(r, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("vault: recipients: %w", err)
	}
	var recs []age.Recipient
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20+1)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\xef\xbb\xbf"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var rec age.Recipient
		switch {
		case strings.HasPrefix(line, "AGE-SECRET-KEY-"):
			return nil, errorf(ErrMalformed, "recipients: line %d is an identity (secret key), not a recipient; derive the recipient with age-keygen -y", n)
		case strings.HasPrefix(line, "age1pq1"), strings.HasPrefix(line, "age1") && !isPluginRecipient(line):
			got, err := age.ParseRecipients(strings.NewReader(line))
			if err != nil || len(got) != 1 {
				return nil, errorf(ErrMalformed, "recipients: line %d: not a valid age recipient", n)
			}
			rec = got[0]
		case strings.HasPrefix(line, "age1"):
			return nil, errorf(ErrUnsupported, "recipients: line %d: age plugin recipients are not supported", n)
		case strings.HasPrefix(line, "ssh-"):
			if !cfg.allowSSH {
				return nil, errorf(ErrUnsupported, "recipients: line %d: SSH recipients must be enabled explicitly", n)
			}
			rec, err = agessh.ParseRecipient(line)
			if err != nil {
				return nil, errorf(ErrMalformed, "recipients: line %d: not a valid SSH recipient", n)
			}
		default:
			return nil, errorf(ErrMalformed, "recipients: line %d: unknown recipient type", n)
		}
		recs = append(recs, rec)
	}
	if sc.Err() != nil {
		return nil, errorf(ErrMalformed, "recipients: line %d is too long", n+1)
	}
	if len(recs) == 0 {
		return nil, errorf(ErrMalformed, "no recipients found")
	}
	if err := checkRecipients(recs, cfg); err != nil {
		return nil, err
	}
	return recs, nil
}

// isPluginRecipient reports whether s is a Bech32 age1<name>1… plugin or
// tag recipient rather than an X25519 one (age1 + 58 characters).
func isPluginRecipient(s string) bool {
	return strings.LastIndexByte(s, '1') > len("age")
}

// checkRecipients applies the RequirePQ policy.
func checkRecipients(recs []age.Recipient, cfg *config) error {
	if len(recs) == 0 {
		return errorf(ErrMalformed, "no recipients given")
	}
	if !cfg.requirePQ {
		return nil
	}
	for i, r := range recs {
		switch r.(type) {
		case *age.HybridRecipient, *age.ScryptRecipient:
		default:
			return errorf(ErrUnsupported, "recipient %d is not post-quantum (RequirePQ accepts only age1pq1… recipients)", i+1)
		}
	}
	return nil
}

// IdentityRecipient returns the recipient of a native age or SSH identity,
// as age-keygen -y does.
func IdentityRecipient(id age.Identity) (age.Recipient, error) {
	switch id := id.(type) {
	case *age.X25519Identity:
		return id.Recipient(), nil
	case *age.HybridIdentity:
		return id.Recipient(), nil
	case *agessh.Ed25519Identity:
		return id.Recipient(), nil
	case *agessh.RSAIdentity:
		return id.Recipient(), nil
	}
	return nil, errorf(ErrUnsupported, "identity type %T has no recipient", id)
}

// PassphraseRecipient returns an scrypt recipient for passphrase, with the
// work factor [DefaultMaxWorkFactor] (about 1 s and 256 MiB to open). It
// must be the only recipient of a value. The passphrase is wiped; the age
// library keeps a string copy.
func PassphraseRecipient(passphrase []byte) (age.Recipient, error) {
	if len(passphrase) == 0 {
		return nil, errorf(ErrMalformed, "empty passphrase")
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	clear(passphrase)
	if err != nil {
		return nil, errorf(ErrMalformed, "invalid passphrase")
	}
	r.SetWorkFactor(DefaultMaxWorkFactor)
	return r, nil
}
