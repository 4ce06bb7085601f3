package cli

// This file wires the server-backed session stores (package stores and its
// families) into the CLI: the kinds telethon-sqlalchemy, telethon-redis,
// telethon-redis-hash, telethon-mongo and pyrogram-mongo, usable as --from
// (convert, inspect, seal) and --to (convert), and the list command. A
// store reads and writes model.Stored, so the conversion pipeline, the
// loss report and seal work for it unchanged; writing shapes the session
// for the layout with model.Shape, which reports what the layout cannot
// hold exactly as for a file.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/stores"
)

// storeKind is one store kind the CLI takes by name.
type storeKind struct {
	name    string
	library string
	format  codec.Format // the string format of its library (a read session's Source)
	fileLib string       // the .session library seal attaches it as (compat's Library name)
	schema  int          // and that file's schema
	schemes string       // the URL schemes it takes, for messages
}

var storeKinds = []storeKind{
	{"telethon-sqlalchemy", "Telethon alchemysession 0.2.x (PostgreSQL, MySQL/MariaDB, SQLite)", codec.Telethon, "telethon", 7, "postgres://, mysql://, sqlite:///"},
	{"telethon-redis", "Telethon teleredis 0.1.x (Redis)", codec.Telethon, "telethon", 7, "redis://, rediss://"},
	{"telethon-redis-hash", "TG-UserBot's Redis hash (Telethon)", codec.Telethon, "telethon", 7, "redis://, rediss://"},
	{"telethon-mongo", "Telethon telemongo 0.2.x (MongoDB)", codec.Telethon, "telethon", 7, "mongodb://, mongodb+srv://"},
	{"pyrogram-mongo", "pyrofork, irenogram, Electrogram MongoStorage", codec.Pyrogram, "pyrofork", 4, "mongodb://, mongodb+srv://"},
}

// target is the kind's layout as model.Shape's target (Hooks.StoreTargets).
// Every store job passes storeLocation first, which makes sure the hooks
// are there.
func (k storeKind) target() model.Target {
	return hooks.StoreTargets[k.name]
}

// open opens the kind's store at u, from storeLocation (Hooks.OpenStore).
func (k storeKind) open(ctx context.Context, u stores.URL, x *extFlags) (stores.Store, error) {
	return hooks.OpenStore(ctx, k.name, u, x.tablePrefix, x.dc)
}

// holds reports whether the kind's layout stores field (compat's report
// names: "server_address", "entities", "update_state", …).
func (k storeKind) holds(field string) bool {
	return slices.Contains(k.target().Store.Holds, field)
}

func lookupStoreKind(name string) (storeKind, bool) {
	for _, k := range storeKinds {
		if k.name == name {
			return k, true
		}
	}
	return storeKind{}, false
}

func storeKindNames() []string {
	var out []string
	for _, k := range storeKinds {
		out = append(out, k.name)
	}
	return out
}

// extFlags are the flags of the kinds that are not a string or a file
// argument: stores (and, in kind_tdata.go, Telegram Desktop folders).
type extFlags struct {
	storeEnv, storeFile, storeURL string
	name, tablePrefix             string
	dc                            int
	set                           map[string]bool
	tdata                         *tdataFlags
}

// registerStoreFlags defines --store-env, --store-file, --store, --name
// and --table-prefix (and the tdata flags) on fs.
func registerStoreFlags(fs *flag.FlagSet) *extFlags {
	x := &extFlags{}
	fs.StringVar(&x.storeEnv, "store-env", "", "")
	fs.StringVar(&x.storeFile, "store-file", "", "")
	fs.StringVar(&x.storeURL, "store", "", "")
	fs.StringVar(&x.name, "name", "", "")
	fs.StringVar(&x.tablePrefix, "table-prefix", "", "")
	x.tdata = registerTdataFlags(fs)
	return x
}

// storeFlagsGiven reports whether any store flag was given.
func (x *extFlags) storeFlagsGiven() bool {
	for _, n := range []string{"store-env", "store-file", "store", "name", "table-prefix"} {
		if x.set[n] {
			return true
		}
	}
	return false
}

