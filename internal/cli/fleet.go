package cli

// This file wires the fleet store (package fleet, opened by fleetopen) into
// the CLI: fleet add, get, list, rm and leases, and the fleet:NAME and
// fleet-pool:PREFIX sources of exec (issue 13, "CLI contract").

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/vault"
)

// envFleetURL names the fleet store when no flag does.
const envFleetURL = "TGSESSION_FLEET_URL"

// fleetNamespace is the Redis key prefix or PostgreSQL schema of the
// fleet store ("" the backend's default); tests set a unique one.
var fleetNamespace string

var fleetCmd = &command{
	name:    "fleet",
	summary: "share sealed sessions between machines with leases: add, get, list, rm, leases, rekey, import",
	help: `Usage: tgsession fleet add NAME (-r RECIPIENT | -R FILE)... [--in FILE] [--meta NAME=VALUE]
                           [--force]
       tgsession fleet get NAME [--to FORMAT] [-o FILE] [-i FILE]...
       tgsession fleet list [--json]
       tgsession fleet rm NAME
       tgsession fleet leases [--json]
       tgsession fleet rekey (-r RECIPIENT | -R FILE)... [-i FILE]...
       tgsession fleet import (-r RECIPIENT | -R FILE)... [--vault DIR] [-i FILE]... [--force]
       tgsession fleet import (-r RECIPIENT | -R FILE)... --from KIND
                              (--from-store-env VAR | --from-store-file FILE | --from-store URL)
                              [--name NAME] [--table-prefix P] [--force]

A fleet store keeps sealed sessions (never plaintext) with their
non-secret metadata (name, auth_key_id, recipients, labels) in Redis,
PostgreSQL or a directory, and leases that keep each auth key live in one
process at a time ("tgsession exec --env VAR=fleet:NAME" takes the lease).

add seals a session (from standard input or --in FILE) to the recipients
and stores it as NAME; get opens NAME with your identities and writes it
in --to FORMAT (default: the format it was sealed from); list shows the
sessions with their lease holders; rm deletes a session that is not
leased; leases lists the live leases; rekey re-encrypts every session to
a new recipient set (each under a lease: a leased session is skipped);
import adds every entry of a vault directory, resealed to the recipients,
or with --from KIND the session --name NAME (default: every session the
store lists) of a store (telethon-sqlalchemy, telethon-redis, …; see
"tgsession list --from"), sealed to the recipients under the same name.
The source store's URL is --from-store-env VAR, --from-store-file FILE or
--from-store URL (no password): --store-env and --store name the fleet.

The store is --store-env VAR (the variable holding its URL, which may
hold a password), or --store URL when the URL holds no password (or is a
directory path), or $TGSESSION_FLEET_URL.

` + identityHelp + `
Examples:
    export TGSESSION_FLEET_URL=redis://fleet.internal:6379/0
    tgsession fleet add bot-1 -r "$(age-keygen -y key.txt)" --in session.txt
    tgsession fleet list
    tgsession exec --env TG_SESSION=fleet:bot-1 --as telethon -- python3 bot.py
`,
	run: runFleet,
}

func runFleet(c *cli, cmd *command, args []string) error {
	if len(args) == 0 {
		return withHints(usageErrorf("fleet: missing subcommand (add, get, list, rm, leases, rekey or import)"), `run "tgsession help fleet" for usage`)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(c.stdout, cmd.help)
		return nil
	case "add":
		return c.fleetAdd(cmd, rest)
	case "get":
		return c.fleetGet(cmd, rest)
	case "list", "ls":
		return c.fleetList(cmd, rest, false)
	case "leases":
		return c.fleetList(cmd, rest, true)
	case "rm", "remove":
		return c.fleetRemove(cmd, rest)
	case "rekey":
		return c.fleetRekey(cmd, rest)
	case "import":
		return c.fleetImport(cmd, rest)
	}
	if looksLikeSecret(sub) {
		sub = "[redacted]"
	}
	return withHints(usageErrorf("fleet: unknown subcommand %q", sub), "subcommands: add, get, list, rm, leases, rekey, import")
}

// fleetFlags are the store flags every fleet subcommand (and exec) takes.
type fleetFlags struct {
	storeEnv, storeURL string
}

func (f *fleetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.storeEnv, "store-env", "", "")
	fs.StringVar(&f.storeURL, "store", "", "")
}

