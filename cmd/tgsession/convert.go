package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/safefile"
)

var convertCmd = &command{
	name:    "convert",
	summary: "convert a session to another library's format",
	help: `Usage: tgsession convert --to FORMAT [--from FORMAT] [--api-id N] [--user-id N] [--bot]
                         [--in FILE | FILE...] [--out PATH] [--force]

Converts a session and writes it in FORMAT: a string on standard output (or
--out FILE), or a .session file (--out FILE). Every field the target drops
or fills with a default is listed on stderr. Values the source does not
hold are never invented: a target that needs one (Pyrogram needs the user
id and API id) fails with an error naming the flag that supplies it.

String formats: telethon, pyrogram, pyrogram-legacy, gramjs, mtcute, gotd.
File formats:   telethon-sqlite, telethon-v2-sqlite, pyrogram-sqlite,
                pyrofork-sqlite, kurigram-sqlite.

With several input FILEs (a batch), --out names a directory; each input
gets its own result line, one bad file does not stop the others, and the
exit status is 1 if any failed.

Flags:
    --to FORMAT       target format (required)
    --from FORMAT     decode string input as FORMAT, skipping detection
    --api-id N        API id to write when the source has none
    --user-id N       user id to write when the source has none
    --bot             the account is a bot (--bot=false: it is a user)
    --test-mode       the session belongs to Telegram's test DCs
                      (--test-mode=false: production)
    --in FILE         read the session from FILE
    -o, --out PATH    output file ("-" for stdout) or, for a batch, directory
    -f, --force       replace existing output files
    --json            print one JSON result per input on stdout (batch)
    --jobs N          convert up to N inputs at a time (default: CPUs)
    --dc N            for a .session file holding keys for several DCs,
                      convert the one for DC N

Examples:
    tgsession convert --to pyrogram --api-id 12345 --user-id 777000 < telethon.txt
    tgsession convert --to telethon --in pyrogram.txt --out telethon.txt
    tgsession convert --to telethon-sqlite pyrogram.session --out telethon.session
    tgsession convert --to kurigram-sqlite sessions/*.session --out converted/
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
func (ov *overrides) options() compat.Options {
	var o compat.Options
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
	to     target
	from   codec.Format
	ov     overrides
	out    string
	force  bool
	asJSON bool
	jobs   int
	dc     int // DC row of a multi-DC .session file
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
	asJSON := fs.Bool("json", false, "")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "")
	dc := fs.Int("dc", 0, "")
	ov := registerOverrides(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	set := flagsSet(fs)
	ov.set = set
	if err := exclusive(cmd.name, set, "out", "o"); err != nil {
		return err
	}
	if *to == "" {
		return withHints(usageErrorf("convert: --to is required"),
			"formats: "+strings.Join(targetNames(), ", "))
	}
	tgt, err := parseTarget(*to)
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
	srcs, err := sources(cmd.name, *in, pos)
	if err != nil {
		return err
	}
	o := &convertOpts{to: tgt, from: f, ov: *ov, out: out, force: force, asJSON: *asJSON, jobs: *jobs, dc: *dc}
	if len(srcs) == 1 && !isDir(out) && !isDir(srcs[0].path) {
		return c.convertOne(srcs[0], o)
	}
	if out == "" || out == "-" {
		return withHints(usageErrorf("convert: several inputs need --out DIR"),
			"each input is written into DIR under its own name")
	}
	if !isDir(out) {
		return failf("convert: --out %s: not a directory", out)
	}
	return c.convertBatch(expandDirs(srcs), o)
}

// expandDirs replaces each directory among srcs by its *.session files,
// in name order.
func expandDirs(srcs []source) []source {
	var out []source
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
		var names []string
		for _, de := range des {
			n := de.Name()
			if de.Type().IsRegular() && strings.HasSuffix(n, ".session") && !strings.HasPrefix(n, safefile.TempPrefix) {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, source{path: filepath.Join(s.path, n)})
		}
	}
	return out
}

// target is a --to format: a string format or a .session file format.
type target = compat.Target

func targetNames() []string {
	var names []string
	for _, f := range codec.Formats {
		names = append(names, f.String())
	}
	for _, f := range compat.FileKinds {
		names = append(names, f.String())
	}
	return names
}

func parseTarget(name string) (target, error) {
	t, err := compat.ParseTarget(name)
	if err != nil {
		return target{}, usageErrorf("unknown format (want one of %s)", strings.Join(targetNames(), ", "))
	}
	return t, nil
}

// result is the outcome of converting one input.
type result struct {
	Input   string         `json:"input"`
	Output  string         `json:"output,omitempty"`
	OK      bool           `json:"ok"`
	Error   string         `json:"error,omitempty"`
	Changes []codec.Change `json:"changes,omitempty"`
	Notes   []string       `json:"notes,omitempty"`
	err     error
}

// isDecodeError reports whether err is codec refusing the input text.
func isDecodeError(err error) bool {
	var pe *codec.ParseError
	var amb *codec.AmbiguousError
	return errors.As(err, &pe) || errors.As(err, &amb) ||
		errors.Is(err, codec.ErrEmpty) || errors.Is(err, codec.ErrTooLarge)
}

// conversion is one input to convert: a string or a .session file, or an
// already decoded session (vault).
type conversion struct {
	src  source
	text *string        // string input; a pointer so that fmt never prints it
	file bool           // .session file input (src.path)
	sess *codec.Session // decoded input (vault)
	full *compat.File   // the file sess was sealed from (vault), if attached
}

// run converts cv to o.to, writing a file target to outPath. It returns
// the string (with a newline) for a string target.
func (cv *conversion) run(o *convertOpts, outPath string) ([]byte, *compat.Report, error) {
	opts := o.ov.options()
	opts.Output, opts.Force, opts.DC = outPath, o.force, o.dc
	res, rep, err := cv.convert(o.to, opts)
	if err != nil {
		var mo *compat.MissingOptionError
		if errors.As(err, &mo) {
			return nil, nil, cv.missingError(o.to, opts, mo)
		}
		if errors.Is(err, compat.ErrOptionConflict) {
			return nil, nil, withHints(failf("%s: %v", cv.src, err),
				"a value the session holds is never replaced; drop the flag")
		}
		if isDecodeError(err) {
			return nil, nil, decodeError(cv.src, err)
		}
		if errors.Is(err, safefile.ErrExists) {
			return nil, nil, outputError(outPath, err)
		}
		if cv.file || o.to.IsFile() {
			return nil, nil, fileError(err)
		}
		return nil, nil, prefixErr(cv.src, err)
	}
	res.Session.Wipe()
	if o.to.IsFile() {
		return nil, rep, nil
	}
	return []byte(res.Text() + "\n"), rep, nil
}

func (cv *conversion) convert(t target, opts compat.Options) (*compat.Result, *compat.Report, error) {
	switch {
	case cv.full != nil:
		return compat.ConvertFile(cv.full, cv.src.String(), t, opts)
	case cv.sess != nil:
		f := &compat.File{Library: cv.sess.Source.String(), Session: cv.sess}
		return compat.ConvertFile(f, cv.src.String(), t, opts)
	case cv.file:
		return compat.Convert(compat.FileSource(cv.src.path), t, opts)
	}
	return compat.Convert(compat.StringSource(*cv.text, codec.FormatUnknown), t, opts)
}

// missingError names every flag the conversion needs, not only the first:
// for a string target, it converts again with a placeholder for each
// missing value until nothing more is missing (the output is discarded).
func (cv *conversion) missingError(t target, opts compat.Options, mo *compat.MissingOptionError) error {
	fields := []string{mo.Field}
	if !t.IsFile() {
		for range 4 {
			switch fields[len(fields)-1] {
			case "api_id":
				opts.APIID = codec.Some[uint32](1)
			case "user_id":
				opts.UserID = codec.Some[int64](1)
			case "is_bot":
				opts.IsBot = codec.Some(false)
			case "test_mode":
				opts.TestMode = codec.Some(false)
			}
			res, _, err := cv.convert(t, opts)
			if res != nil {
				res.Session.Wipe()
			}
			var next *compat.MissingOptionError
			if !errors.As(err, &next) || slices.Contains(fields, next.Field) {
				break
			}
			fields = append(fields, next.Field)
		}
	}
	var flags []string
	for _, f := range fields {
		fl, ok := flagForField[f]
		if !ok {
			return failf("%s: %v", cv.src, mo)
		}
		flags = append(flags, fl)
	}
	return withHints(failf("%s: %s needs %s, which the source does not hold: pass %s",
		cv.src, t, strings.Join(fields, " and "), strings.Join(flags, " and ")),
		"values are never invented; the target library would refuse the session without them")
}

// printReport prints a conversion report on stderr: each dropped or
// defaulted field as a warning, supplied fields and notes as information.
func (c *cli) printReport(prefix string, rep *compat.Report, isFile bool) {
	if rep == nil {
		return
	}
	for _, ch := range rep.Changes {
		if ch.Kind == codec.Supplied {
			// Name this CLI's flag (compat's reason names its own).
			if fl, ok := suppliedBy[ch.Field]; ok {
				ch.Reason = "given with " + fl
			}
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

// prepare reads src into a conversion.
func (c *cli) prepare(src source, from codec.Format) (*conversion, error) {
	data, isSQLite, err := c.readText(src)
	if err != nil {
		return nil, err
	}
	if isSQLite {
		if from != codec.FormatUnknown {
			return nil, usageErrorf("%s: --from names a string format, but this is a .session file", src)
		}
		return &conversion{src: src, file: true}, nil
	}
	text := string(data)
	clear(data)
	if from != codec.FormatUnknown {
		// Decode here so that --from applies; compat then converts the
		// decoded session.
		s, err := codec.DecodeAs(from, text)
		if err != nil {
			return nil, decodeError(src, err)
		}
		return &conversion{src: src, sess: s}, nil
	}
	return &conversion{src: src, text: &text}, nil
}

func (cv *conversion) wipe() {
	if cv.sess != nil {
		cv.sess.Wipe()
	}
}

func (c *cli) convertOne(src source, o *convertOpts) error {
	if o.to.IsFile() && (o.out == "" || o.out == "-") {
		return withHints(usageErrorf("convert: --to %s writes a file: give --out FILE", o.to),
			"a .session file is binary and is never written to standard output")
	}
	if o.out != "" && o.out != "-" && src.path != "" && samePath(src.path, o.out) {
		return failf("convert: --out is the input file; refusing to overwrite it")
	}
	cv, err := c.prepare(src, o.from)
	if err != nil {
		return err
	}
	defer cv.wipe()
	return c.finish(cv, o, o.out)
}

// finish converts cv and writes the result to out.
func (c *cli) finish(cv *conversion, o *convertOpts, out string) error {
	if o.to.IsFile() {
		if out == "" || out == "-" {
			return withHints(usageErrorf("--to %s writes a file: give -o FILE", o.to),
				"a .session file is binary and is never written to standard output")
		}
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return failf("%s: is a directory", out)
		}
	}
	data, rep, err := cv.run(o, out)
	if err != nil {
		return err
	}
	c.printReport("", rep, o.to.IsFile())
	if data == nil {
		return nil
	}
	defer clear(data)
	c.secretToTerminal(out)
	return c.writeOutput(out, data, o.force)
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

// progressThreshold is the batch size above which a progress line is drawn
// on a terminal.
const progressThreshold = 300

func (c *cli) convertBatch(srcs []source, o *convertOpts) error {
	n := len(srcs)
	results := make([]*result, n)
	outs := make([]string, n)
	seen := make(map[string]int)
	for i, src := range srcs {
		outs[i] = batchOutPath(o.out, src, o.to)
		if j, dup := seen[outs[i]]; dup {
			results[i] = &result{Input: src.String(), err: failf("%s: output name %s is also used by %s", src, outs[i], srcs[j])}
			continue
		}
		seen[outs[i]] = i
		if src.path != "" && samePath(src.path, outs[i]) {
			results[i] = &result{Input: src.String(), err: failf("%s: the output would replace the input; refusing", src)}
		}
	}

	progress := n > progressThreshold && c.isTerminal(c.stderr)
	done, failed := 0, 0
	emit := func(i int, r *result) {
		done++
		if progress {
			fmt.Fprint(c.stderr, "\r\033[K")
		}
		if r.err != nil {
			failed++
			r.Error = scrub(r.err.Error())
			c.report(r.err)
		} else {
			c.printReport(srcs[i].String()+": ", &compat.Report{Changes: r.Changes, Notes: r.Notes}, false)
			c.infof("%s: written to %s", srcs[i], r.Output)
		}
		if o.asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintf(c.stdout, "%s\n", b)
		}
		if progress {
			fmt.Fprintf(c.stderr, "tgsession: %d/%d done, %d failed", done, n, failed)
		}
	}

	// Workers convert; this goroutine reports results in input order as
	// they become available.
	// ready[i]: results[i] may be read. Items that failed before
	// conversion are ready now; the others once a worker reports them.
	ready := make([]bool, n)
	for i := range results {
		ready[i] = results[i] != nil
	}
	pre := slices.Clone(ready)
	work := make(chan int)
	doneCh := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(o.jobs, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = c.convertItem(srcs[i], outs[i], o)
				doneCh <- i
			}
		}()
	}
	go func() {
		for i := range srcs {
			if !pre[i] {
				work <- i
			}
		}
		close(work)
		wg.Wait()
		close(doneCh)
	}()
	next := 0
	flush := func() {
		for next < n && ready[next] {
			emit(next, results[next])
			next++
		}
	}
	flush()
	for i := range doneCh {
		ready[i] = true
		flush()
	}
	if progress {
		fmt.Fprint(c.stderr, "\r\033[K")
	}
	c.infof("%d converted, %d failed", n-failed, failed)
	if failed > 0 {
		return errSilent
	}
	return nil
}

// convertItem converts one batch input; it never panics the batch.
func (c *cli) convertItem(src source, out string, o *convertOpts) (r *result) {
	r = &result{Input: src.String()}
	defer func() {
		if p := recover(); p != nil {
			r.err = failf("%s: internal error while converting (please report it)", src)
		}
	}()
	cv, err := c.prepare(src, o.from)
	if err != nil {
		r.err = err
		return r
	}
	defer cv.wipe()
	data, rep, err := cv.run(o, out)
	if err != nil {
		if !strings.Contains(err.Error(), src.String()) {
			err = prefixErr(src, err)
		}
		r.err = err
		return r
	}
	if data != nil {
		defer clear(data)
		if err := c.writeOutput(out, data, o.force); err != nil {
			r.err = prefixErr(src, err)
			return r
		}
	}
	r.OK, r.Output = true, out
	if rep != nil {
		r.Changes, r.Notes = rep.Changes, rep.Notes
	}
	return r
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
