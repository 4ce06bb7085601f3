package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

const vaultDirHelp = `The vault is a directory (mode 0700) of age files, one per entry, each
readable with "age -d". It is --vault DIR, else $TGSESSION_VAULT_DIR, else
$XDG_DATA_HOME/tgsession/vault (~/.local/share/tgsession/vault).
`

var vaultCmd = &command{
	name:    "vault",
	summary: "store sealed sessions by name: add, get, list, rm, rekey",
	help: `Usage: tgsession vault add NAME (-r RECIPIENT | -R FILE)... [--from FORMAT]
                           [--in FILE | FILE] [--force] [--meta NAME=VALUE]
                           [--session-only]
       tgsession vault get NAME [--label LABEL] [--to FORMAT] [-o FILE] [-i FILE]...
       tgsession vault list [--json]
       tgsession vault rm NAME
       tgsession vault rekey -r RECIPIENT... [-R FILE]... [-i FILE]...

add seals a session (any format, read like convert reads it) to the
recipients and stores it as NAME; a .session file is stored whole (entity
cache, update state and file format too) unless --session-only is given.

get opens entry NAME and writes it in --to FORMAT (default: the format it
was stored from: a .session file is written back as that file, with -o
FILE), like open. --label records where the key is being
exported (for example prod, staging, laptop); exporting the same key to a
second label warns, because two live copies of one auth key get the
account AUTH_KEY_DUPLICATED.

list shows the entries with their auth_key_id and export labels; rm
deletes an entry; rekey re-encrypts every entry to a new recipient set
(checking first that every entry opens).

` + vaultDirHelp + `
` + identityHelp + `
Flags (all subcommands):
    --vault DIR          the vault directory
    -i, --identity FILE  an identity file; repeatable
    -r, --recipient R    (add, rekey) an age recipient; repeatable
    -R, --recipients-file F  (add, rekey) a file of recipients; repeatable
    --session-only       (add) for a .session file, store the session alone

Examples:
    tgsession vault add mybot -r "$(age-keygen -y key.txt)" --in session.txt
    tgsession vault list
    tgsession vault get mybot --label laptop --to pyrogram --api-id 12345 --user-id 777000
    tgsession vault rekey -R new-recipients.txt
    tgsession vault rm mybot
`,
	run: runVault,
}

// vaultFlags are the flags every vault subcommand takes.
type vaultFlags struct {
	dir string
	ids stringList
}

func (v *vaultFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&v.dir, "vault", "", "")
	fs.Var(&v.ids, "i", "")
	fs.Var(&v.ids, "identity", "")
}

