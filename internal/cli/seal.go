package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/vault"
)

const identityHelp = `Identities are searched, in order, in $TGSESSION_AGE_KEY (inline
identities), the file named by $TGSESSION_AGE_KEY_FILE, the output of
$TGSESSION_AGE_KEY_CMD, the -i files, and
$XDG_CONFIG_HOME/tgsession/keys.txt (~/.config/tgsession/keys.txt); every
identity found is tried. When none opens the value, the error lists every
place that was searched.
`

var sealCmd = &command{
	name:    "seal",
	summary: "encrypt a session to age recipients",
	help: `Usage: tgsession seal -r RECIPIENT... [-R FILE] [--age | --armor] [-o FILE]
                      [--from FORMAT] [--in FILE | FILE] [--meta NAME=VALUE]
                      [--session-only] [-q] [--json]

Reads a session in any format and encrypts it with age to the recipients.
The default output is one line of text, "tgsession-age-v1:…", made for
environment variables and secret stores, and the smallest correct form
(644 bytes for a Telethon session and one X25519 recipient); --armor
writes an armored age file and --age a binary one. The sealed value keeps
every field of the session and the format it came from; for a .session
file it also keeps the rest of the file (entity cache, update state, file
format), so that "tgsession open" writes the same file back.

On stderr, seal reports the value's size and how much room it leaves under
the environment-variable limits of AWS Lambda (4 KB for all variables),
Cloudflare Workers (5 KB per variable), Heroku (32 kB per app) and GitHub
Actions (48 KB per secret).

"age -d" decrypts a sealed value, but what it prints is tgsession's binary
envelope, with the raw auth key inside, not a session string: treat that
output as the secret it is, and use "tgsession open" to get a session.

Flags:
    -r, --recipient R      an age recipient (age1… or age1pq1…); repeatable
    -R, --recipients-file F  a file of recipients, one per line; repeatable
    -a, --armor            write an armored age file
    --age                  write a binary age file (refused on a terminal)
    -o, --out FILE         write to FILE (mode 0600) instead of stdout
    -f, --force            replace an existing output file
    --from FORMAT          decode the input as FORMAT, skipping detection
    --in FILE              read the session from FILE
    --meta NAME=VALUE      store a non-secret label inside the envelope;
                           repeatable
    --session-only         for a .session file, seal the session alone,
                           without its entity cache, update state and file
                           format (what is left out is listed on stderr)
    --require-pq           accept only post-quantum (age1pq1…) recipients
    --ssh                  also accept ssh-ed25519 and ssh-rsa recipients
    -q, --quiet            do not print the size report
    --json                 print the size report as JSON on stdout
                           (needs -o FILE for the sealed value)

Stores (--from KIND, and --to KIND for convert): telethon-sqlalchemy,
telethon-redis, telethon-redis-hash, telethon-mongo, pyrogram-mongo.
    --store-env VAR   the store URL is in $VAR (DATABASE_URL, REDIS_URL,
                      MONGODB_URI); a URL with a password is never an argument
    --store-file FILE the store URL is in FILE
    --store URL       the store URL, only when it holds no password
    --name NAME       the session's name in the store
    --table-prefix P  telethon-sqlalchemy's table prefix

GramJS StoreSession: --from gramjs-store DIR (--name NAME: the
files' prefix, by default the directory's name).
Telegram Desktop: --from tdata DIR.
    --account N       the account to read (default: the active one)
    --passcode-env VAR, --passcode-file FILE
                      the local passcode (else read from standard input
                      when the folder has one; never an argument)

Examples:
    age-keygen -o key.txt
    tgsession seal -r "$(age-keygen -y key.txt)" < session.txt > session.sealed
    tgsession seal -R recipients.txt --armor --in session.txt -o session.age
    tgsession seal -R recipients.txt --age bot.session -o bot.session.age
`,
	run: runSeal,
}

