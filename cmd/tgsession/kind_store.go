package main

// This file wires the server-backed session stores (package stores and its
// families) into the CLI: the kinds telethon-sqlalchemy, telethon-redis,
// telethon-redis-hash, telethon-mongo and pyrogram-mongo, usable as --from
// (convert, inspect, seal) and --to (convert), and the list command. A
// store is read into compat.Stored, so the conversion pipeline, the loss
// report and seal work for it unchanged; writing maps compat.Stored onto a
// stores.Record and reports what the layout cannot hold.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/mongo"
	"github.com/tgsession/tgsession/stores/redis"
	"github.com/tgsession/tgsession/stores/sqlalchemy"
)

// storeKind is one store kind the CLI takes by name.
type storeKind struct {
	name    string
	library string
	format  codec.Format // the string format of its library (a read session's Source)
	fileLib string       // the .session library seal attaches it as (compat's Library name)
	schema  int          // and that file's schema
	schemes string       // the URL schemes it takes, for messages
	holds   stores.Holds
	open    func(ctx context.Context, u stores.URL, x *extFlags) (stores.Store, error)
}

var storeKinds = []storeKind{
	{"telethon-sqlalchemy", "Telethon alchemysession 0.2.x (PostgreSQL, MySQL/MariaDB, SQLite)", codec.Telethon, "telethon", 7, "postgres://, mysql://, sqlite:///", sqlalchemy.Holds(),
		func(ctx context.Context, u stores.URL, x *extFlags) (stores.Store, error) {
			return sqlalchemy.Open(ctx, u, sqlalchemy.Options{TablePrefix: x.tablePrefix, DC: x.dc})
		}},
	{"telethon-redis", "Telethon teleredis 0.1.x (Redis)", codec.Telethon, "telethon", 7, "redis://, rediss://", redis.TeleRedis.Holds(),
		func(ctx context.Context, u stores.URL, x *extFlags) (stores.Store, error) {
			return redis.Open(ctx, u, redis.Options{Layout: redis.TeleRedis, DC: x.dc})
		}},
	{"telethon-redis-hash", "TG-UserBot's Redis hash (Telethon)", codec.Telethon, "telethon", 7, "redis://, rediss://", redis.Hash.Holds(),
		func(ctx context.Context, u stores.URL, x *extFlags) (stores.Store, error) {
			return redis.Open(ctx, u, redis.Options{Layout: redis.Hash, DC: x.dc})
		}},
	{"telethon-mongo", "Telethon telemongo 0.2.x (MongoDB)", codec.Telethon, "telethon", 7, "mongodb://, mongodb+srv://", mongo.Telemongo.Holds(),
		func(ctx context.Context, u stores.URL, _ *extFlags) (stores.Store, error) {
			return mongo.Open(ctx, u, mongo.Options{Layout: mongo.Telemongo})
		}},
	{"pyrogram-mongo", "pyrofork, irenogram, Electrogram MongoStorage", codec.Pyrogram, "pyrofork", 4, "mongodb://, mongodb+srv://", mongo.Pyrogram.Holds(),
		func(ctx context.Context, u stores.URL, _ *extFlags) (stores.Store, error) {
			return mongo.Open(ctx, u, mongo.Options{Layout: mongo.Pyrogram})
		}},
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
	read func(c *cli, full bool) (*compat.Stored, *fileMeta, error)
}

// storeLocation resolves where the store is: --store-env, --store-file or
// --store (only a URL without a password).
func (c *cli) storeLocation(cmd string, x *extFlags, k storeKind) (stores.URL, error) {
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
		read: func(c *cli, full bool) (*compat.Stored, *fileMeta, error) {
			ctx := context.Background()
			st, err := k.open(ctx, u, x)
			if err != nil {
				return nil, nil, storeError(err)
			}
			defer st.Close()
			r, err := st.Read(ctx, name)
			if err != nil {
				return nil, nil, storeError(err)
			}
			if r.Session != nil && r.Session.Source == codec.FormatUnknown {
				r.Session.Source = k.format
			}
			s := storedFromRecord(k, r)
			if full {
				// seal attaches it as its library's .session file.
				s.Library, s.Schema = k.fileLib, k.schema
			}
			return s, &fileMeta{Format: k.name, Library: k.library, Entities: len(s.Entities), Warnings: r.Notes}, nil
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

// storedFromRecord turns what a store read into the stored-session model.
func storedFromRecord(k storeKind, r *stores.Record) *compat.Stored {
	s := &compat.Stored{Library: k.name, Session: r.Session, Entities: r.Entities,
		TakeoutID: r.TakeoutID, Notes: append([]string(nil), r.Notes...)}
	var st *compat.UpdateState
	for _, x := range r.States {
		if st == nil {
			st = &compat.UpdateState{}
		}
		if x.Channel == 0 {
			st.PTS, st.QTS, st.Seq, st.Date = x.PTS, x.QTS, x.Seq, float64(x.Date)
			continue
		}
		cs := compat.ChannelState{ID: x.Channel, PTS: x.PTS}
		if x.Date != 0 {
			cs.Date = codec.Some(float64(x.Date))
		}
		st.Channels = append(st.Channels, cs)
	}
	s.UpdateState = st
	if len(r.OtherDCs) > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("the name also holds keys for DC %v, not read", r.OtherDCs))
	}
	return s
}

