package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/internal/safefile"
)

var convertCmd = &command{
	name:    "convert",
	summary: "convert a session to another library's format",
	help: `Usage: tgsession convert --to FORMAT [--from FORMAT] [--api-id N] [--user-id N] [--bot]
                         [--in FILE | FILE...] [--out PATH] [--force | --skip-existing]
                         [--json] [-q]

Converts a session and writes it in FORMAT: a string on standard output (or
--out FILE), or a .session file (--out FILE). Every field the target drops
or fills with a default is listed on stderr. Values the source does not
hold are never invented: a target that needs one (Pyrogram needs the user
id and API id) fails with an error naming the flag that supplies it.

String formats: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute, gotd,
                mtkruto.
File formats:   telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
                pyrofork-sqlite, kurigram-sqlite.
("tgsession formats" lists what each holds.)

With several inputs, a directory input, or --out ending in "/" (a batch),
--out names a directory, created (mode 0700) if it does not exist; its
parent must exist. Each input gets its own result line, one bad file does
not stop the others, a summary line ends the run ("N converted, M failed",
and ", K skipped"), and the exit status is 1 if any failed. A directory
input is read for its *.session files; every other entry is listed as
skipped, with the reason. An interrupted batch (Ctrl-C, SIGTERM) finishes
the items in progress, removes any temporary file, says
"interrupted: N written, M not started" and exits 130 (143 on SIGTERM);
run it again with --skip-existing to do the rest.

A user id differs per account, so a batch of several inputs refuses
--user-id: give --user-ids FILE, lines of "INPUT USER_ID", INPUT being
the input's name as the batch prints it (or its file name, if no other
input has it). --api-id, --bot and --test-mode apply to every input that
lacks the value, and the summary says how many took it.

Flags:
    --to FORMAT       target format (required)
    --from FORMAT     decode string input as FORMAT, skipping detection
    --api-id N        API id to write when the source has none
    --user-id N       user id to write when the source has none (one input)
    --user-ids FILE   user ids per input: lines "INPUT USER_ID" ("#" starts
                      a comment)
    --bot             the account is a bot (--bot=false: it is a user)
    --test-mode       the session belongs to Telegram's test DCs
                      (--test-mode=false: production)
    --in FILE         read the session from FILE
    -o, --out PATH    output file ("-" for stdout) or, for a batch, directory
    -f, --force       replace existing output files (regular files only)
    --skip-existing   leave existing output files alone and count them as
                      skipped (to resume an interrupted batch)
    --json            print a JSON result object per input on stdout
                      (keys: input, output, ok, error, changes, notes,
                      skipped, reason); never the session itself, so one
                      input with a string target needs --out FILE. With
                      several inputs and no --out, a string target's batch
                      prints one line per input with "format" (the input's)
                      and "result" (the session), or "error"
    -q, --quiet       print only errors, warnings that need attention and
                      the summary: no per-input lines, no list of dropped
                      and defaulted fields, no progress
    --jobs N          convert up to N inputs at a time (default: CPUs)
    --dc N            for a .session file holding keys for several DCs,
                      convert the one for DC N (refused for strings)

Stores (--from KIND, and --to KIND for convert): telethon-sqlalchemy,
telethon-redis, telethon-redis-hash, telethon-mongo, pyrogram-mongo.
    --store-env VAR   the store URL is in $VAR (DATABASE_URL, REDIS_URL,
                      MONGODB_URI); a URL with a password is never an argument
    --store-file FILE the store URL is in FILE
    --store URL       the store URL, only when it holds no password
    --name NAME       the session's name in the store
    --table-prefix P  telethon-sqlalchemy's table prefix
    --to-store-env VAR, --to-store-file FILE, --to-store URL, --to-name NAME,
    --to-table-prefix P
                      from one store to another: where the session is
                      written (each defaults to the source's)
    Several inputs into a store are written each under its file name
    without the extension (a.session -> a); --name is then refused.

GramJS StoreSession: --from gramjs-store DIR, --to gramjs-store --out DIR (--name NAME: the
files' prefix, by default the directory's name).
Telegram Desktop: --from tdata DIR, and --to tdata --out DIR for convert.
    --account N       the account to read (default: the active one)
    --passcode-env VAR, --passcode-file FILE
                      the local passcode (else read from standard input
                      when the folder has one; never an argument)
    --tdesktop-version V  the version tag to write (default 2.1.14's)
    --force           replace a session stored under NAME

Examples:
    tgsession convert --to pyrogram --api-id 12345 --user-id 777000 < telethon.txt
    tgsession convert --to telethon --in pyrogram.txt --out telethon.txt
    tgsession convert --to telethon-sqlite pyrogram.session --out telethon.session
    tgsession convert --to kurigram-sqlite sessions/*.session --out converted/
    tgsession convert --to pyrogram-sqlite sessions/ --out converted/ --user-ids ids.txt -q
    tgsession convert --to telethon-redis --store-env REDIS_URL --name mybot account.session
    tgsession convert --from telethon-redis --store-env REDIS_URL --name mybot --to telethon-sqlalchemy --to-store-env DATABASE_URL
`,
	run: runConvert,
}