func runSeal(c *cli, cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var rs, rfiles, metas stringList
	fs.Var(&rs, "r", "")
	fs.Var(&rs, "recipient", "")
	fs.Var(&rfiles, "R", "")
	fs.Var(&rfiles, "recipients-file", "")
	fs.Var(&metas, "meta", "")
	binary := fs.Bool("age", false, "")
	var armor, force bool
	fs.BoolVar(&armor, "armor", false, "")
	fs.BoolVar(&armor, "a", false, "")
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	var out string
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	in := fs.String("in", "", "")
	from := fs.String("from", "", "")
	requirePQ := fs.Bool("require-pq", false, "")
	ssh := fs.Bool("ssh", false, "")
	sessionOnly := fs.Bool("session-only", false, "")
	var quiet bool
	fs.BoolVar(&quiet, "quiet", false, "")
	fs.BoolVar(&quiet, "q", false, "")
	asJSON := fs.Bool("json", false, "")
	x := registerStoreFlags(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	x.set = flagsSet(fs)
	xsrcs, err := c.extInputs(cmd.name, x, from, "", *in, pos)
	if err != nil {
		return err
	}
	if *binary && armor {
		return usageErrorf("seal: --age and --armor cannot be used together")
	}
	if *asJSON && (out == "" || out == "-") {
		return withHints(usageErrorf("seal: --json prints the size report on standard output, so the sealed value needs -o FILE"),
			"or drop --json: the report then goes to standard error")
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("seal: at least one -r RECIPIENT or -R FILE is required"),
			"make a key with age-keygen -o key.txt; age-keygen -y key.txt prints its recipient")
	}
	srcs, err := sources(cmd.name, *in, pos)
	if xsrcs != nil {
		srcs, err = xsrcs, nil
	}
	if err != nil {
		return err
	}
	if len(srcs) > 1 {
		return usageErrorf("seal: one input at a time")
	}
	f, err := parseFromFlag(cmd.name, *from)
	if err != nil {
		return err
	}
	labels, err := parseMeta(metas)
	if err != nil {
		return err
	}
	form := vault.FormText
	switch {
	case *binary:
		form = vault.FormBinary
	case armor:
		form = vault.FormArmor
	}
	if form == vault.FormBinary && (out == "" || out == "-") && !force && c.isTerminal(c.stdout) {
		return withHints(failf("seal: refusing to write binary output to the terminal"),
			"use --armor for text, or -o FILE (or --force to write it anyway)")
	}
	recipients, err := parseRecipients(cmd.name, rs, rfiles, &vault.KeySearch{SSH: *ssh, RequirePQ: *requirePQ})
	if err != nil {
		return err
	}
	l, err := c.load(srcs[0], f)
	if err != nil {
		return err
	}
	defer l.sess.Wipe()
	vs, err := vault.NewSession(l.sess)
	if err != nil {
		return vaultError(err)
	}
	defer vs.Destroy()
	vs.Labels = labels
	if form != vault.FormText {
		// Files record when they were sealed; the single line stays small.
		vs.CreatedAt = time.Now()
	}
	attached, err := c.fileAttachment(vs, l, *sessionOnly)
	if err != nil {
		return err
	}
	sealed, err := vs.Seal(form, recipients...)
	if err != nil {
		if attached && errors.Is(err, codec.ErrTooLarge) {
			return withHints(failf("seal: %v", err),
				"the .session file's entity cache does not fit: use --age or --armor for a file, or --session-only to seal the session alone")
		}
		return vaultError(err)
	}
	size := len(sealed)
	if form == vault.FormText {
		sealed = append(sealed, '\n')
	}
	if err := c.writeOutput(out, sealed, force); err != nil {
		return err
	}
	if !quiet || *asJSON {
		c.reportSealSize(c.stdout, *asJSON, form, size, attached)
	}
	return nil
}

// fileAttachment attaches the rest of a .session file (l.full) to vs, or,
// with sessionOnly, nothing, after saying on stderr what is left out. It
// reports whether it attached anything.
func (c *cli) fileAttachment(vs *vault.Session, l *loaded, sessionOnly bool) (bool, error) {
	if l.full == nil {
		return false, nil
	}
	if sessionOnly {
		c.warnf("%s: not sealed (--session-only): %s; open gives the session alone", l.src, fileExtrasSummary(l.full))
		return false, nil
	}
	data, err := l.full.MarshalExtras()
	if err != nil {
		return false, failf("%s: %v", l.src, err)
	}
	if err := vs.SetAttachment(data); err != nil {
		return false, vaultError(err)
	}
	return true, nil
}