// location resolves where the fleet store is: --store-env VAR, --store URL
// (refused when it holds a password) or $TGSESSION_FLEET_URL.
func (f *fleetFlags) location(c *cli, cmd string) (string, error) {
	if f.storeEnv != "" && f.storeURL != "" {
		return "", usageErrorf("%s: give --store-env VAR or --store URL, not both", cmd)
	}
	var text, from string
	switch {
	case f.storeEnv != "":
		if !validEnvName(f.storeEnv) {
			return "", usageErrorf("%s: --store-env takes a variable name", cmd)
		}
		from, text = "$"+f.storeEnv, strings.TrimSpace(c.getenv(f.storeEnv))
	case f.storeURL != "":
		from, text = "--store", f.storeURL
	default:
		from, text = "$"+envFleetURL, strings.TrimSpace(c.getenv(envFleetURL))
		if text == "" {
			return "", withHints(usageErrorf("%s: no fleet store: give --store-env VAR or --store URL, or set $%s", cmd, envFleetURL),
				"the store is redis://, rediss://, postgres:// or a directory path: --store-env REDIS_URL")
		}
	}
	if text == "" {
		return "", failf("%s: %s is not set or empty", cmd, from)
	}
	if strings.Contains(text, "://") {
		u, err := stores.ParseURL(text)
		if err != nil {
			return "", failf("%s: %s: %v", cmd, from, err) // ParseURL never quotes the URL
		}
		if from == "--store" && u.HasCredentials() {
			return "", withHints(usageErrorf("%s: the --store URL holds a password; a password on the command line is seen by every user (ps) and kept in shell history, so it is refused", cmd),
				"put the URL in an environment variable and pass its name: --store-env REDIS_URL (or set $"+envFleetURL+")")
		}
	}
	return text, nil
}

// open opens the fleet store.
func (f *fleetFlags) open(c *cli, cmd string) (fleet.Store, error) {
	loc, err := f.location(c, cmd)
	if err != nil {
		return nil, err
	}
	if hooks.OpenFleet == nil {
		return nil, c.needFull("the fleet")
	}
	st, err := hooks.OpenFleet(context.Background(), loc, fleetNamespace)
	if err != nil {
		return nil, fleetError(cmd, err)
	}
	return st, nil
}

// fleetError puts a fleet error in our voice, with hints. Fleet errors
// never hold a password or sealed bytes.
func fleetError(cmd string, err error) error {
	if held, ok := errors.AsType[*fleet.HeldError](err); ok {
		return withHints(failf("%s: %v", cmd, err), fmt.Sprintf("it is leased by %s for %s more", held.Holder, held.Expires.Round(time.Second)))
	}
	switch {
	case errors.Is(err, fleet.ErrNotFound):
		return withHints(failf("%s: %v", cmd, err), `"tgsession fleet list" lists the sessions the store holds`)
	case errors.Is(err, fleet.ErrExists):
		return withHints(failf("%s: %v", cmd, err), "give --force to replace it, or another NAME")
	case errors.Is(err, fleet.ErrTampered):
		return withHints(failf("%s: %v", cmd, err), "do not use this session: re-add it from a trusted copy")
	}
	return failf("%s: %v", cmd, err)
}

// fleetName takes the one NAME argument of a fleet subcommand.
func fleetName(sub string, pos []string) (string, error) {
	if len(pos) == 0 {
		return "", usageErrorf("fleet %s: missing session NAME", sub)
	}
	if len(pos) > 1 {
		return "", usageErrorf("fleet %s: one session at a time", sub)
	}
	name := pos[0]
	if looksLikeSecret(name) {
		return "", withHints(usageErrorf("fleet %s: invalid session name (not shown: it looks like a session or key)", sub),
			"sessions are never taken from the command line: pipe them to standard input or use --in FILE")
	}
	if err := fleet.CheckName(name); err != nil {
		return "", usageErrorf("fleet %s: %v", sub, err)
	}
	return name, nil
}

// recipientStrings returns the recipients' public text, for the metadata.
func recipientStrings(rs []age.Recipient) []string {
	var out []string
	for _, r := range rs {
		if s, ok := r.(fmt.Stringer); ok {
			out = append(out, s.String())
		}
	}
	return out
}

func (c *cli) fleetAdd(cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
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
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	name, err := fleetName("add", pos)
	if err != nil {
		return err
	}
	srcs, err := sources("fleet add", *in, nil)
	if err != nil {
		return err
	}
	f, err := parseFromFlag("fleet add", *from)
	if err != nil {
		return err
	}
	labels, err := parseMeta(metas)
	if err != nil {
		return err
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("fleet add: at least one -r RECIPIENT or -R FILE is required"),
			"to seal to your own key: -r \"$(age-keygen -y key.txt)\"")
	}
	recipients, err := parseRecipients("fleet add", rs, rfiles, &vault.KeySearch{RequirePQ: *requirePQ})
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
	if _, err := c.fileAttachment(vs, l, false); err != nil {
		return err
	}
	sealed, err := vs.Seal(vault.FormText, recipients...)
	if err != nil {
		return vaultError(err)
	}
	st, err := ff.open(c, "fleet add")
	if err != nil {
		return err
	}
	defer st.Close()
	m := fleet.Meta{Name: name, Labels: labels, AuthKeyID: vs.KeyID().String(), Recipients: recipientStrings(recipients)}
	if err := st.Put(context.Background(), m, sealed, force); err != nil {
		return fleetError("fleet add", err)
	}
	c.infof("added %s (auth_key_id %s) to the fleet", name, m.AuthKeyID)
	return nil
}