// overrides are the field values given on the command line.
type overrides struct {
	set      map[string]bool
	apiID    uint32
	userID   int64
	bot      bool
	testMode bool
}

// registerOverrides defines --api-id, --user-id, --bot and --test-mode.
func registerOverrides(fs *flag.FlagSet) *overrides {
	ov := &overrides{}
	fs.Func("api-id", "", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return errors.New("want a positive 32-bit number")
		}
		ov.apiID = uint32(n)
		return nil
	})
	fs.Func("user-id", "", func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("want a positive 64-bit number")
		}
		ov.userID = n
		return nil
	})
	fs.BoolVar(&ov.bot, "bot", false, "")
	fs.BoolVar(&ov.testMode, "test-mode", false, "")
	return ov
}

// options returns the compat options for the values given.
func (ov *overrides) options() model.Options {
	var o model.Options
	if ov.set["api-id"] {
		o.APIID = codec.Some(ov.apiID)
	}
	if ov.set["user-id"] {
		o.UserID = codec.Some(ov.userID)
	}
	if ov.set["bot"] {
		o.IsBot = codec.Some(ov.bot)
	}
	if ov.set["test-mode"] {
		o.TestMode = codec.Some(ov.testMode)
	}
	return o
}

// flagForField maps a session field to the flag that supplies it.
var flagForField = map[string]string{
	"api_id":    "--api-id N",
	"user_id":   "--user-id N",
	"is_bot":    "--bot or --bot=false",
	"test_mode": "--test-mode or --test-mode=false",
}

// suppliedBy names the flag that supplied a field.
var suppliedBy = map[string]string{
	"api_id":    "--api-id",
	"user_id":   "--user-id",
	"is_bot":    "--bot",
	"test_mode": "--test-mode",
}

type convertOpts struct {
	to           target
	from         codec.Format
	ov           overrides
	out          string
	force        bool
	skipExisting bool
	asJSON       bool
	jobs         int
	dc           int  // DC row of a multi-DC .session file
	batch        bool // several inputs into a directory
	stream       bool // a batch printed as JSON lines, with no directory
	userIDs      *userIDMap
}

// flagFor names what supplies a missing field, in this command's context.
func (o *convertOpts) flagFor(field string) (string, bool) {
	if field == "user_id" && o.batch {
		if o.userIDs != nil {
			return "a line for this input in " + o.userIDs.path + " (--user-ids)", true
		}
		return "--user-ids FILE (user ids differ per account)", true
	}
	fl, ok := flagForField[field]
	return fl, ok
}

func runConvert(c *cli, cmd *command, args []string) error {
	fs := newFlagSet(cmd)
	to := fs.String("to", "", "")
	from := fs.String("from", "", "")
	in := fs.String("in", "", "")
	var out string
	fs.StringVar(&out, "out", "", "")
	fs.StringVar(&out, "o", "", "")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	skipExisting := fs.Bool("skip-existing", false, "")
	asJSON := fs.Bool("json", false, "")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "")
	dc := fs.Int("dc", 0, "")
	userIDsFile := fs.String("user-ids", "", "")
	fs.BoolVar(&c.quiet, "quiet", false, "")
	fs.BoolVar(&c.quiet, "q", false, "")
	ov := registerOverrides(fs)
	x := registerStoreFlags(fs)
	dest := registerStoreDestFlags(fs) // kind_store_move.go
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	set := flagsSet(fs)
	ov.set = set
	x.set, x.dc = set, *dc
	for _, pair := range [][]string{{"out", "o"}, {"user-id", "user-ids"}, {"force", "skip-existing"}, {"f", "skip-existing"}} {
		if err := exclusive(cmd.name, set, pair...); err != nil {
			return err
		}
	}
	if *to == "" {
		return withHints(usageErrorf("convert: --to is required"),
			"formats: "+strings.Join(allTargetNames(), ", "))
	}
	fromKind := *from // extInputs clears it for a store
	xsrcs, err := c.extInputs(cmd.name, x, from, *to, *in, pos)
	if err != nil {
		return err
	}
	if xsrcs != nil {
		*dc = 0 // the store or folder took it
	}
	toStore, isStore := lookupStoreKind(*to)
	if err := checkStoreDest(cmd.name, set, isStore); err != nil {
		return err
	}
	tgt, err := c.parseExtTarget(*to, x)
	if err != nil {
		return err
	}
	f, err := parseFromFlag(cmd.name, *from)
	if err != nil {
		return err
	}
	if *jobs < 1 {
		return usageErrorf("convert: --jobs must be at least 1")
	}
	if set["dc"] && *dc <= 0 {
		return usageErrorf("convert: --dc takes a DC id (1 or more)")
	}
	srcs, err := sources(cmd.name, *in, pos)
	if xsrcs != nil {
		srcs, err = xsrcs, nil
	}
	if err != nil {
		return err
	}
	o := &convertOpts{to: tgt, from: f, ov: *ov, out: out, force: force, skipExisting: *skipExisting,
		asJSON: *asJSON, jobs: *jobs, dc: *dc}
	if *userIDsFile != "" {
		if o.userIDs, err = readUserIDs(*userIDsFile); err != nil {
			return err
		}
	}
	if isStore {
		return c.convertIntoStore(cmd.name, x, dest, fromKind, toStore, srcs, o)
	}
	if done, err := c.convertToExt(cmd.name, x, *to, srcs, o); done {
		return err
	}
	batch := len(srcs) > 1 || isDir(out) || strings.HasSuffix(out, "/") || isDir(srcs[0].path)
	if !batch {
		return c.convertOne(srcs[0], o)
	}
	o.batch = true
	if out == "" || out == "-" {
		if o.to.IsFile() {
			return withHints(usageErrorf("convert: several inputs need --out DIR"),
				"each input is written into DIR under its own name")
		}
		if !o.asJSON {
			return withHints(usageErrorf("convert: several inputs need --out DIR"),
				"each input is written into DIR under its own name",
				"or give --json to print one JSON line per input, holding the session, on standard output")
		}
		if force || *skipExisting {
			return usageErrorf("convert: --force and --skip-existing apply to an output directory, but the results go to standard output")
		}
		o.out, o.stream = "", true
	}
	inputs, skips := expandInputs(srcs)
	if set["user-id"] && len(inputs) > 1 {
		return withHints(usageErrorf("convert: --user-id would give all %d inputs the same user id", len(inputs)),
			"user ids differ per account: give them with --user-ids FILE, one line \"INPUT USER_ID\" per input (INPUT as the batch prints it)")
	}
	if o.userIDs != nil {
		if err := o.userIDs.resolve(inputs); err != nil {
			return err
		}
	}
	if !o.stream {
		if err := makeOutDir(out); err != nil {
			return err
		}
	}
	return c.convertBatch(inputs, skips, o)
}