// fileExtrasSummary names what a .session file holds besides its session.
func fileExtrasSummary(f *model.Stored) string {
	parts := []string{fmt.Sprintf("the entity cache (%d entities)", len(f.Entities))}
	if f.UpdateState != nil {
		parts = append(parts, "the update state")
	}
	if f.TakeoutID.Known() {
		parts = append(parts, "the takeout id")
	}
	parts = append(parts, "the file format ("+f.Kind.String()+")")
	return strings.Join(parts, ", ")
}

// parseMeta parses --meta NAME=VALUE flags.
func parseMeta(metas []string) (map[string]string, error) {
	if len(metas) == 0 {
		return nil, nil
	}
	labels := make(map[string]string)
	for _, m := range metas {
		name, value, ok := strings.Cut(m, "=")
		if !ok || name == "" {
			return nil, usageErrorf("--meta takes NAME=VALUE")
		}
		if looksLikeSecret(value) {
			return nil, usageErrorf("--meta %s: the value looks like key material; labels are not secret", name)
		}
		labels[name] = value
	}
	return labels, nil
}

var openCmd = &command{
	name:    "open",
	summary: "decrypt a sealed session",
	help: `Usage: tgsession open [-i FILE]... [--to FORMAT] [-o FILE] [--in FILE | FILE]

Decrypts a sealed session (the "tgsession-age-v1:" text, an armored or a
binary age file written by seal, or a plain session string that someone
encrypted with the age CLI) and writes it in FORMAT: by default the format
it was sealed from. A value sealed from a .session file is written back as
that file, with its entity cache, by default (give -o FILE); with --to a
string format the cache is reported as dropped, as convert reports it.
Fields the target drops or defaults are listed on stderr, as for convert.

` + identityHelp + `
Flags:
    -i, --identity FILE  an identity file; repeatable; "-" reads identities
                         from standard input (then give the value with --in)
    --to FORMAT          output format (string or file format)
    -o, --out FILE       write to FILE (mode 0600) instead of stdout; needed
                         for file formats
    -f, --force          replace an existing output file
    --in FILE            read the sealed value from FILE
    --from FORMAT        decode an age-encrypted plain string as FORMAT
    --api-id N, --user-id N, --bot, --test-mode
                         supply values the target needs (see convert)
    --require-pq         use only post-quantum identities
    --ssh                also use unencrypted OpenSSH private keys

Examples:
    tgsession open -i key.txt < session.sealed
    printenv SESSION_SEALED | tgsession open --to pyrogram --api-id 12345 --user-id 777000
    tgsession open -i key.txt --in session.age --to telethon-sqlite -o bot.session
`,
	run: runOpen,
}