// fleetOpen gets name from st and opens it with ids, checking that the
// opened session is the one the metadata names.
func fleetOpen(st fleet.Store, cmd, name string, ids *vault.Identities) (*vault.Session, error) {
	vs, _, err := fleetOpenEntry(st, cmd, name, ids)
	return vs, err
}

// fleetOpenEntry is fleetOpen that also returns the entry's metadata.
func fleetOpenEntry(st fleet.Store, cmd, name string, ids *vault.Identities) (*vault.Session, *fleet.Meta, error) {
	e, err := st.Get(context.Background(), name)
	if err != nil {
		return nil, nil, fleetError(cmd, err)
	}
	vs, err := vault.Open(e.Sealed, ids)
	if err != nil {
		return nil, nil, vaultError(prefixErr(source{path: "fleet:" + name}, err))
	}
	if err := fleet.VerifyOpened(e, vs.KeyID().String()); err != nil {
		vs.Destroy()
		return nil, nil, fleetError(cmd, err)
	}
	return vs, &e.Meta, nil
}

func (c *cli) fleetGet(cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
	var ids stringList
	fs.Var(&ids, "i", "")
	fs.Var(&ids, "identity", "")
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
	name, err := fleetName("get", pos)
	if err != nil {
		return err
	}
	var tgt target
	if *to != "" {
		if tgt, err = parseTarget(*to); err != nil {
			return err
		}
	}
	if tgt.IsFile() && (out == "" || out == "-") {
		return usageErrorf("fleet get: --to %s writes a file: give -o FILE", tgt)
	}
	st, err := ff.open(c, "fleet get")
	if err != nil {
		return err
	}
	defer st.Close()
	found, err := findIdentities(c.keySearch(ids))
	if err != nil {
		return err
	}
	vs, err := fleetOpen(st, "fleet get", name, found)
	if err != nil {
		return err
	}
	defer vs.Destroy()
	return c.exportSession(source{path: "fleet:" + name}, vs, tgt, *to != "", ov, out, force)
}

// fleetEntryJSON is one line of fleet list --json.
type fleetEntryJSON struct {
	Name       string            `json:"name"`
	AuthKeyID  string            `json:"auth_key_id"`
	Recipients []string          `json:"recipients"`
	Labels     map[string]string `json:"labels"`
	Size       int               `json:"size"`
	Created    time.Time         `json:"created"`
	Updated    time.Time         `json:"updated"`
	Lease      *fleetLeaseJSON   `json:"lease"`
}

// fleetLeaseJSON is a live lease (fleet leases --json, and list's lease).
type fleetLeaseJSON struct {
	Name      string  `json:"name,omitempty"`
	Holder    string  `json:"holder"`
	Token     uint64  `json:"token"`
	ExpiresIn float64 `json:"expires_in"` // seconds, by the server's clock
}

// fleetEntries lists every entry of st, page by page.
func fleetEntries(st fleet.Store, cmd string) ([]fleet.Entry, error) {
	var out []fleet.Entry
	o := fleet.ListOptions{}
	for {
		p, err := st.List(context.Background(), o)
		if err != nil {
			return nil, fleetError(cmd, err)
		}
		out = append(out, p.Entries...)
		if p.Next == "" {
			return out, nil
		}
		o.After = p.Next
	}
}

func leaseJSON(name string, l *fleet.LeaseState) *fleetLeaseJSON {
	if l == nil {
		return nil
	}
	return &fleetLeaseJSON{Name: name, Holder: l.Holder, Token: l.Token, ExpiresIn: l.Expires.Seconds()}
}