// extSource is an input that is not read through readText: a session in a
// store, or an account of a Telegram Desktop folder.
type extSource struct {
	label string
	// read returns the stored session and, for inspect, its description.
	read func(c *cli, full bool) (*model.Stored, *fileMeta, error)
}

// storeLocation resolves where the store is: --store-env, --store-file or
// --store (only a URL without a password).
//
// It is where every store job starts, before any input is read: without
// the store hooks (the lean binary) the job is handed to tgsession-full.
func (c *cli) storeLocation(cmd string, x *extFlags, k storeKind) (stores.URL, error) {
	if hooks.OpenStore == nil {
		return stores.URL{}, c.needFull(k.name)
	}
	n := 0
	for _, f := range []string{"store-env", "store-file", "store"} {
		if x.set[f] {
			n++
		}
	}
	if n != 1 {
		return stores.URL{}, withHints(usageErrorf("%s: %s needs where the store is: one of --store-env VAR, --store-file FILE or --store URL", cmd, k.name),
			"the URL of the store ("+k.schemes+"), as DATABASE_URL, REDIS_URL or MONGODB_URI hold it: --store-env DATABASE_URL")
	}
	var text, from string
	switch {
	case x.set["store-env"]:
		from = "$" + x.storeEnv
		text = strings.TrimSpace(c.getenv(x.storeEnv))
		if text == "" {
			return stores.URL{}, failf("%s: %s is not set or empty", cmd, from)
		}
	case x.set["store-file"]:
		from = x.storeFile
		f, err := openInput(x.storeFile)
		if err != nil {
			return stores.URL{}, openError(x.storeFile, err)
		}
		b, err := readCapped(f, 16<<10)
		f.Close()
		if err != nil {
			return stores.URL{}, failf("%s: %s: cannot read the store URL", cmd, x.storeFile)
		}
		text = strings.TrimSpace(string(b))
		clear(b)
	default:
		from = "--store"
		text = x.storeURL
	}
	u, err := stores.ParseURL(text)
	if err != nil {
		// ParseURL's errors never quote the URL.
		return stores.URL{}, failf("%s: %s: %v", cmd, from, err)
	}
	if from == "--store" && u.HasCredentials() {
		return stores.URL{}, withHints(usageErrorf("%s: the --store URL holds a password; a password on the command line is seen by every user (ps) and kept in shell history, so it is refused", cmd),
			"put the URL in an environment variable and pass its name: --store-env DATABASE_URL (or write it to a 0600 file: --store-file FILE)")
	}
	return u, nil
}

// storeSource resolves --from KIND for a store into the one input.
func (c *cli) storeSource(cmd string, x *extFlags, k storeKind) (source, error) {
	u, err := c.storeLocation(cmd, x, k)
	if err != nil {
		return source{}, err
	}
	if x.name == "" {
		return source{}, withHints(usageErrorf("%s: %s needs the session name: --name NAME", cmd, k.name),
			fmt.Sprintf("tgsession list --from %s lists the names the store holds", k.name))
	}
	name := x.name
	return source{ext: &extSource{
		label: fmt.Sprintf("%s session %q", k.name, name),
		read: func(c *cli, full bool) (*model.Stored, *fileMeta, error) {
			ctx := context.Background()
			st, err := k.open(ctx, u, x)
			if err != nil {
				return nil, nil, storeError(err)
			}
			defer st.Close()
			s, err := st.Read(ctx, name)
			if err != nil {
				return nil, nil, storeError(err)
			}
			if s.Session.Source == codec.FormatUnknown {
				s.Session.Source = k.format
			}
			s.Library = k.name
			notes := slices.Clone(s.Notes)
			if full {
				// seal attaches it as its library's .session file.
				s.Library, s.Schema = k.fileLib, k.schema
			}
			return s, &fileMeta{Format: k.name, Library: k.library, Entities: len(s.Entities), Warnings: notes}, nil
		},
	}}, nil
}