// makeOutDir creates a batch's output directory (mode 0700) if it does
// not exist. Its parent must exist: a mistyped path should not create a
// tree of directories.
func makeOutDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return failf("convert: --out %s: not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return failf("convert: --out %s: %v", dir, unwrapPath(err))
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return withHints(failf("convert: --out %s: its parent directory does not exist", dir),
				"tgsession creates the output directory, not its parents: mkdir -p the parent first")
		}
		return failf("convert: --out %s: %v", dir, unwrapPath(err))
	}
	return safefile.SyncDir(filepath.Dir(filepath.Clean(dir)))
}

// unwrapPath returns the system error inside a *fs.PathError.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// skipEntry is a directory entry a batch does not convert, and why.
type skipEntry struct {
	path, why string
}

// expandInputs replaces each directory among srcs by its *.session files
// (regular files, or links to them), in name order, and lists every other
// entry with the reason it is skipped. The -wal, -shm and -journal
// companions of a listed .session file are read with it, not skipped.
func expandInputs(srcs []source) ([]source, []skipEntry) {
	var out []source
	var skips []skipEntry
	for _, s := range srcs {
		if s.path == "" || !isDir(s.path) {
			out = append(out, s)
			continue
		}
		des, err := os.ReadDir(s.path)
		if err != nil {
			out = append(out, s) // fails as an item
			continue
		}
		names := map[string]bool{}
		for _, de := range des {
			names[de.Name()] = true
		}
		for _, de := range des {
			n := de.Name()
			p := filepath.Join(s.path, n)
			if strings.HasPrefix(n, safefile.TempPrefix) {
				skips = append(skips, skipEntry{p, "a tgsession temporary file (of a write in progress, or of an interrupted run)"})
				continue
			}
			fi, err := os.Lstat(p)
			if err != nil {
				skips = append(skips, skipEntry{p, fmt.Sprintf("cannot be read: %v", unwrapPath(err))})
				continue
			}
			mode := fi.Mode()
			if mode&fs.ModeSymlink != 0 {
				ti, err := os.Stat(p)
				switch {
				case errors.Is(err, fs.ErrNotExist):
					skips = append(skips, skipEntry{p, "a dangling symbolic link (its target does not exist)"})
					continue
				case err != nil:
					skips = append(skips, skipEntry{p, fmt.Sprintf("a symbolic link that cannot be followed: %v", unwrapPath(err))})
					continue
				case ti.IsDir():
					skips = append(skips, skipEntry{p, "a symbolic link to a directory (directories inside are not read)"})
					continue
				case !ti.Mode().IsRegular():
					skips = append(skips, skipEntry{p, "a symbolic link to " + safefile.KindOf(ti.Mode().Type()) + ", not to a regular file"})
					continue
				}
				mode = ti.Mode()
			}
			switch {
			case mode.IsDir():
				skips = append(skips, skipEntry{p, "a directory (directories inside are not read)"})
			case !mode.IsRegular():
				skips = append(skips, skipEntry{p, safefile.KindOf(mode.Type()) + ", not a regular file"})
			case strings.HasSuffix(n, ".session"):
				out = append(out, source{path: p})
			case isCompanion(n, names):
				// Read with its .session file.
			default:
				skips = append(skips, skipEntry{p, "not a .session file (string sessions in a directory are not read: name them as inputs)"})
			}
		}
	}
	return out, skips
}