// recordFromStored maps the stored-session model onto a store record. The
// session is the caller's (not copied).
func recordFromStored(in *compat.Stored) *stores.Record {
	r := &stores.Record{Session: in.Session, Entities: in.Entities, TakeoutID: in.TakeoutID}
	if u := in.UpdateState; u != nil {
		r.States = append(r.States, stores.State{PTS: u.PTS, QTS: u.QTS, Seq: u.Seq, Date: int64(u.Date)})
		for _, ch := range u.Channels {
			d, _ := ch.Date.Get()
			r.States = append(r.States, stores.State{Channel: ch.ID, PTS: ch.PTS, Date: int64(d)})
		}
	}
	return r
}

// planStoreWrite prepares in for k: values given with flags are supplied
// (a contradiction is refused), a missing address is filled from the DC
// table where the layout stores one, and every field the layout cannot
// hold is reported as dropped.
func planStoreWrite(src source, in *compat.Stored, k storeKind, o *convertOpts) (*stores.Record, *compat.Report, error) {
	s := in.Session.Clone()
	rep := &compat.Report{Source: src.String(), From: in.Library, To: k.name, EntitiesRead: len(in.Entities)}
	supply := func(field string, given bool, have bool, same bool, set func(), value string) error {
		if !given {
			return nil
		}
		if have {
			if !same {
				return withHints(failf("%s: %s %s contradicts the session's %s: option contradicts the source", src, suppliedBy[field], value, field),
					"a value the session holds is never replaced; drop the flag")
			}
			return nil
		}
		set()
		rep.Changes = append(rep.Changes, compat.Change{Field: field, Kind: compat.Supplied, Value: value, Reason: "given with " + suppliedBy[field]})
		return nil
	}
	ov := o.ov
	v1, h1 := s.APIID.Get()
	v2, h2 := s.UserID.Get()
	v3, h3 := s.IsBot.Get()
	v4, h4 := s.TestMode.Get()
	for _, err := range []error{
		supply("api_id", ov.set["api-id"], h1, v1 == ov.apiID, func() { s.APIID = codec.Some(ov.apiID) }, strconv.FormatUint(uint64(ov.apiID), 10)),
		supply("user_id", ov.set["user-id"], h2, v2 == ov.userID, func() { s.UserID = codec.Some(ov.userID) }, strconv.FormatInt(ov.userID, 10)),
		supply("is_bot", ov.set["bot"], h3, v3 == ov.bot, func() { s.IsBot = codec.Some(ov.bot) }, strconv.FormatBool(ov.bot)),
		supply("test_mode", ov.set["test-mode"], h4, v4 == ov.testMode, func() { s.TestMode = codec.Some(ov.testMode) }, strconv.FormatBool(ov.testMode)),
	} {
		if err != nil {
			s.Wipe()
			return nil, nil, err
		}
	}
	if k.name == "pyrogram-mongo" {
		var miss, flags []string
		if !s.UserID.Known() {
			miss, flags = append(miss, "user_id"), append(flags, flagForField["user_id"])
		}
		if !s.IsBot.Known() {
			miss, flags = append(miss, "is_bot"), append(flags, flagForField["is_bot"])
		}
		if len(miss) > 0 {
			s.Wipe()
			return nil, nil, withHints(failf("%s: %s needs %s, which the source does not hold: pass %s", src, k.name, strings.Join(miss, " and "), strings.Join(flags, " and ")),
				"values are never invented; pyrofork discards a session without them and logs in again")
		}
	}
	if k.holds.Address && s.ServerAddress == "" {
		// The DC table lives in compat: a Telethon string conversion
		// fills the address and port and reports them as defaulted.
		data, r2, err := compat.Convert(&compat.Stored{Library: in.Library, Session: s.Clone()}, compat.Target{Format: codec.Telethon}, compat.Options{})
		if err == nil {
			if t, err := codec.DecodeAs(codec.Telethon, string(data)); err == nil {
				s.ServerAddress, s.Port = t.ServerAddress, t.Port
				t.Wipe()
				for _, ch := range r2.Changes {
					if ch.Field == "server_address" || ch.Field == "port" {
						rep.Changes = append(rep.Changes, ch)
					}
				}
			}
			clear(data)
		}
	}
	r := recordFromStored(in)
	r.Session = s
	for _, f := range k.holds.Unheld(r) {
		rep.Changes = append(rep.Changes, compat.Change{Field: f, Kind: compat.Dropped, Value: sessionValue(s, f), Reason: "not stored by " + k.name})
	}
	if s.IPv6.Known() && s.IPv6.Or(false) {
		rep.Changes = append(rep.Changes, compat.Change{Field: "ipv6", Kind: compat.Dropped, Value: "true", Reason: "not stored by " + k.name})
	}
	if s.Media != nil {
		rep.Changes = append(rep.Changes, compat.Change{Field: "media_dc", Kind: compat.Dropped, Reason: "not stored by " + k.name})
	}
	if k.holds.Entities {
		rep.EntitiesWritten = len(r.Entities)
	}
	rep.Notes = append(rep.Notes, in.Notes...)
	return r, rep, nil
}

// sessionValue is the text of a session field for the report (never the key).
func sessionValue(s *codec.Session, field string) string {
	switch field {
	case "server_address":
		return s.ServerAddress
	case "port":
		return strconv.Itoa(int(s.Port))
	case "api_id":
		return optString(s.APIID)
	case "user_id":
		return optString(s.UserID)
	case "is_bot":
		return optString(s.IsBot)
	case "test_mode":
		return optString(s.TestMode)
	}
	return ""
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
		rec, rep, err := planStoreWrite(src, cv.in, k, o)
		if err != nil {
			return err
		}
		defer rec.Wipe()
		ctx := context.Background()
		st, err := k.open(ctx, u, x)
		if err != nil {
			return storeError(err)
		}
		defer st.Close()
		if err := st.Write(ctx, x.name, rec, o.force); err != nil {
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