// fleetList is fleet list, or with leases, fleet leases.
func (c *cli) fleetList(cmd *command, args []string, leases bool) error {
	sub := "fleet list"
	if leases {
		sub = "fleet leases"
	}
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
	asJSON := fs.Bool("json", false, "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("%s: takes no arguments", sub)
	}
	st, err := ff.open(c, sub)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := fleetEntries(st, sub)
	if err != nil {
		return err
	}
	if *asJSON {
		for _, e := range entries {
			var v any
			if leases {
				if e.Lease == nil {
					continue
				}
				v = leaseJSON(e.Name, e.Lease)
			} else {
				j := fleetEntryJSON{Name: e.Name, AuthKeyID: e.AuthKeyID, Recipients: e.Recipients, Labels: e.Labels,
					Size: e.Size, Created: e.Created.UTC(), Updated: e.Updated.UTC()}
				if j.Recipients == nil {
					j.Recipients = []string{}
				}
				if j.Labels == nil {
					j.Labels = map[string]string{}
				}
				if l := leaseJSON("", e.Lease); l != nil {
					j.Lease = l
				}
				v = j
			}
			b, _ := json.Marshal(v)
			fmt.Fprintf(c.stdout, "%s\n", b)
		}
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	if leases {
		fmt.Fprintln(tw, "NAME\tHOLDER\tTOKEN\tEXPIRES IN")
	} else {
		fmt.Fprintln(tw, "NAME\tAUTH_KEY_ID\tUPDATED\tLEASED BY")
	}
	for _, e := range entries {
		switch {
		case leases && e.Lease != nil:
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", e.Name, e.Lease.Holder, e.Lease.Token, e.Lease.Expires.Round(time.Second))
		case !leases:
			by := "-"
			if e.Lease != nil {
				by = e.Lease.Holder
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, e.AuthKeyID, e.Updated.UTC().Format("2006-01-02 15:04"), by)
		}
	}
	return tw.Flush()
}

func (c *cli) fleetRemove(cmd *command, args []string) error {
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	name, err := fleetName("rm", pos)
	if err != nil {
		return err
	}
	st, err := ff.open(c, "fleet rm")
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Delete(context.Background(), name); err != nil {
		return fleetError("fleet rm", err)
	}
	c.infof("removed %s from the fleet", name)
	return nil
}

// fleetHolder names this process as a lease holder: host/pid-N.
func fleetHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s/pid-%d", host, os.Getpid())
}

// checkFleetSource validates --env NAME=fleet:NAME or fleet-pool:PREFIX.
func checkFleetSource(name, kind, arg string) error {
	if kind == "fleet" {
		if err := fleet.CheckName(arg); err != nil {
			return usageErrorf("exec: --env %s: fleet:NAME needs a fleet session name", name)
		}
		return nil
	}
	if err := fleet.CheckPrefix(arg); err != nil {
		return usageErrorf("exec: --env %s: fleet-pool:PREFIX needs a session name prefix", name)
	}
	return nil
}

// execFleetFlags are exec's flags for fleet sources.
type execFleetFlags struct {
	store     fleetFlags
	ttl       time.Duration
	wait      time.Duration
	writeBack bool
	set       map[string]bool
	active    bool        // a source is in the fleet
	st        fleet.Store // the open store while active
	sources   []*fleetSource
	interval  time.Duration // poll interval of --wait (tests shorten it)
}

// fleetSource is one leased fleet session of exec.
type fleetSource struct {
	st    fleet.Store
	lease *fleet.Lease
	sup   *fleet.Supervisor
	// What --write-back checks a handed-back session against, recorded
	// when the session is opened (no key).
	meta     *fleet.Meta
	userID   codec.Optional[int64]
	testMode codec.Optional[bool]
	format   codec.Format
	labels   map[string]string
}

// open opens the leased session with ids.
func (s *fleetSource) open(ids *vault.Identities) (*vault.Session, error) {
	vs, m, err := fleetOpenEntry(s.st, "exec", s.lease.Name, ids)
	if err != nil {
		return nil, err
	}
	s.meta, s.userID, s.testMode, s.format, s.labels = m, vs.UserID, vs.TestMode, vs.Source, vs.Labels
	return vs, nil
}

func registerExecFleetFlags(fs *flag.FlagSet) *execFleetFlags {
	x := &execFleetFlags{interval: 500 * time.Millisecond}
	x.store.register(fs)
	fs.DurationVar(&x.ttl, "lease-ttl", 30*time.Second, "")
	fs.DurationVar(&x.wait, "wait", 0, "")
	fs.BoolVar(&x.writeBack, "write-back", false, "")
	return x
}