// isCompanion reports whether name is the -wal, -shm or -journal file of a
// .session file in names.
func isCompanion(name string, names map[string]bool) bool {
	for _, suf := range []string{"-wal", "-shm", "-journal"} {
		if base, ok := strings.CutSuffix(name, suf); ok && strings.HasSuffix(base, ".session") && names[base] {
			return true
		}
	}
	return false
}

// formatError adds a "did you mean" hint to an unknown-format error.
func formatError(err error, name string, names []string) error {
	if s := suggest(name, names); s != "" {
		return withHints(err, fmt.Sprintf("did you mean %q?", s))
	}
	return err
}

// result is the outcome of converting one input.
type result struct {
	Input   string         `json:"input"`
	Output  string         `json:"output,omitempty"`
	OK      bool           `json:"ok"`
	Error   string         `json:"error,omitempty"`
	Changes []model.Change `json:"changes,omitempty"`
	Notes   []string       `json:"notes,omitempty"`
	// Skipped is set for an input that was not converted on purpose:
	// its output exists (--skip-existing) or it is not a session file
	// of a directory input; Reason says which.
	Skipped bool   `json:"skipped,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Format is the input's format, as inspect names it (a batch
	// streamed to standard output only).
	Format string `json:"format,omitempty"`
	err    error
	// value is the converted session of a batch streamed to standard
	// output, printed as "result" and cleared once printed.
	value []byte
	// group and gidx locate the output in its commit group until the
	// group is committed.
	group *commitGroup
	gidx  int
}

// conversion is one input to convert, read into the stored-session model.
type conversion struct {
	src  source
	in   *model.Stored
	file bool // read from a .session file given by path
}

// storedOf wraps a decoded string session in the stored-session model.
func storedOf(s *codec.Session) *model.Stored { return &model.Stored{Session: s} }

// convertStored is the one conversion pipeline of convert, open, vault get
// and exec, for every kind of source: it converts in (read by the caller
// at the edge) to o.to in memory with model.Convert, names the flags for
// what the library reports in data (missing and contradicting values), and
// returns what to write: the string with a newline, or the session
// database's bytes. The caller clears them.
func (cv *conversion) run(o *convertOpts) ([]byte, *model.Report, error) {
	return convertStored(cv.src, cv.in, cv.file, o)
}

func convertStored(src source, in *model.Stored, file bool, o *convertOpts) ([]byte, *model.Report, error) {
	opts := o.ov.options()
	opts.Source = src.String()
	data, rep, err := model.ConvertWith(in, o.to, opts, marshalFile)
	if err != nil {
		var me *model.MissingError
		var ce *model.ConflictError
		switch {
		case errors.Is(err, model.ErrNoSQLite):
			return nil, nil, noFullError("writing a .session file")
		case errors.As(err, &me):
			return nil, nil, missingError(src, o, me)
		case errors.As(err, &ce):
			return nil, nil, withHints(failf("%s: compat: %s %s contradicts the source's %s %s: option contradicts the source", src, suppliedBy[ce.Field], ce.Given, ce.Field, ce.Held),
				"a value the session holds is never replaced; drop the flag")
		case file, o.to.IsFile():
			return nil, nil, fileError(err)
		}
		return nil, nil, prefixErr(src, err)
	}
	hintReport(rep)
	if !o.to.IsFile() {
		data = append(data, '\n')
	}
	return data, rep, nil
}

// hintReport names this CLI's flags in a conversion report: the flag that
// supplied a value, and the flag that would have given a value the target
// needed and got a default for.
func hintReport(rep *model.Report) {
	for i := range rep.Changes {
		ch := &rep.Changes[i]
		switch {
		case ch.Kind == model.Supplied:
			if fl, ok := suppliedBy[ch.Field]; ok {
				ch.Reason = "given with " + fl
			}
		case ch.Kind == model.Defaulted && strings.HasPrefix(ch.Reason, "not stored by "):
			if ch.Field == "test_mode" && strings.HasSuffix(ch.Reason, "; a production session is assumed") {
				ch.Reason += " (pass --test-mode for a test DC session)"
			}
			if ch.Field == "is_bot" && strings.HasSuffix(ch.Reason, "; a user account is assumed") {
				ch.Reason += " (pass --bot for a bot)"
			}
		}
	}
}

// missingError names the flag for every value the conversion needs, all
// at once (compat lists them in one error).
func missingError(src source, o *convertOpts, me *model.MissingError) error {
	var flags []string
	for _, f := range me.Fields {
		fl, ok := o.flagFor(f)
		if !ok {
			return failf("%s: %v", src, me)
		}
		flags = append(flags, fl)
	}
	return withHints(failf("%s: %s needs %s, which the source does not hold: pass %s",
		src, o.to, strings.Join(me.Fields, " and "), strings.Join(flags, " and ")),
		"values are never invented; the target library would refuse the session without them")
}

// printReport prints a conversion report on stderr: each dropped or
// defaulted field as a warning, supplied fields and notes as information.
// With -q it prints nothing.
func (c *cli) printReport(prefix string, rep *model.Report, isFile bool) {
	if rep == nil || c.quiet {
		return
	}
	for _, ch := range rep.Changes {
		if ch.Kind == model.Supplied {
			c.infof("%s%s", prefix, ch)
		} else {
			c.warnf("%s%s", prefix, ch)
		}
	}
	if isFile && (rep.EntitiesRead > 0 || rep.EntitiesWritten > 0) {
		c.infof("%sentities: %d read, %d written", prefix, rep.EntitiesRead, rep.EntitiesWritten)
	}
	for _, n := range rep.Notes {
		c.infof("%snote: %s", prefix, n)
	}
}

// prepare reads src into a conversion: a session database with
// model.ReadFile (counting, not reading, the entity cache when the target
// is a string, which holds none), a string session with codec.
func (c *cli) prepare(src source, o *convertOpts) (*conversion, error) {
	if src.ext != nil {
		return c.prepareExt(src, o)
	}
	data, isSQLite, err := c.readText(src)
	if err != nil {
		return nil, err
	}
	if isSQLite {
		if o.from != codec.FormatUnknown {
			return nil, usageErrorf("%s: --from names a string format, but this is a .session file", src)
		}
		in, err := c.readFile(src.path, o.dc, !o.to.IsFile())
		if err != nil {
			return nil, fileError(err)
		}
		return &conversion{src: src, in: in, file: true}, nil
	}
	text := string(data)
	clear(data)
	if o.dc != 0 {
		return nil, dcOnString(src)
	}
	s, err := decodeText(text, o.from)
	if err != nil {
		return nil, decodeErrorText(src, err, text)
	}
	return &conversion{src: src, in: storedOf(s)}, nil
}

// dcOnString refuses --dc for a string input, which holds one DC.
func dcOnString(src source) error {
	return withHints(usageErrorf("%s: --dc chooses among the DCs of a .session file, but this input is a string session (it holds one DC)", src),
		"leave out --dc")
}

func (cv *conversion) wipe() { cv.in.Wipe() }

func (c *cli) convertOne(src source, o *convertOpts) error {
	toStdout := o.out == "" || o.out == "-"
	if o.to.IsFile() && toStdout {
		return withHints(usageErrorf("convert: --to %s writes a file: give --out FILE", o.to),
			"a .session file is binary and is never written to standard output")
	}
	if toStdout && (o.force || o.skipExisting) {
		fl := "--force"
		if o.skipExisting {
			fl = "--skip-existing"
		}
		return withHints(usageErrorf("convert: %s applies to output files, but the output goes to standard output", fl),
			"give --out FILE, or leave out "+fl)
	}
	if toStdout && o.asJSON {
		return withHints(usageErrorf("convert: --json prints the result object, never the session: give --out FILE for the session"),
			"or leave out --json to print the session itself")
	}
	if !toStdout && src.path != "" && samePath(src.path, o.out) {
		return failf("convert: --out is the input file; refusing to overwrite it")
	}
	r := &result{Input: src.String()}
	if !toStdout {
		r.Output = o.out
	}
	if o.skipExisting {
		if fi, err := os.Lstat(o.out); err == nil && fi.Mode().IsRegular() {
			r.OK, r.Skipped, r.Reason = true, true, "the output exists"
			c.notef("%s: skipped: %s exists", src, o.out)
			return c.printResult(o, r)
		}
	}
	if o.userIDs != nil {
		if err := o.userIDs.resolve([]source{src}); err != nil {
			return err
		}
		o.ov = o.userIDs.apply(o.ov, 0)
	}
	cv, err := c.prepare(src, o)
	if err == nil {
		defer cv.wipe()
		var rep *model.Report
		rep, err = c.finishReport(cv, o, o.out)
		if err == nil {
			r.OK = true
			if rep != nil {
				r.Changes, r.Notes = rep.Changes, rep.Notes
			}
		}
	}
	if err != nil {
		r.Output = ""
		r.Error = c.clean(err.Error())
	}
	if perr := c.printResult(o, r); perr != nil && err == nil {
		return perr
	}
	return err
}

// printResult prints r as a JSON line if --json was given.
func (c *cli) printResult(o *convertOpts, r *result) error {
	if !o.asJSON {
		return nil
	}
	return writeJSONLine(c.stdout, r)
}

// writeJSONLine writes v as one line of JSON. Besides what encoding/json
// escapes, every non-printable rune (C1 controls, bidi overrides) is
// written as \uXXXX, so that a JSON line shown on a terminal cannot
// drive it either.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !utf8.Valid(b) || strings.IndexFunc(string(b), func(r rune) bool { return !isShown(r) }) >= 0 {
		var sb strings.Builder
		for _, r := range string(b) {
			switch {
			case isShown(r):
				sb.WriteRune(r)
			case r > 0xffff:
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&sb, `\u%04x\u%04x`, r1, r2)
			default:
				fmt.Fprintf(&sb, `\u%04x`, r)
			}
		}
		b = []byte(sb.String())
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return failf("standard output: %w", err)
	}
	return nil
}

// finish converts cv and writes the result to out.
func (c *cli) finish(cv *conversion, o *convertOpts, out string) error {
	_, err := c.finishReport(cv, o, out)
	return err
}

// finishReport is finish, returning the conversion report.
func (c *cli) finishReport(cv *conversion, o *convertOpts, out string) (*model.Report, error) {
	if o.to.IsFile() {
		if out == "" || out == "-" {
			return nil, withHints(usageErrorf("--to %s writes a file: give -o FILE", o.to),
				"a .session file is binary and is never written to standard output")
		}
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return nil, failf("%s: is a directory", out)
		}
		c.removeStale(out)
	}
	data, rep, err := cv.run(o)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	if o.to.IsFile() {
		if err := c.writeOutput(out, data, o.force); err != nil {
			return nil, err
		}
		c.printReport("", rep, true)
		return rep, nil
	}
	c.printReport("", rep, false)
	c.secretToTerminal(out)
	return rep, c.writeOutput(out, data, o.force)
}

// batchOutPath names the output for src in dir.
func batchOutPath(dir string, src source, t target) string {
	name := "stdin"
	if src.path != "" {
		name = stem(src.path)
	}
	if t.IsFile() {
		return filepath.Join(dir, name+".session")
	}
	return filepath.Join(dir, name+"."+t.Format.String()+".txt")
}

// Progress display: on a terminal (stderr), once a batch has run for
// progressAfter, a status line is drawn and redrawn at most every
// progressEvery; it is erased before every other line and at the end.
const (
	progressAfter = time.Second
	progressEvery = 100 * time.Millisecond
)

// progress is a batch's status line.
type progress struct {
	c           *cli
	enabled     bool
	start, last time.Time
	shown       bool
	n           int
	done        int
	failed      int
}

func (p *progress) draw() {
	if !p.enabled {
		return
	}
	now := p.c.now()
	if now.Sub(p.start) < progressAfter || (!p.last.IsZero() && now.Sub(p.last) < progressEvery) {
		return
	}
	p.last = now
	fmt.Fprintf(p.c.stderr, "\r\033[Ktgsession: %d/%d done, %d failed", p.done, p.n, p.failed)
	p.shown = true
}

func (p *progress) erase() {
	if p.shown {
		fmt.Fprint(p.c.stderr, "\r\033[K")
		p.shown = false
	}
}

// errInterrupted ends a batch stopped by a signal or by standard output
// closing; main turns it into exit status 128+N after a signal.
var errInterrupted = &cliError{code: exitFail, err: errors.New("interrupted"), silent: true}

// batchAhead is how many inputs a batch hands out beyond the first one it
// has not yet reported: it bounds the temporary files waiting for a commit
// and the results waiting to be reported. Tests lower it.
var batchAhead = 2048

// commitGroup is a set of batch outputs made durable together.
type commitGroup struct {
	b    *safefile.Batch
	errs []error // Commit's results, once done
	done bool
}

// batchSink writes a batch's outputs in group commits: workers add their
// output to the current group (a temporary file each, not synced); the
// reporting goroutine commits the group when the next result to report
// waits for it and it has no other result to take in, so that one syncfs
// and one directory fsync cover every output written while the previous
// commit ran. Each output is reported only once committed: after a crash
// it is absent or complete, never torn.
type batchSink struct {
	mu    sync.RWMutex // add holds it shared, commit exclusively
	cur   *commitGroup
	force bool
}

func newBatchSink(force bool) *batchSink {
	return &batchSink{cur: &commitGroup{b: safefile.NewBatch(force)}, force: force}
}

// add writes data as the temporary file for path in the current group.
func (s *batchSink) add(path string, data []byte) (*commitGroup, int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.cur
	i, err := g.b.Add(path, data)
	return g, i, err
}

// commit commits the current group, if it holds anything, and starts a
// new one. Only the reporting goroutine calls it.
func (s *batchSink) commit() {
	s.mu.Lock()
	g := s.cur
	if g.b.Len() == 0 {
		s.mu.Unlock()
		return
	}
	s.cur = &commitGroup{b: safefile.NewBatch(s.force)}
	s.mu.Unlock()
	g.errs = g.b.Commit()
	g.done = true
}

func (c *cli) convertBatch(srcs []source, skips []skipEntry, o *convertOpts) error {
	defer interrupts.stoppable()()
	n := len(srcs)
	if !o.stream {
		c.removeStale(o.out)
	}
	stdoutOK := true
	var stdoutErr error
	printJSON := func(r *result) {
		if o.asJSON && stdoutOK {
			if err := writeResultLine(c.stdout, r); err != nil {
				stdoutOK, stdoutErr = false, err
			}
		}
		clear(r.value)
		r.value = nil
	}
	for _, s := range skips {
		c.notef("skipped %s: %s", s.path, s.why)
		printJSON(&result{Input: s.path, OK: true, Skipped: true, Reason: s.why})
	}

	results := make([]*result, n)
	outs := make([]string, n)
	seen := make(map[string]int)
	for i, src := range srcs {
		if o.stream {
			continue
		}
		outs[i] = batchOutPath(o.out, src, o.to)
		if j, dup := seen[outs[i]]; dup {
			results[i] = &result{Input: src.String(), err: failf("%s: output name %s is also used by %s", src, outs[i], srcs[j])}
			continue
		}
		seen[outs[i]] = i
		if src.path != "" && samePath(src.path, outs[i]) {
			results[i] = &result{Input: src.String(), err: failf("%s: the output would replace the input; refusing", src)}
			continue
		}
		if o.skipExisting {
			if fi, err := os.Lstat(outs[i]); err == nil && fi.Mode().IsRegular() {
				results[i] = &result{Input: src.String(), Output: outs[i], OK: true, Skipped: true, Reason: "the output exists"}
			}
		}
	}

	// ready[i]: results[i] may be read. Items settled before conversion
	// are ready now; the others once a worker reports them.
	ready := make([]bool, n)
	for i := range results {
		ready[i] = results[i] != nil
	}
	pre := slices.Clone(ready)
	ahead := max(1, batchAhead)
	slots := make(chan struct{}, ahead)

	var sink *batchSink
	if !o.stream {
		sink = newBatchSink(o.force)
	}
	prog := &progress{c: c, n: n, enabled: !c.quiet && c.isTerminal(c.stderr), start: c.now()}
	written, failed, skipped, emitted := 0, 0, len(skips), 0
	supplied := map[string]int{}
	emit := func(i int, r *result) {
		if !pre[i] {
			<-slots
		}
		if g := r.group; g != nil {
			if err := g.errs[r.gidx]; err != nil {
				r.err = prefixErr(srcs[i], outputError(outs[i], err))
			} else {
				r.OK, r.Output = true, outs[i]
			}
			r.group = nil
		}
		emitted++
		prog.done++
		prog.erase()
		switch {
		case r.err != nil:
			failed++
			prog.failed++
			r.OK, r.Output = false, ""
			clear(r.value)
			r.value = nil
			r.Error = c.clean(r.err.Error())
			c.report(r.err)
		case r.Skipped:
			skipped++
			c.notef("%s: skipped: %s exists", srcs[i], r.Output)
		default:
			written++
			for _, ch := range r.Changes {
				if ch.Kind == model.Supplied {
					supplied[ch.Field]++
				}
			}
			c.printReport(srcs[i].String()+": ", &model.Report{Changes: r.Changes, Notes: r.Notes}, false)
			if o.stream {
				c.notef("%s: converted", srcs[i])
			} else {
				c.notef("%s: written to %s", srcs[i], r.Output)
			}
		}
		printJSON(r)
		if testHookEmitted != nil {
			testHookEmitted(emitted)
		}
		prog.draw()
	}

	// Workers convert and write each output as a temporary file; this
	// goroutine commits them in groups and reports results in input order
	// as they become available. It stops handing out work when the
	// process is interrupted or standard output closes: items in progress
	// finish (or fail), are committed and reported; the others are not
	// started.
	work := make(chan int)
	doneCh := make(chan int, min(n, ahead))
	stop := make(chan struct{})
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }) }
	var wg sync.WaitGroup
	for w := 0; w < min(o.jobs, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = c.convertItem(srcs[i], outs[i], i, o, sink)
				doneCh <- i
			}
		}()
	}
	go func() {
		defer func() {
			close(work)
			wg.Wait()
			close(doneCh)
		}()
		for i := range srcs {
			if pre[i] {
				continue
			}
			select {
			case <-stop:
				return
			default:
			}
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			select {
			case work <- i:
			case <-stop:
				<-slots
				return
			}
		}
	}()
	next := 0
	// waiting reports whether result i waits for its group's commit.
	waiting := func(i int) bool { return results[i].group != nil && !results[i].group.done }
	flush := func() {
		for next < n && ready[next] && !waiting(next) {
			emit(next, results[next])
			next++
		}
	}
	var tick <-chan time.Time
	if prog.enabled {
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		tick = t.C
	}
	interrupted := c.interrupted
	stopped := false
	flush()
loop:
	for {
		if !stopped {
			// A stop takes priority over the results waiting (select
			// would pick among ready cases at random).
			select {
			case <-interrupted:
				interrupted = nil
				stopped = true
				halt()
			default:
				if !stdoutOK {
					stopped = true
					halt()
				}
			}
		}
		if next < n && ready[next] && waiting(next) {
			// The next result waits for a commit: take in what else
			// has finished first, then commit everything written.
			select {
			case i, ok := <-doneCh:
				if !ok {
					break loop
				}
				ready[i] = true
				flush()
			default:
				sink.commit()
				flush()
			}
			continue
		}
		select {
		case i, ok := <-doneCh:
			if !ok {
				break loop
			}
			ready[i] = true
			flush()
		case <-interrupted:
			interrupted = nil
			stopped = true
			halt()
		case <-tick:
			prog.draw()
		}
	}
	// Every worker has finished: commit what is written, then report
	// what finished (after a stop, also beyond the first item that was
	// never started).
	if sink != nil {
		sink.commit()
	}
	for ; next < n; next++ {
		if ready[next] {
			emit(next, results[next])
		}
	}
	if !stdoutOK {
		stopped = true
	}
	prog.erase()
	for _, f := range []string{"api_id", "is_bot", "test_mode", "user_id"} {
		if k := supplied[f]; k > 0 {
			from := suppliedBy[f]
			if f == "user_id" && o.userIDs != nil {
				from = "--user-ids " + o.userIDs.path
			}
			c.infof("%s from %s was supplied to %d of %d inputs", f, from, k, n)
		}
	}
	if stopped {
		done := "written"
		if o.stream {
			done = "converted"
		}
		parts := []string{fmt.Sprintf("%d %s", written, done)}
		if failed > 0 {
			parts = append(parts, fmt.Sprintf("%d failed", failed))
		}
		if skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d skipped", skipped))
		}
		parts = append(parts, fmt.Sprintf("%d not started", n-emitted))
		why := "interrupted"
		if !stdoutOK {
			why = "interrupted (standard output closed)"
		}
		c.infof("%s: %s", why, strings.Join(parts, ", "))
		if isBrokenPipe(stdoutErr) {
			return &cliError{code: exitBrokenPipe, err: stdoutErr, silent: true}
		}
		return errInterrupted
	}
	summary := fmt.Sprintf("%d converted, %d failed", written, failed)
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	c.infof("%s", summary)
	if failed > 0 {
		return errSilent
	}
	return nil
}

// testHookEmitted, when set (by tests only), is called after a batch has
// reported its k-th result.
var testHookEmitted func(k int)

// convertItem converts one batch input and writes its output as a
// temporary file of sink's current group (or, for a batch streamed to
// standard output, keeps it in the result); it never panics the batch.
func (c *cli) convertItem(src source, out string, i int, o *convertOpts, sink *batchSink) (r *result) {
	r = &result{Input: src.String()}
	defer func() {
		if p := recover(); p != nil {
			r.err = failf("%s: internal error while converting (please report it)", src)
		}
	}()
	oi := *o
	if o.userIDs != nil {
		oi.ov = o.userIDs.apply(o.ov, i)
	}
	cv, err := c.prepare(src, &oi)
	if err != nil {
		r.err = err
		return r
	}
	defer cv.wipe()
	data, rep, err := cv.run(&oi)
	if err != nil {
		if !strings.Contains(err.Error(), src.String()) {
			err = prefixErr(src, err)
		}
		r.err = err
		return r
	}
	if rep != nil {
		r.Changes, r.Notes = rep.Changes, rep.Notes
	}
	if sink == nil {
		r.OK, r.Format = true, inputFormat(cv)
		r.value = data[:len(data)-len("\n")]
		return r
	}
	defer clear(data)
	g, gi, err := sink.add(out, data)
	if err != nil {
		err = outputError(out, err)
		if !o.to.IsFile() || !strings.Contains(err.Error(), src.String()) {
			err = prefixErr(src, err)
		}
		r.err = err
		return r
	}
	r.group, r.gidx = g, gi
	if testHookBeforeCommit != nil {
		testHookBeforeCommit(g.b.TempName(gi))
	}
	return r
}

// inputFormat names a conversion's input format as inspect does: the
// file's kind for a .session file, the string format otherwise.
func inputFormat(cv *conversion) string {
	if cv.file && cv.in.Kind != 0 {
		return cv.in.Kind.String()
	}
	if cv.in.Session != nil {
		return cv.in.Session.Source.String()
	}
	return ""
}

// writeResultLine writes r as a JSON line, with the converted session
// under "result" when r holds one. The session is written from r.value
// and the line holding it is cleared after the write: it is the output the
// user asked for on standard output, and is never copied into a string.
func writeResultLine(w io.Writer, r *result) error {
	if r.value == nil {
		return writeJSONLine(w, r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	line := make([]byte, 0, len(b)+len(r.value)+16)
	line = append(line, b[:len(b)-1]...)
	line = append(line, `,"result":"`...)
	for _, ch := range r.value {
		switch {
		case ch == '"' || ch == '\\':
			line = append(line, '\\', ch)
		case ch < 0x20 || ch == 0x7f:
			line = append(line, fmt.Sprintf(`\u%04x`, ch)...)
		default:
			line = append(line, ch)
		}
	}
	line = append(line, '"', '}', '\n')
	defer clear(line)
	if _, err := w.Write(line); err != nil {
		return failf("standard output: %w", err)
	}
	return nil
}

// prefixErr prefixes err's message with the input name.
func prefixErr(src source, err error) error {
	if err == nil {
		return nil
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return &cliError{code: ce.code, err: fmt.Errorf("%s: %w", src, ce.err), hints: ce.hints}
	}
	return fmt.Errorf("%s: %w", src, err)
}
