package cli

import (
	"os/exec"
	"slices"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

var execCmd = &command{
	name:    "exec",
	summary: "run a command with sealed sessions opened into its environment",
	help: `Usage: tgsession exec --env NAME=SOURCE... [--as FORMAT] [--label LABEL]
                      [-i FILE]... [--vault DIR]
                      [--store-env VAR | --store-file FILE | --store URL]
                      -- COMMAND [ARG...]

Opens sealed sessions, converts them to the format the program expects (as
convert does, listing what the format drops or defaults) and runs COMMAND
with each one in its environment variable NAME, like "sops exec-env". On Unix tgsession replaces itself with COMMAND, so the
exit status is COMMAND's.

SOURCE is a vault entry name, or env:VAR for a sealed value in the
environment variable VAR, or file:PATH for a sealed file, or fleet:NAME
for a session of the fleet store (see "tgsession help fleet"), or
fleet-pool:PREFIX for any free fleet session whose name starts with
PREFIX. A fleet session is leased first: while another process holds it,
exec exits 1 at once naming the holder (--wait DURATION waits instead).
The command then runs as a child while the lease is renewed; if renewal
fails the child gets SIGTERM, then SIGKILL after a grace period, before
the lease can expire. The lease is released when the child exits, and the
exit status is the child's. The store's URL variable is not passed on.

KIND:SESSION is the session SESSION of a session store of kind KIND
(telethon-sqlalchemy, telethon-redis, telethon-redis-hash, telethon-mongo,
pyrogram-mongo; see "tgsession help convert"), the store's URL given with
--store-env VAR, --store-file FILE or --store URL (no password). The
session is read, never written or locked; without --as the program gets
the string format of the store's library (telethon, or pyrogram for
pyrogram-mongo). The variable holding the URL is not passed on. No age
identity is needed when every source is a store session.

The sealed
variables are not passed on, and neither are TGSESSION_AGE_KEY,
TGSESSION_AGE_KEY_FILE and TGSESSION_AGE_KEY_CMD: the program gets the
sessions and nothing that opens them.

` + identityHelp + `
Flags:
    --env NAME=SOURCE    set NAME to the session from SOURCE; repeatable
    --as FORMAT          string format for every NAME (default: the format
                         each session was sealed from)
    --label LABEL        record, for vault entries, that the key is exported
                         to LABEL; a key exported to a second label warns
                         (AUTH_KEY_DUPLICATED); refused when no source is a
                         vault entry
    --api-id N, --user-id N, --bot, --test-mode
                         supply values the format needs (see convert)
    -q, --quiet          do not list the fields each conversion drops or
                         defaults
    --dry-run            open and convert everything, then print the
                         command, the names (never the values) of its
                         environment, each session's size and the sealed
                         values' headroom under serverless limits, and exit
                         0 without running it (and without recording --label)
    -i, --identity FILE  an identity file; repeatable
    --vault DIR          the vault directory (see "tgsession help vault");
                         refused when no source is a vault entry
    --lease-ttl DURATION (fleet sources) the lease's time to live (default
                         30s); it is renewed every third of it
    --wait DURATION      (fleet sources) wait up to DURATION for a held
                         session instead of exiting 1
    --write-back         (one fleet source) give COMMAND $TGSESSION_WRITE_BACK,
                         the path of an empty private file (0600, in a 0700
                         directory); a session string COMMAND writes there
                         is written back to the fleet session after it
                         exits, resealed to the session's recipients, with
                         the lease's fencing token, before the release. It
                         must be the same account: the same auth key (a new
                         DC is fine), or a new key with the same user id
                         (Pyrogram and mtcute strings carry it). Nothing
                         written: nothing changes. The file is removed
                         afterwards. A refused write-back exits 1 if
                         COMMAND exited 0
    --store-env VAR, --store URL
                         (fleet sources) the fleet store, as for "tgsession
                         fleet" (default: $TGSESSION_FLEET_URL); (store
                         sources) the session store's URL
    --store-file FILE    (store sources) the session store's URL is in FILE
    --table-prefix P     (store sources) telethon-sqlalchemy's table prefix
    --dc N               (store sources) the DC whose key to take, for a name
                         holding several

Examples:
    tgsession exec --env TG_SESSION=mybot --as telethon --label prod -- python3 bot.py
    tgsession exec --env TG_SESSION=fleet:bot-1 --as telethon --wait 1m -- python3 bot.py
    tgsession exec --env TG_SESSION=telethon-redis:mybot --store-env REDIS_URL -- python3 bot.py
    tgsession exec --env TG_SESSION=pyrogram-mongo:mybot --store-env MONGODB_URI --as telethon -- python3 bot.py
    SEALED="$(cat session.sealed)" tgsession exec --env SESSION=env:SEALED --as gramjs -- node bot.js
`,
	run: runExec,
}

// keyEnv are the identity variables never passed to the child.
var keyEnv = []string{vault.EnvKey, vault.EnvKeyFile, vault.EnvKeyCmd}

func runExec(c *cli, cmd *command, args []string) error {
	purge := guardMemory()
	defer purge()
	fs := newFlagSet(cmd)
	var specs, ids stringList
	fs.Var(&specs, "env", "")
	fs.Var(&ids, "i", "")
	fs.Var(&ids, "identity", "")
	as := fs.String("as", "", "")
	label := fs.String("label", "", "")
	dirPath := fs.String("vault", "", "")
	quiet := fs.Bool("quiet", false, "")
	fs.BoolVar(quiet, "q", false, "")
	dryRun := fs.Bool("dry-run", false, "")
	ov := registerOverrides(fs)
	fx := registerExecFleetFlags(fs)
	xs := registerExecStoreFlags(fs)
	argv, err := c.parseFlags(cmd, fs, args, false)
	if err != nil {
		return err
	}
	ov.set = flagsSet(fs)
	if len(specs) == 0 {
		return withHints(usageErrorf("exec: at least one --env NAME=SOURCE is required"), `run "tgsession help exec" for usage`)
	}
	if len(argv) == 0 {
		return usageErrorf("exec: missing COMMAND (give it after --)")
	}
	to := codec.FormatUnknown
	if *as != "" {
		f, err := codec.ParseFormat(*as)
		if err != nil {
			var names []string
			for _, f := range codec.Formats() {
				names = append(names, f.String())
			}
			return formatError(usageErrorf("exec: --as takes a string format (one of %s)", formatList(codec.Formats())), *as, names)
		}
		to = f
	}
	if *label != "" && !vault.ValidExportLabel(*label) {
		return usageErrorf("exec: invalid --label (want 1–64 of A–Z a–z 0–9 . _ - : @ / +)")
	}
	parsed, err := parseExecSpecs(specs)
	if err != nil {
		return err
	}
	// --label and --vault act on vault entries only: with none among the
	// sources they would be ignored, so they are refused.
	fromVault := slices.ContainsFunc(parsed, func(sp execSpec) bool { return sp.kind == "vault" })
	for _, fl := range []string{"label", "vault"} {
		if ov.set[fl] && !fromVault {
			return withHints(usageErrorf("exec: --%s applies to vault entries, and no --env source is one (env:VAR and file:PATH values are not in a vault)", fl),
				"leave out --"+fl+", or name a vault entry: --env NAME=ENTRY")
		}
	}
	// Store sources (kind_store_exec.go) share --store-env and --store
	// with the fleet sources; the two are never mixed.
	if fromStore, err := xs.check(parsed, fx, ov.set); err != nil {
		return err
	} else if !fromStore {
		if err := fx.check(parsed, ov.set); err != nil {
			return err
		}
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return failf("exec: %s: command not found", argv[0])
	}
	// Leases are taken before any session is opened (fleet.go).
	release, err := c.execFleetAcquire(parsed, fx)
	if err != nil {
		return err
	}
	defer release()

	var dir *vault.Dir
	for _, sp := range parsed {
		if sp.kind == "vault" && dir == nil {
			vf := vaultFlags{dir: *dirPath}
			if dir, err = vf.open(c, false); err != nil {
				return err
			}
		}
	}
	// Search for identities once, for every sealed source.
	var found *vault.Identities
	if execNeedsIdentities(parsed) {
		if found, err = findIdentities(c.keySearch(ids)); err != nil {
			return err
		}
	}

	drop := append(append(append([]string(nil), keyEnv...), fx.dropEnv()...), xs.dropEnv()...)
	var values []string
	var dry []dryRunVar // --dry-run (envsize.go)
	if *dryRun {
		*label = "" // a dry run records no export
	}
	for _, sp := range parsed {
		sealed := c.sealedSourceSize(sp, dir)
		v, err := c.execValue(sp, dir, to, ov, *label, *quiet, found)
		if sp.kind == "env" {
			drop = append(drop, sp.arg) // removed from our environment too
		}
		if err != nil {
			return err
		}
		drop = append(drop, sp.name)
		values = append(values, sp.name+"="+v)
		dry = append(dry, dryRunVar{Name: sp.name, Source: sp.String(), Format: formatOf(v, to), Bytes: len(v), Sealed: sealed})
	}
	env := append(dropEnv(c.environ(), drop), values...)
	if *dryRun {
		return c.execDryRun(argv, env, dry)
	}
	if fx.active {
		// A leased session: run the child, renewing the lease while it
		// runs, and release it when the child exits (fleet.go).
		purge()
		return c.runFleetChild(path, argv, env, fx)
	}
	// Nothing of ours is needed after exec; wipe memguard's buffers now,
	// since deferred calls do not run when the process is replaced.
	purge()
	// Only returns if exec failed (or, off Unix, after the child exits).
	return c.execve(path, argv, env)
}

// execSpec is one --env NAME=SOURCE.
type execSpec struct {
	name, kind, arg string
	fleet           *fleetSource     // fleet and fleet-pool: the lease (fleet.go)
	store           *execStoreSource // a store session (kind_store_exec.go)
}

func (sp execSpec) String() string { return sp.kind + ":" + sp.arg }

// parseExecSpecs parses the --env flags. A SOURCE without a kind is a
// vault entry name.
func parseExecSpecs(specs []string) ([]execSpec, error) {
	var out []execSpec
	seen := map[string]bool{}
	for _, s := range specs {
		name, src, ok := strings.Cut(s, "=")
		if !ok || !validEnvName(name) || src == "" {
			return nil, usageErrorf("exec: --env takes NAME=SOURCE, NAME a variable name (SOURCE: a vault entry name, env:VAR, file:PATH, fleet:NAME, fleet-pool:PREFIX or KIND:SESSION for a store)")
		}
		if looksLikeSecret(src) {
			return nil, withHints(usageErrorf("exec: --env %s: the source looks like a session or key, not a name", name),
				"sealed values are passed by name: --env NAME=env:VAR, with the value in $VAR")
		}
		if seen[name] {
			return nil, usageErrorf("exec: --env %s given twice", name)
		}
		seen[name] = true
		kind, arg, ok := strings.Cut(src, ":")
		if !ok {
			kind, arg = "vault", src
		}
		switch kind {
		case "env":
			if !validEnvName(arg) {
				return nil, usageErrorf("exec: --env %s: env:VAR needs a variable name", name)
			}
		case "vault":
			if !vault.ValidName(arg) {
				return nil, usageErrorf("exec: --env %s: invalid vault entry name", name)
			}
		case "file":
			if arg == "" {
				return nil, usageErrorf("exec: --env %s: file:PATH needs a path", name)
			}
		case "fleet", "fleet-pool":
			if err := checkFleetSource(name, kind, arg); err != nil {
				return nil, err
			}
		default:
			if isStoreSpec(kind) {
				if arg == "" {
					return nil, usageErrorf("exec: --env %s: %s:SESSION needs the session's name in the store", name, kind)
				}
				break
			}
			return nil, formatError(usageErrorf("exec: --env %s: unknown source kind %q (want a vault entry name, env:VAR, file:PATH, fleet:NAME, fleet-pool:PREFIX or KIND:SESSION for a store kind: %s)", name, kind, strings.Join(storeKindNames(), ", ")),
				kind, append([]string{"env", "file", "fleet", "fleet-pool"}, storeKindNames()...))
		}
		out = append(out, execSpec{name: name, kind: kind, arg: arg})
	}
	return out, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// execValue opens one source and converts it as convert does (the DC
// table fills a missing address; the value flags supply the rest).
func (c *cli) execValue(sp execSpec, dir *vault.Dir, to codec.Format, ov *overrides, label string, quiet bool, ids *vault.Identities) (string, error) {
	if sp.store != nil {
		return c.execStoreValue(sp, to, ov, quiet)
	}
	var vs *vault.Session
	var err error
	switch sp.kind {
	case "env":
		vs, err = vault.OpenEnv(sp.arg, ids)
	case "file":
		vs, err = vault.OpenFile(sp.arg, ids)
	case "vault":
		var warns []vault.Warning
		if vs, err = dir.Get(sp.arg, ids); err == nil && label != "" {
			warns, err = dir.RecordExport(sp.arg, vs.KeyID(), label)
			if err != nil {
				vs.Destroy()
			}
		}
		c.printWarnings(warns)
	case "fleet", "fleet-pool":
		if vs, err = sp.fleet.open(ids); err != nil {
			return "", err
		}
	}
	if err != nil {
		return "", vaultError(prefixErr(source{path: sp.name}, err))
	}
	defer vs.Destroy()
	cs, err := vs.ToCodec()
	if err != nil {
		return "", vaultError(err)
	}
	defer cs.Wipe()
	f := to
	if f == codec.FormatUnknown {
		f = cs.Source
	}
	cv := &conversion{src: source{path: sp.name + " (" + sp.String() + ")"}, in: storedOf(cs)}
	data, rep, err := cv.run(&convertOpts{to: target{Format: f}, ov: *ov})
	if err != nil {
		return "", err
	}
	defer clear(data)
	if !quiet {
		c.printReport(sp.name+": ", rep, false)
	}
	return strings.TrimSuffix(string(data), "\n"), nil
}

// dropEnv returns env without the variables named in names.
func dropEnv(env []string, names []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
			out = append(out, kv)
		}
	}
	return out
}