// check refuses the fleet flags when no source is in the fleet, and a TTL
// the store cannot hold.
func (x *execFleetFlags) check(parsed []execSpec, set map[string]bool) error {
	x.set = set
	n := 0
	for _, sp := range parsed {
		if sp.kind == "fleet" || sp.kind == "fleet-pool" {
			x.active = true
			n++
		}
	}
	if x.writeBack && n > 1 {
		return withHints(usageErrorf("exec: --write-back takes exactly one fleet source, and %d are given", n),
			"run one exec per fleet session that is written back")
	}
	if !x.active {
		for _, fl := range []string{"lease-ttl", "wait", "store-env", "store", "write-back"} {
			if set[fl] {
				applies, name := "fleet sources", "a fleet session: --env NAME=fleet:SESSION"
				if fl == "store-env" || fl == "store" {
					// also store sources (kind_store_exec.go)
					applies, name = "fleet and store sources", "a fleet session (--env NAME=fleet:SESSION) or a store session (--env NAME=KIND:SESSION)"
				}
				return withHints(usageErrorf("exec: --%s applies to %s, and no --env source is one", fl, applies),
					"leave out --"+fl+", or name "+name)
			}
		}
		return nil
	}
	if err := fleet.CheckTTL(x.ttl); err != nil || x.ttl < 300*time.Millisecond {
		return usageErrorf("exec: --lease-ttl must be between 300ms and %s", fleet.MaxTTL)
	}
	if x.wait < 0 {
		return usageErrorf("exec: --wait must not be negative")
	}
	return nil
}

// dropEnv names the variables that locate the fleet store, which the
// child does not get (the URL may hold the store's password).
func (x *execFleetFlags) dropEnv() []string {
	if !x.active {
		return nil
	}
	out := []string{envFleetURL, envWriteBack}
	if x.store.storeEnv != "" {
		out = append(out, x.store.storeEnv)
	}
	return out
}

// execFleetAcquire leases every fleet source of parsed (waiting up to
// --wait for a held one) and starts renewing each lease. The returned
// function stops the renewals, releases the leases and closes the store.
func (c *cli) execFleetAcquire(parsed []execSpec, x *execFleetFlags) (func(), error) {
	if !x.active {
		return func() {}, nil
	}
	st, err := x.store.open(c, "exec")
	if err != nil {
		return nil, err
	}
	x.st = st
	release := func() {
		for _, s := range x.sources {
			if s.sup != nil {
				_ = s.sup.Close()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := st.Release(ctx, s.lease); err != nil && !errors.Is(err, fleet.ErrLost) {
				c.warnf("exec: releasing the lease of %s: %v (it expires by itself within %s)", s.lease.Name, err, x.ttl)
			}
			cancel()
		}
		st.Close()
	}
	holder := fleetHolder()
	deadline := time.Now().Add(x.wait)
	for i := range parsed {
		sp := &parsed[i]
		if sp.kind != "fleet" && sp.kind != "fleet-pool" {
			continue
		}
		var l *fleet.Lease
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if sp.kind == "fleet" {
				l, err = st.Acquire(ctx, sp.arg, holder, x.ttl)
			} else {
				l, err = st.AcquireAny(ctx, sp.arg, holder, x.ttl)
			}
			cancel()
			busy := errors.Is(err, fleet.ErrHeld) || errors.Is(err, fleet.ErrNoFree)
			if !busy || time.Now().After(deadline) {
				break
			}
			select {
			case <-time.After(min(x.interval, time.Until(deadline)+time.Millisecond)):
			case <-c.interrupted:
				release()
				return nil, failf("exec: interrupted while waiting for %s", sp)
			}
		}
		if err != nil {
			release()
			if held, ok := errors.AsType[*fleet.HeldError](err); ok {
				return nil, withHints(failf("exec: %s: fleet session %s is in use by %s (lease expires in %s)", sp.name, sp.arg, held.Holder, held.Expires.Round(time.Second)),
					"give --wait DURATION to wait for it to be released")
			}
			if errors.Is(err, fleet.ErrNoFree) {
				return nil, withHints(failf("exec: %s: no free fleet session starts with %q", sp.name, sp.arg),
					`"tgsession fleet leases" lists who holds them; give --wait DURATION to wait for one`)
			}
			return nil, fleetError("exec", err)
		}
		fs := &fleetSource{st: st, lease: l}
		x.sources = append(x.sources, fs)
		sp.fleet = fs
	}
	return release, nil
}