// defaultVaultDir returns the default vault directory:
// $TGSESSION_VAULT_DIR, else $XDG_DATA_HOME/tgsession/vault, else
// ~/.local/share/tgsession/vault.
func defaultVaultDir() (string, error) {
	if p := os.Getenv("TGSESSION_VAULT_DIR"); p != "" {
		return p, nil
	}
	if p := os.Getenv("XDG_DATA_HOME"); p != "" {
		return filepath.Join(p, "tgsession", "vault"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "tgsession", "vault"), nil
}

// open opens (or, with create, creates) the vault directory, with its
// warnings in our voice.
func (v *vaultFlags) open(c *cli, create bool) (*vault.Dir, error) {
	path := v.dir
	if path == "" {
		p, err := defaultVaultDir()
		if err != nil {
			return nil, failf("vault: cannot find the default vault directory: %v (use --vault DIR)", err)
		}
		path = p
	}
	var d *vault.Dir
	var err error
	if create {
		d, err = vault.InitDir(path)
	} else {
		d, err = vault.OpenDir(path)
	}
	if err != nil {
		if errors.Is(err, vault.ErrNotFound) {
			return nil, withHints(failf("%v", err), `add an entry first with "tgsession vault add NAME", or name the vault with --vault DIR`)
		}
		return nil, vaultError(err)
	}
	d.Warn = func(m string) { c.warnf("%s", m) }
	return d, nil
}

func runVault(c *cli, cmd *command, args []string) error {
	if len(args) == 0 {
		return withHints(usageErrorf("vault: missing subcommand (add, get, list, rm or rekey)"), `run "tgsession help vault" for usage`)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(c.stdout, cmd.help)
		return nil
	case "add":
		return c.vaultAdd(cmd, rest)
	case "get":
		return c.vaultGet(cmd, rest)
	case "list", "ls":
		return c.vaultList(cmd, rest)
	case "rm", "remove":
		return c.vaultRemove(cmd, rest)
	case "rekey":
		return c.vaultRekey(cmd, rest)
	}
	if looksLikeSecret(sub) {
		sub = "[redacted]"
	}
	return withHints(usageErrorf("vault: unknown subcommand %q", sub), "subcommands: add, get, list, rm, rekey")
}

// entryName takes the one NAME argument of a vault subcommand.
func entryName(sub string, pos []string) (string, []string, error) {
	if len(pos) == 0 {
		return "", nil, usageErrorf("vault %s: missing entry NAME", sub)
	}
	name := pos[0]
	if !vault.ValidName(name) {
		if looksLikeSecret(name) {
			return "", nil, withHints(usageErrorf("vault %s: invalid entry name (not shown: it looks like a session or key)", sub),
				"sessions are never taken from the command line: pipe them to standard input or use --in FILE")
		}
		return "", nil, usageErrorf("vault %s: invalid entry name %q (want 1–64 of A–Z a–z 0–9 . _ -, not starting with . _ -)", sub, name)
	}
	return name, pos[1:], nil
}

func (c *cli) printWarnings(ws []vault.Warning) {
	for _, w := range ws {
		c.warnf("%s", w.Message)
	}
}

func (c *cli) vaultAdd(cmd *command, args []string) error {
	defer guardMemory()()
	fs := flag.NewFlagSet("vault add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf vaultFlags
	vf.register(fs)
	var rs, rfiles, metas stringList
	fs.Var(&rs, "r", "")
	fs.Var(&rs, "recipient", "")
	fs.Var(&rfiles, "R", "")
	fs.Var(&rfiles, "recipients-file", "")
	fs.Var(&metas, "meta", "")
	from := fs.String("from", "", "")
	in := fs.String("in", "", "")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	requirePQ := fs.Bool("require-pq", false, "")
	sessionOnly := fs.Bool("session-only", false, "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	name, pos, err := entryName("add", pos)
	if err != nil {
		return err
	}
	srcs, err := sources("vault add", *in, pos)
	if err != nil {
		return err
	}
	if len(srcs) > 1 {
		return usageErrorf("vault add: one input at a time")
	}
	f, err := parseFromFlag("vault add", *from)
	if err != nil {
		return err
	}
	labels, err := parseMeta(metas)
	if err != nil {
		return err
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("vault add: at least one -r RECIPIENT or -R FILE is required"),
			"to seal to your own key: -r \"$(age-keygen -y key.txt)\"")
	}
	recipients, err := parseRecipients("vault add", rs, rfiles, &vault.KeySearch{RequirePQ: *requirePQ})
	if err != nil {
		return err
	}
	l, err := c.load(srcs[0], f)
	if err != nil {
		return err
	}
	defer l.sess.Wipe()
	d, err := vf.open(c, true)
	if err != nil {
		return err
	}
	vs, err := vault.NewSession(l.sess)
	if err != nil {
		return vaultError(err)
	}
	defer vs.Destroy()
	vs.Labels = labels
	if _, err := c.fileAttachment(vs, l, *sessionOnly); err != nil {
		return err
	}
	store := d.Put
	if force {
		store = d.Replace
	}
	warns, err := store(name, vs, recipients...)
	if err != nil {
		if errors.Is(err, vault.ErrExists) {
			return withHints(failf("vault add: entry %s exists", name), "pass --force to replace it")
		}
		return vaultError(err)
	}
	c.printWarnings(warns)
	c.infof("added %s (auth_key_id %s) to %s", name, l.sess.AuthKeyID(), d.Path())
	return nil
}

func (c *cli) vaultGet(cmd *command, args []string) error {
	defer guardMemory()()
	fs := flag.NewFlagSet("vault get", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf vaultFlags
	vf.register(fs)
	label := fs.String("label", "", "")
	to := fs.String("to", "", "")
	var out string
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	ov := registerOverrides(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	ov.set = flagsSet(fs)
	name, pos, err := entryName("get", pos)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("vault get: one entry at a time")
	}
	if *label != "" && !vault.ValidExportLabel(*label) {
		return usageErrorf("vault get: invalid --label (want 1–64 of A–Z a–z 0–9 . _ - : @ / +)")
	}
	var tgt target
	if *to != "" {
		if tgt, err = parseTarget(*to); err != nil {
			return err
		}
	}
	if tgt.IsFile() && (out == "" || out == "-") {
		return usageErrorf("vault get: --to %s writes a file: give -o FILE", tgt)
	}
	d, err := vf.open(c, false)
	if err != nil {
		return err
	}
	vs, warns, err := c.getEntry(d, name, vf.ids, *label)
	if err != nil {
		return err
	}
	defer vs.Destroy()
	c.printWarnings(warns)
	return c.exportSession(source{path: "vault:" + name}, vs, tgt, *to != "", ov, out, force)
}

// getEntry opens vault entry name with the identities of the key search
// for ids and, with a label, records where its key is exported.
func (c *cli) getEntry(d *vault.Dir, name string, ids []string, label string) (*vault.Session, []vault.Warning, error) {
	// The entry is checked first (missing, not a regular file, not
	// sealed), before any key is searched for: opening with no identities
	// stops at the identities.
	warn := d.Warn
	d.Warn = func(string) {} // the opening below warns once
	_, err := d.Get(name)
	d.Warn = warn
	if !errors.Is(err, vault.ErrNoIdentity) {
		return nil, nil, vaultError(err)
	}
	found, err := findIdentities(c.keySearch(ids))
	if err != nil {
		return nil, nil, err
	}
	return getEntryWith(d, name, found, label)
}

// getEntryWith opens vault entry name with ids and, with a label, records
// where its key is exported.
func getEntryWith(d *vault.Dir, name string, ids *vault.Identities, label string) (*vault.Session, []vault.Warning, error) {
	vs, err := d.Get(name, ids)
	if err != nil {
		return nil, nil, vaultError(err)
	}
	if label == "" {
		return vs, nil, nil
	}
	warns, err := d.RecordExport(name, vs.KeyID(), label)
	if err != nil {
		vs.Destroy()
		return nil, nil, vaultError(err)
	}
	return vs, warns, nil
}

type entryJSON struct {
	Name      string         `json:"name"`
	AuthKeyID *string        `json:"auth_key_id"`
	Size      int64          `json:"size"`
	Modified  time.Time      `json:"modified"`
	Exports   []vault.Export `json:"exports"`
}

func (c *cli) vaultList(cmd *command, args []string) error {
	fs := flag.NewFlagSet("vault list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf vaultFlags
	vf.register(fs)
	asJSON := fs.Bool("json", false, "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("vault list: takes no arguments")
	}
	d, err := vf.open(c, false)
	if err != nil {
		return err
	}
	entries, err := d.List()
	if err != nil {
		return vaultError(err)
	}
	if *asJSON {
		for _, e := range entries {
			j := entryJSON{Name: e.Name, Size: e.Size, Modified: e.ModTime.UTC().Truncate(time.Second), Exports: e.Exports}
			if e.KeyID != (codec.KeyID{}) {
				id := e.KeyID.String()
				j.AuthKeyID = &id
			}
			if j.Exports == nil {
				j.Exports = []vault.Export{}
			}
			b, _ := json.Marshal(j)
			fmt.Fprintf(c.stdout, "%s\n", b)
		}
		return nil
	}
	if len(entries) == 0 {
		c.infof("the vault %s is empty", d.Path())
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tAUTH_KEY_ID\tMODIFIED\tEXPORTED TO")
	for _, e := range entries {
		id := "unknown"
		if e.KeyID != (codec.KeyID{}) {
			id = e.KeyID.String()
		}
		var labels []string
		for _, x := range e.Exports {
			l := x.Label
			if x.Entry != "" && x.Entry != e.Name {
				l += " (via " + x.Entry + ")"
			}
			labels = append(labels, l)
		}
		exp := "-"
		if len(labels) > 0 {
			exp = strings.Join(labels, ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, id, e.ModTime.UTC().Format("2006-01-02 15:04"), exp)
	}
	return tw.Flush()
}

func (c *cli) vaultRemove(cmd *command, args []string) error {
	fs := flag.NewFlagSet("vault rm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf vaultFlags
	vf.register(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	name, pos, err := entryName("rm", pos)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("vault rm: one entry at a time")
	}
	d, err := vf.open(c, false)
	if err != nil {
		return err
	}
	if err := d.Remove(name); err != nil {
		return vaultError(err)
	}
	c.infof("removed %s from %s", name, d.Path())
	return nil
}

func (c *cli) vaultRekey(cmd *command, args []string) error {
	defer guardMemory()()
	fs := flag.NewFlagSet("vault rekey", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var vf vaultFlags
	vf.register(fs)
	var rs, rfiles stringList
	fs.Var(&rs, "r", "")
	fs.Var(&rs, "recipient", "")
	fs.Var(&rfiles, "R", "")
	fs.Var(&rfiles, "recipients-file", "")
	requirePQ := fs.Bool("require-pq", false, "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("vault rekey: takes no arguments")
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("vault rekey: the new recipients are required (-r RECIPIENT or -R FILE)"),
			"every entry is re-encrypted to exactly these recipients; include your own")
	}
	recipients, err := parseRecipients("vault rekey", rs, rfiles, &vault.KeySearch{RequirePQ: *requirePQ})
	if err != nil {
		return err
	}
	d, err := vf.open(c, false)
	if err != nil {
		return err
	}
	ks := c.keySearch(vf.ids)
	ks.RequirePQ = *requirePQ
	found, err := findIdentities(ks)
	if err != nil {
		return err
	}
	n, err := d.Rekey(recipients, found)
	if err != nil {
		if n > 0 {
			c.warnf("%d entries were re-encrypted before the error; the others are unchanged", n)
		}
		return vaultError(err)
	}
	c.infof("re-encrypted %d entries to %d recipient(s)", n, len(recipients))
	return nil
}