func runOpen(c *cli, cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var ids stringList
	fs.Var(&ids, "i", "")
	fs.Var(&ids, "identity", "")
	to := fs.String("to", "", "")
	from := fs.String("from", "", "")
	in := fs.String("in", "", "")
	var out string
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	requirePQ := fs.Bool("require-pq", false, "")
	ssh := fs.Bool("ssh", false, "")
	ov := registerOverrides(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	ov.set = flagsSet(fs)
	srcs, err := sources(cmd.name, *in, pos)
	if err != nil {
		return err
	}
	if len(srcs) > 1 {
		return usageErrorf("open: one input at a time")
	}
	src := srcs[0]
	for _, id := range ids {
		if id == "-" && src.path == "" {
			return usageErrorf("open: -i - reads identities from standard input, so give the sealed value with --in FILE")
		}
	}
	f, err := parseFromFlag(cmd.name, *from)
	if err != nil {
		return err
	}
	var tgt target
	if *to != "" {
		if tgt, err = parseTarget(*to); err != nil {
			return err
		}
	}
	ks := c.keySearch(ids)
	ks.RequirePQ, ks.SSH = *requirePQ, *ssh
	var vs *vault.Session
	if src.path == "" {
		c.stdinRead = true
		if c.isTerminal(c.stdin) {
			c.infof("reading the sealed value from the terminal: paste it, then press Ctrl-D")
		}
		vs, err = c.openSealed(ks, f, "", c.stdin)
		err = prefixErr(src, err)
	} else {
		// vault names the file in its errors.
		vs, err = c.openSealed(ks, f, src.path, nil)
	}
	if err != nil {
		return vaultError(err)
	}
	defer vs.Destroy()
	return c.exportSession(src, vs, tgt, *to != "", ov, out, force)
}

// exportSession converts an opened session to t and writes it to out, as
// convert does. Without --to (toGiven false) the target is the format the
// value was sealed from: the .session file's own format if the value
// carries the rest of the file, else the session's source format.
func (c *cli) exportSession(src source, vs *vault.Session, t target, toGiven bool, ov *overrides, out string, force bool) error {
	cs, err := vs.ToCodec()
	if err != nil {
		return vaultError(err)
	}
	defer cs.Wipe()
	full, err := c.attachedFile(src, vs, cs, !toGiven)
	if err != nil {
		return err
	}
	if !toGiven {
		t = target{Format: vs.Source}
		if full != nil {
			k := full.Kind
			t = target{Kind: k}
			if out == "" || out == "-" {
				return withHints(usageErrorf("%s: the sealed value holds a %s file: give -o FILE", src, k),
					"or --to FORMAT for a session string (the entity cache is then dropped)")
			}
		}
	}
	if !t.IsFile() && t.Format == codec.FormatUnknown {
		return failf("%s: the sealed value does not record its format: name one with --to", src)
	}
	if t.IsFile() && (out == "" || out == "-") {
		return withHints(usageErrorf("--to %s writes a file: give -o FILE", t),
			"a .session file is binary and is never written to standard output")
	}
	in := full
	if in == nil {
		in = storedOf(cs)
	}
	cv := &conversion{src: src, in: in}
	return c.finish(cv, &convertOpts{to: t, ov: *ov, force: force}, out)
}

// attachedFile rebuilds the .session file a value was sealed from, with cs
// as its session, if the value carries it (vault.AttachmentFile); nil
// otherwise. An attachment that cannot be used is an error when the file
// must be restored (need), a warning otherwise.
func (c *cli) attachedFile(src source, vs *vault.Session, cs *codec.Session, need bool) (*model.Stored, error) {
	data := vs.Attachment()
	if data == nil {
		return nil, nil
	}
	f := &model.Stored{Session: cs}
	err := f.UnmarshalExtras(data)
	if err == nil {
		return f, nil
	}
	if need {
		return nil, withHints(failf("%s: the .session file data sealed with the session cannot be read: %v", src, err),
			"--to FORMAT gives the session without it")
	}
	c.warnf("%s: the .session file data sealed with the session cannot be read (%v); it is ignored", src, err)
	return nil, nil
}

// maxSealedInput is the most bytes read from standard input for a sealed
// value: vault refuses anything above 2 MiB, so one byte more is enough
// for it to say so.
const maxSealedInput = 2<<20 + 1

// openSealed finds the identities of ks once and opens the sealed value
// in the file at path, or read from r when path is empty, decoding a plain
// session string payload as f when f is known.
func (c *cli) openSealed(ks *vault.KeySearch, f codec.Format, path string, r io.Reader) (*vault.Session, error) {
	var data []byte
	if path != "" {
		// The value is checked first (a missing file, a value that is not
		// sealed, malformed or too large), before any key is searched for:
		// opening with no identities stops at the identities.
		if _, err := vault.OpenFile(path); !errors.Is(err, vault.ErrNoIdentity) {
			return nil, err
		}
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("vault: %s: %w", path, err)
		}
		data, err = io.ReadAll(io.LimitReader(fh, maxSealedInput))
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("vault: %s: %w", path, err)
		}
	} else {
		var err error
		if data, err = io.ReadAll(io.LimitReader(r, maxSealedInput)); err != nil {
			return nil, fmt.Errorf("vault: reading sealed value: %w", err)
		}
		if _, err := vault.Open(data); !errors.Is(err, vault.ErrNoIdentity) {
			clear(data)
			return nil, err
		}
	}
	defer clear(data)
	ids, err := ks.Find()
	if err != nil {
		return nil, err
	}
	var s *vault.Session
	if f == codec.FormatUnknown {
		s, err = vault.Open(data, ids)
	} else {
		s, err = vault.OpenAs(data, f, ids)
	}
	if err != nil && path != "" {
		return nil, &pathError{path: path, err: err}
	}
	return s, err
}

// pathError names the file a vault error came from, as vault.OpenFile's
// errors do.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string {
	return "vault: " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "vault: ")
}

func (e *pathError) Unwrap() error { return e.err }