// runFleetChild runs the command as a child while its leases are renewed:
// when a renewal fails the child gets SIGTERM, then SIGKILL after a grace
// period, before the lease can expire. The exit status is the child's.
func (c *cli) runFleetChild(path string, argv, env []string, x *execFleetFlags) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.stdin, c.stdout, c.stderr
	childGroup(cmd, c.isTerminal(c.stdin))
	var wb *writeBackFile
	if x.writeBack {
		var err error
		if wb, err = newWriteBackFile(); err != nil {
			return err
		}
		defer wb.remove()
		cmd.Env = append(cmd.Env, envWriteBack+"="+wb.path)
	}

	var mu sync.Mutex
	var lost error // why a lease was lost
	exited := make(chan struct{})
	grace := x.ttl / 3
	stop := func(reason error) {
		mu.Lock()
		if lost == nil {
			lost = reason
		}
		started := cmd.Process != nil
		mu.Unlock()
		if started {
			terminate(cmd, exited, grace/2)
		}
	}
	for _, s := range x.sources {
		sup, err := fleet.Supervise(s.st, s.lease, fleet.SuperviseOptions{Stop: stop, Grace: grace})
		if err != nil {
			return fleetError("exec", err)
		}
		s.sup = sup
	}
	done := interrupts.stoppable()
	defer done()
	mu.Lock()
	err := lost
	if err == nil {
		err = cmd.Start()
	}
	mu.Unlock()
	if err != nil {
		if lost != nil {
			return failf("exec: the lease was lost before the command started: %v", lost)
		}
		return failf("exec: %s: %v", argv[0], err)
	}
	go func() {
		select {
		case <-c.interrupted:
			// We were told to stop: the child too, killed within half of
			// the time the signal handler gives us before it exits, so
			// that no child outlives its released lease.
			terminate(cmd, exited, min(grace/2, gracePeriod/2))
		case <-exited:
		}
	}()
	err = cmd.Wait()
	close(exited)
	code := exitOK
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(interface {
			Signaled() bool
			Signal() syscall.Signal
		}); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		return failf("exec: %s: %v", argv[0], err)
	}
	mu.Lock()
	reason := lost
	mu.Unlock()
	if reason != nil {
		c.errorf("exec: the command was stopped: a lease could not be renewed: %v", reason)
	}
	if wb != nil {
		select {
		case <-c.interrupted:
			c.warnf("exec: --write-back: interrupted: the session is not written back")
		default:
			if reason != nil {
				c.warnf("exec: --write-back: the lease was lost: the session is not written back")
				break
			}
			wrote, err := c.writeBack(wb, x.sources[0])
			if err != nil {
				c.report(err)
				if code == exitOK {
					code = exitFail // the child succeeded, its update is lost: say so
				}
			} else if wrote {
				c.infof("exec: wrote the updated session back to fleet:%s", x.sources[0].lease.Name)
			}
		}
	}
	if code == exitOK {
		return nil
	}
	return &cliError{code: code, err: fmt.Errorf("exec: %s exited with status %d", argv[0], code), silent: true}
}

// terminate sends the child (and its process group) SIGTERM and, if it
// has not exited after grace, SIGKILL; it returns once the child exited
// (or after the kill).
func terminate(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if err := signalChild(cmd, syscall.SIGTERM); err != nil {
		_ = signalChild(cmd, syscall.SIGKILL)
	}
	select {
	case <-exited:
		// What the child started and left behind goes too: it may hold
		// the key.
		_ = signalChild(cmd, syscall.SIGKILL)
		return
	case <-time.After(grace):
	}
	_ = signalChild(cmd, syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(grace):
	}
}

// fleetRekey re-encrypts every session of the fleet to a new recipient
// set. Each session is leased while it is opened and resealed, so no
// holder writes it back meanwhile; a leased session is skipped (and the
// command fails) rather than waited for.
func (c *cli) fleetRekey(cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
	var rs, rfiles, ids stringList
	fs.Var(&rs, "r", "")
	fs.Var(&rs, "recipient", "")
	fs.Var(&rfiles, "R", "")
	fs.Var(&rfiles, "recipients-file", "")
	fs.Var(&ids, "i", "")
	fs.Var(&ids, "identity", "")
	requirePQ := fs.Bool("require-pq", false, "")
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("fleet rekey: takes no arguments")
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("fleet rekey: the new recipients are required (-r RECIPIENT or -R FILE)"),
			"every session is re-encrypted to exactly these recipients; include your own")
	}
	recipients, err := parseRecipients("fleet rekey", rs, rfiles, &vault.KeySearch{RequirePQ: *requirePQ})
	if err != nil {
		return err
	}
	st, err := ff.open(c, "fleet rekey")
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := fleetEntries(st, "fleet rekey")
	if err != nil {
		return err
	}
	ks := c.keySearch(ids)
	ks.RequirePQ = *requirePQ
	found, err := findIdentities(ks)
	if err != nil {
		return err
	}
	n, failed := 0, 0
	for _, e := range entries {
		if err := c.rekeyOne(st, e.Meta, recipients, found); err != nil {
			c.report(err)
			failed++
			continue
		}
		n++
	}
	c.infof("re-encrypted %d sessions to %d recipient(s)", n, len(recipients))
	if failed > 0 {
		c.errorf("fleet rekey: %d sessions were not re-encrypted", failed)
		return errSilent
	}
	return nil
}