// storeError adds hints to a store error.
func storeError(err error) error {
	switch {
	case errors.Is(err, stores.ErrNotFound):
		return withHints(failf("%v", err), "tgsession list --from KIND lists the names the store holds")
	case errors.Is(err, stores.ErrAmbiguous):
		return withHints(failf("%v", err), "choose one with --dc N")
	case errors.Is(err, stores.ErrExists):
		return withHints(failf("%v", err), "give --force to replace it, or another --name")
	}
	return failf("%v", err)
}

// planStoreWrite shapes in for k's layout with model.Shape: values given
// with flags are supplied (a contradiction is refused), a missing address
// is filled from the DC table where the layout stores one, and every field
// the layout cannot hold is reported, exactly as for a file. The result
// has its own key: the caller wipes it.
func planStoreWrite(src source, in *model.Stored, k storeKind, o *convertOpts) (*model.Stored, *model.Report, error) {
	opts := o.ov.options()
	opts.Source = src.String()
	out, rep, err := model.Shape(in, k.target(), opts)
	if err != nil {
		var me *model.MissingError
		var ce *model.ConflictError
		switch {
		case errors.As(err, &me):
			ot := *o
			ot.to = k.target()
			return nil, nil, missingError(src, &ot, me)
		case errors.As(err, &ce):
			return nil, nil, withHints(failf("%s: %s %s contradicts the session's %s %s: option contradicts the source", src, suppliedBy[ce.Field], ce.Given, ce.Field, ce.Held),
				"a value the session holds is never replaced; drop the flag")
		}
		return nil, nil, failf("%s: %v", src, err)
	}
	hintReport(rep)
	return out, rep, nil
}

// convertToStore is convert --to KIND for a store: each input is read in
// full and written under --name (a single input).
func (c *cli) convertToStore(cmd string, x *extFlags, k storeKind, srcs []source, o *convertOpts) error {
	if len(srcs) != 1 {
		return usageErrorf("%s: --to %s writes one session: give one input", cmd, k.name)
	}
	if o.out != "" {
		return withHints(usageErrorf("%s: --to %s writes into the store, not to --out", cmd, k.name), "leave out --out")
	}
	if o.skipExisting {
		return usageErrorf("%s: --skip-existing applies to output files; a store write without --force never replaces a session", cmd)
	}
	u, err := c.storeLocation(cmd, x, k)
	if err != nil {
		return err
	}
	if x.name == "" {
		return usageErrorf("%s: --to %s needs the session name to write: --name NAME", cmd, k.name)
	}
	src := srcs[0]
	r := &result{Input: src.String(), Output: fmt.Sprintf("%s session %q", k.name, x.name)}
	err = func() error {
		cv, err := c.prepare(src, o)
		if err != nil {
			return err
		}
		defer cv.wipe()
		out, rep, err := planStoreWrite(src, cv.in, k, o)
		if err != nil {
			return err
		}
		defer out.Wipe()
		ctx := context.Background()
		st, err := k.open(ctx, u, x)
		if err != nil {
			return storeError(err)
		}
		defer st.Close()
		if err := st.Write(ctx, x.name, out, o.force); err != nil {
			return storeError(err)
		}
		c.printReport("", rep, true)
		c.notef("%s: written to %s", src, r.Output)
		r.Changes, r.Notes = rep.Changes, rep.Notes
		return nil
	}()
	if err != nil {
		r.Output, r.Error = "", c.clean(err.Error())
	} else {
		r.OK = true
	}
	if perr := c.printResult(o, r); perr != nil && err == nil {
		return perr
	}
	return err
}