// rekeyOne re-encrypts one session under its lease: the lease is taken,
// the session opened and resealed, written with the lease's fencing token
// (so a holder that acquired after us, or a stale one, cannot be
// overwritten and cannot overwrite it), and only then released.
func (c *cli) rekeyOne(st fleet.Store, m fleet.Meta, recipients []age.Recipient, ids *vault.Identities) error {
	ctx := context.Background()
	const op = "fleet rekey"
	l, err := st.Acquire(ctx, m.Name, fleetHolder()+"/rekey", time.Minute)
	if err != nil {
		return fleetError(op, err)
	}
	defer func() {
		if err := st.Release(ctx, l); err != nil && !errors.Is(err, fleet.ErrLost) {
			c.warnf("%s: releasing the lease of %s: %v (it expires by itself within a minute)", op, m.Name, err)
		}
	}()
	vs, err := fleetOpen(st, op, m.Name, ids)
	if err != nil {
		return err
	}
	defer vs.Destroy()
	sealed, err := vs.Seal(vault.FormText, recipients...)
	if err != nil {
		return vaultError(err)
	}
	if err := st.Reseal(ctx, l, vs.KeyID().String(), recipientStrings(recipients), sealed); err != nil {
		return fleetError(op, err)
	}
	return nil
}

// fleetImport adds every entry of a vault directory to the fleet, opened
// with the key search and resealed to the recipients given.
func (c *cli) fleetImport(cmd *command, args []string) error {
	defer guardMemory()()
	fs := newFlagSet(cmd)
	var ff fleetFlags
	ff.register(fs)
	var vf vaultFlags
	vf.register(fs)
	var rs, rfiles stringList
	fs.Var(&rs, "r", "")
	fs.Var(&rs, "recipient", "")
	fs.Var(&rfiles, "R", "")
	fs.Var(&rfiles, "recipients-file", "")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	requirePQ := fs.Bool("require-pq", false, "")
	var src importStoreFlags
	src.register(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	set := flagsSet(fs)
	if len(pos) > 0 {
		return usageErrorf("fleet import: takes no arguments (the vault is --vault DIR, a store --from KIND)")
	}
	if len(rs)+len(rfiles) == 0 {
		return withHints(usageErrorf("fleet import: at least one -r RECIPIENT or -R FILE is required"),
			"the sessions are resealed to these recipients for the fleet: include the fleet's machines")
	}
	if src.kind != "" {
		for _, fl := range []string{"vault", "i", "identity"} {
			if set[fl] {
				return usageErrorf("fleet import: --%s reads a vault; --from %s reads a store (give one source)", fl, src.kind)
			}
		}
	} else if src.given(set) {
		return withHints(usageErrorf("fleet import: --from-store-env, --from-store-file, --from-store, --name and --table-prefix need --from KIND"),
			"store kinds: "+strings.Join(storeKindNames(), ", "))
	}
	recipients, err := parseRecipients("fleet import", rs, rfiles, &vault.KeySearch{RequirePQ: *requirePQ})
	if err != nil {
		return err
	}
	if src.kind != "" {
		return c.fleetImportStore(&ff, &src, set, recipients, force)
	}
	d, err := vf.open(c, false)
	if err != nil {
		return err
	}
	entries, err := d.List()
	if err != nil {
		return vaultError(err)
	}
	st, err := ff.open(c, "fleet import")
	if err != nil {
		return err
	}
	defer st.Close()
	found, err := findIdentities(c.keySearch(vf.ids))
	if err != nil {
		return err
	}
	n, failed := 0, 0
	for _, e := range entries {
		err := func() error {
			vs, err := d.Get(e.Name, found)
			if err != nil {
				return vaultError(prefixErr(source{path: "vault:" + e.Name}, err))
			}
			defer vs.Destroy()
			sealed, err := vs.Seal(vault.FormText, recipients...)
			if err != nil {
				return vaultError(err)
			}
			m := fleet.Meta{Name: e.Name, Labels: vs.Labels, AuthKeyID: vs.KeyID().String(), Recipients: recipientStrings(recipients)}
			if err := st.Put(context.Background(), m, sealed, force); err != nil {
				return fleetError("fleet import", err)
			}
			return nil
		}()
		if err != nil {
			c.report(err)
			failed++
			continue
		}
		n++
	}
	c.infof("imported %d sessions from %s", n, d.Path())
	if failed > 0 {
		c.errorf("fleet import: %d entries were not imported", failed)
		return errSilent
	}
	return nil
}

// importStoreFlags name the store of the stores issue that fleet import
// reads: --from KIND and where it is. The fleet's own location takes
// --store-env/--store, so the source's flags are --from-store-env,
// --from-store-file and --from-store.
type importStoreFlags struct {
	kind, env, file, url, name, tablePrefix string
}

func (f *importStoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "from", "", "")
	fs.StringVar(&f.env, "from-store-env", "", "")
	fs.StringVar(&f.file, "from-store-file", "", "")
	fs.StringVar(&f.url, "from-store", "", "")
	fs.StringVar(&f.name, "name", "", "")
	fs.StringVar(&f.tablePrefix, "table-prefix", "", "")
}