// extInputs resolves --from for a kind that is not a string format: a
// store (or a tdata folder, kind_tdata.go). It returns nil when --from is
// none of them, and refuses store flags given without a store kind.
func (c *cli) extInputs(cmd string, x *extFlags, from *string, to string, in string, pos []string) ([]source, error) {
	if k, ok := lookupStoreKind(*from); ok {
		if in != "" || len(pos) > 0 {
			return nil, usageErrorf("%s: --from %s reads the store: no input file or --in", cmd, k.name)
		}
		s, err := c.storeSource(cmd, x, k)
		if err != nil {
			return nil, err
		}
		*from = ""
		return []source{s}, nil
	}
	if srcs, ok, err := c.tdataInputs(cmd, x, from, in, pos); ok || err != nil {
		return srcs, err
	}
	if to == gramjsStoreKind && x.set["name"] {
		x.set["name"] = false // the session name of the directory written
	}
	if srcs, ok, err := c.storeSessionInputs(cmd, x, from, in, pos); ok || err != nil {
		return srcs, err
	}
	if _, ok := lookupStoreKind(to); !ok && x.storeFlagsGiven() {
		return nil, withHints(usageErrorf("%s: the store flags (--store-env, --store-file, --store, --name, --table-prefix) apply to a store kind given with --from or --to", cmd),
			"store kinds: "+strings.Join(storeKindNames(), ", "))
	}
	return nil, nil
}

// loadExt is load for a store or tdata input.
func (c *cli) loadExt(src source) (*loaded, error) {
	s, meta, err := src.ext.read(c, true)
	if err != nil {
		return nil, err
	}
	l := &loaded{src: src, sess: s.Session, file: meta, full: s}
	if s.Library == tdataKind {
		l.full = nil // a tdata account is its session alone: nothing to attach
	}
	return l, nil
}

// prepareExt is prepare for a store or tdata input.
func (c *cli) prepareExt(src source, o *convertOpts) (*conversion, error) {
	s, _, err := src.ext.read(c, false)
	if err != nil {
		return nil, err
	}
	return &conversion{src: src, in: s, file: true}, nil
}

var listCmd = &command{
	name:    "list",
	summary: "list the session names a store holds",
	help: `Usage: tgsession list --from KIND (--store-env VAR | --store-file FILE | --store URL)
                      [--table-prefix P] [--json]

Lists the names of the sessions a store holds, one per line, sorted. Never
a key, never the store's password.

Store kinds: telethon-sqlalchemy, telethon-redis, telethon-redis-hash,
telethon-mongo, pyrogram-mongo.

Flags:
    --from KIND         the store kind (required)
    --store-env VAR     the store URL is in the environment variable VAR
    --store-file FILE   the store URL is in FILE
    --store URL         the store URL, only when it holds no password
    --table-prefix P    telethon-sqlalchemy's table prefix
    --json              print {"kind":…,"names":[…]} on one line

Examples:
    tgsession list --from telethon-redis --store-env REDIS_URL
    tgsession list --from telethon-sqlalchemy --store-env DATABASE_URL --json
`,
	run: runList,
}

func runList(c *cli, cmd *command, args []string) error {
	fs := newFlagSet(cmd)
	from := fs.String("from", "", "")
	asJSON := fs.Bool("json", false, "")
	x := registerStoreFlags(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	x.set = flagsSet(fs)
	if len(pos) > 0 {
		return usageErrorf("list: unexpected argument (the store is named with --store-env, --store-file or --store)")
	}
	k, ok := lookupStoreKind(*from)
	if !ok {
		if *from == "" {
			return withHints(usageErrorf("list: --from KIND is required"), "store kinds: "+strings.Join(storeKindNames(), ", "))
		}
		return formatError(usageErrorf("list: --from takes a store kind (one of %s)", strings.Join(storeKindNames(), ", ")), *from, storeKindNames())
	}
	u, err := c.storeLocation(cmd.name, x, k)
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := k.open(ctx, u, x)
	if err != nil {
		return storeError(err)
	}
	defer st.Close()
	names, err := st.List(ctx)
	if err != nil {
		return storeError(err)
	}
	if *asJSON {
		if names == nil {
			names = []string{}
		}
		return writeJSONLine(c.stdout, struct {
			Kind  string   `json:"kind"`
			Names []string `json:"names"`
		}{k.name, names})
	}
	for _, n := range names {
		if _, err := fmt.Fprintln(c.stdout, escapeControls(n)); err != nil {
			return failf("standard output: %v", err)
		}
	}
	if len(names) == 0 {
		c.notef("%s: the store holds no session", k.name)
	}
	return nil
}