func (f *importStoreFlags) given(set map[string]bool) bool {
	for _, n := range []string{"from-store-env", "from-store-file", "from-store", "name", "table-prefix"} {
		if set[n] {
			return true
		}
	}
	return false
}

// fleetImportStore adds the session --name of a store (or every session
// the store lists) to the fleet, sealed to recipients, under the same
// name.
func (c *cli) fleetImportStore(ff *fleetFlags, src *importStoreFlags, set map[string]bool, recipients []age.Recipient, force bool) error {
	const op = "fleet import"
	k, ok := lookupStoreKind(src.kind)
	if !ok {
		return formatError(usageErrorf("%s: --from takes a store kind (one of %s)", op, strings.Join(storeKindNames(), ", ")), src.kind, storeKindNames())
	}
	n := 0
	for _, fl := range []string{"from-store-env", "from-store-file", "from-store"} {
		if set[fl] {
			n++
		}
	}
	if n != 1 {
		return withHints(usageErrorf("%s: --from %s needs where the store is: one of --from-store-env VAR, --from-store-file FILE or --from-store URL", op, k.name),
			"the URL of the store ("+k.schemes+"), as DATABASE_URL, REDIS_URL or MONGODB_URI hold it: --from-store-env DATABASE_URL")
	}
	if set["from-store"] {
		if u, err := stores.ParseURL(src.url); err == nil && u.HasCredentials() {
			return withHints(usageErrorf("%s: the --from-store URL holds a password; a password on the command line is seen by every user (ps) and kept in shell history, so it is refused", op),
				"put the URL in an environment variable and pass its name: --from-store-env DATABASE_URL (or write it to a 0600 file: --from-store-file FILE)")
		}
	}
	if set["from-store-env"] && !validEnvName(src.env) {
		return usageErrorf("%s: --from-store-env takes a variable name", op)
	}
	x := &extFlags{storeEnv: src.env, storeFile: src.file, storeURL: src.url, tablePrefix: src.tablePrefix,
		set: map[string]bool{"store-env": set["from-store-env"], "store-file": set["from-store-file"], "store": set["from-store"]}}
	u, err := c.storeLocation(op, x, k)
	if err != nil {
		return err
	}
	ctx := context.Background()
	from, err := k.open(ctx, u, x)
	if err != nil {
		return storeError(err)
	}
	defer from.Close()
	names := []string{src.name}
	if !set["name"] {
		if names, err = from.List(ctx); err != nil {
			return storeError(err)
		}
	} else if looksLikeSecret(src.name) {
		return usageErrorf("%s: invalid --name (not shown: it looks like a session or key)", op)
	}
	st, err := ff.open(c, op)
	if err != nil {
		return err
	}
	defer st.Close()
	done, failed := 0, 0
	for _, name := range names {
		err := func() error {
			if err := fleet.CheckName(name); err != nil {
				return failf("%s: %s session %s cannot be a fleet name: %v", op, k.name, strconv.Quote(name), err)
			}
			rec, err := from.Read(ctx, name)
			if err != nil {
				return storeError(err)
			}
			cs := rec.Session
			if cs == nil {
				return failf("%s: %s session %s holds no session", op, k.name, strconv.Quote(name))
			}
			defer cs.Wipe()
			if cs.Source == codec.FormatUnknown {
				cs.Source = k.format
			}
			vs, err := vault.NewSession(cs)
			if err != nil {
				return vaultError(err)
			}
			defer vs.Destroy()
			sealed, err := vs.Seal(vault.FormText, recipients...)
			if err != nil {
				return vaultError(err)
			}
			m := fleet.Meta{Name: name, Labels: map[string]string{"imported-from": k.name}, AuthKeyID: vs.KeyID().String(), Recipients: recipientStrings(recipients)}
			if err := st.Put(ctx, m, sealed, force); err != nil {
				return fleetError(op, err)
			}
			return nil
		}()
		if err != nil {
			c.report(err)
			failed++
			continue
		}
		done++
	}
	c.infof("imported %d sessions from the %s store", done, k.name)
	if failed > 0 {
		c.errorf("%s: %d sessions were not imported", op, failed)
		return errSilent
	}
	if len(names) == 0 {
		c.notef("%s: the %s store holds no session", op, k.name)
	}
	return nil
}
