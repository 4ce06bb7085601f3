package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
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

// flagForField maps a codec field name to the flag that supplies it.
var flagForField = map[string]string{
	"api_id":    "--api-id N",
	"user_id":   "--user-id N",
	"is_bot":    "--bot or --bot=false",
	"test_mode": "--test-mode or --test-mode=false",
}

type convertOpts struct {
	to     target
	from   codec.Format
	ov     overrides
	out    string
	force  bool
	asJSON bool
	jobs   int
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
	o := &convertOpts{to: tgt, from: f, ov: *ov, out: out, force: force, asJSON: *asJSON, jobs: *jobs}
	if len(srcs) == 1 && !isDir(out) {
		return c.convertOne(srcs[0], o)
	}
	if out == "" || out == "-" {
		return withHints(usageErrorf("convert: %d inputs need --out DIR", len(srcs)),
			"create the directory first; each input is written there under its own name")
	}
	if !isDir(out) {
		return failf("convert: --out %s: not a directory", out)
	}
	return c.convertBatch(srcs, o)
}

// target is a --to format: a string format or a .session file format.
type target struct {
	str  codec.Format
	file fileFormat
}

func (t target) String() string {
	if t.str != codec.FormatUnknown {
		return t.str.String()
	}
	return t.file.String()
}

func (t target) isFile() bool { return t.file != 0 }

func targetNames() []string {
	var names []string
	for _, f := range codec.Formats {
		names = append(names, f.String())
	}
	for _, f := range fileFormats {
		names = append(names, f.String())
	}
	return names
}

func parseTarget(name string) (target, error) {
	if f, err := codec.ParseFormat(name); err == nil {
		return target{str: f}, nil
	}
	if ff, ok := parseFileFormat(name); ok {
		return target{file: ff}, nil
	}
	return target{}, withHints(usageErrorf("unknown format (want one of %s)", strings.Join(targetNames(), ", ")))
}

// apply sets the values given on the command line and returns the
// changes this makes.
func (ov overrides) apply(s *codec.Session) []codec.Change {
	var ch []codec.Change
	note := func(field, value string, had bool) {
		c := codec.Change{Field: field, Kind: codec.Supplied, Value: value, Reason: "given on the command line"}
		if had {
			c.Reason = "given on the command line, replacing the session's value"
		}
		ch = append(ch, c)
	}
	if ov.set["api-id"] {
		old, had := s.APIID.Get()
		if !had || old != ov.apiID {
			note("api_id", strconv.FormatUint(uint64(ov.apiID), 10), had)
		}
		s.APIID = codec.Some(ov.apiID)
	}
	if ov.set["user-id"] {
		old, had := s.UserID.Get()
		if !had || old != ov.userID {
			note("user_id", strconv.FormatInt(ov.userID, 10), had)
		}
		s.UserID = codec.Some(ov.userID)
	}
	if ov.set["bot"] {
		old, had := s.IsBot.Get()
		if !had || old != ov.bot {
			note("is_bot", strconv.FormatBool(ov.bot), had)
		}
		s.IsBot = codec.Some(ov.bot)
	}
	if ov.set["test-mode"] {
		old, had := s.TestMode.Get()
		if !had || old != ov.testMode {
			note("test_mode", strconv.FormatBool(ov.testMode), had)
		}
		s.TestMode = codec.Some(ov.testMode)
	}
	return ch
}

// result is the outcome of converting one input.
type result struct {
	Input   string         `json:"input"`
	Output  string         `json:"output,omitempty"`
	OK      bool           `json:"ok"`
	Error   string         `json:"error,omitempty"`
	Changes []codec.Change `json:"changes,omitempty"`
	err     error
}

// encodeError explains an encoder failure, naming the flags that supply
// the missing values.
func encodeError(src source, s *codec.Session, t target, err error) error {
	var mf *codec.MissingFieldError
	var mo *compat.MissingOptionError
	var fields []string
	switch {
	case errors.As(err, &mo):
		fields = []string{mo.Field}
	case errors.As(err, &mf):
		fields = missingFields(s, t)
	default:
		return prefixErr(src, err)
	}
	var flags []string
	for _, f := range fields {
		fl, ok := flagForField[f]
		if !ok {
			return failf("%s: %s needs %s, which this %s session does not hold", src, t, strings.Join(fields, " and "), s.Source)
		}
		flags = append(flags, fl)
	}
	return withHints(failf("%s: %s needs %s, which this %s session does not hold: pass %s",
		src, t, strings.Join(fields, " and "), s.Source, strings.Join(flags, " and ")),
		"values are never invented; the target library would refuse the session without them")
}

// missingFields lists every field that encoding s as t is missing, not
// only the first one the encoder reports: it encodes a copy, filling each
// missing field with a placeholder, until the encoder stops asking. The
// placeholder output is discarded.
func missingFields(s *codec.Session, t target) []string {
	if t.isFile() {
		return nil
	}
	cp := s.Clone()
	defer cp.Wipe()
	var out []string
	for range 8 {
		_, err := cp.Encode(t.str)
		var mf *codec.MissingFieldError
		if !errors.As(err, &mf) {
			break
		}
		out = append(out, mf.Field)
		switch mf.Field {
		case "api_id":
			cp.APIID = codec.Some[uint32](1)
		case "user_id":
			cp.UserID = codec.Some[int64](1)
		case "is_bot":
			cp.IsBot = codec.Some(false)
		case "test_mode":
			cp.TestMode = codec.Some(false)
		default:
			return out
		}
	}
	return out
}

// convert converts one loaded input and returns the output bytes (for a
// string target) or writes the file (for a file target, to outPath), and
// the list of changes.
func (c *cli) convert(l *loaded, o *convertOpts, outPath string) ([]byte, []codec.Change, error) {
	s := l.sess
	changes := o.ov.apply(s)
	if !o.to.isFile() {
		text, err := s.Encode(o.to.str)
		if err != nil {
			return nil, nil, encodeError(l.src, s, o.to, err)
		}
		changes = append(changes, codec.Changes(s, o.to.str)...)
		return []byte(text + "\n"), changes, nil
	}
	fch, err := writeSessionFile(outPath, l, o.to.file, o.force)
	if err != nil {
		if errors.Is(err, codec.ErrMissingField) {
			return nil, nil, encodeError(l.src, s, o.to, err)
		}
		return nil, nil, fileError(err)
	}
	return nil, append(changes, fch...), nil
}

func (c *cli) printChanges(prefix string, changes []codec.Change) {
	for _, ch := range changes {
		if ch.Kind == codec.Supplied {
			c.infof("%s%s", prefix, ch)
		} else {
			c.warnf("%s%s", prefix, ch)
		}
	}
}

func (c *cli) convertOne(src source, o *convertOpts) error {
	if o.to.isFile() && (o.out == "" || o.out == "-") {
		return withHints(usageErrorf("convert: --to %s writes a file: give --out FILE", o.to),
			"a .session file is binary and is never written to standard output")
	}
	if o.out != "" && o.out != "-" && src.path != "" && samePath(src.path, o.out) {
		return failf("convert: --out is the input file; refusing to overwrite it")
	}
	l, err := c.load(src, o.from)
	if err != nil {
		return err
	}
	defer l.sess.Wipe()
	data, changes, err := c.convert(l, o, o.out)
	if err != nil {
		return err
	}
	c.printChanges("", changes)
	if !o.to.isFile() {
		c.secretToTerminal(o.out)
		defer clear(data)
		return c.writeOutput(o.out, data, o.force)
	}
	return nil
}

// batchOutPath names the output for src in dir.
func batchOutPath(dir string, src source, t target) string {
	name := "stdin"
	if src.path != "" {
		name = stem(src.path)
	}
	if t.isFile() {
		return filepath.Join(dir, name+".session")
	}
	return filepath.Join(dir, name+"."+t.str.String()+".txt")
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
			c.printChanges(srcs[i].String()+": ", r.Changes)
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
			if results[i] == nil {
				work <- i
			}
		}
		close(work)
		wg.Wait()
		close(doneCh)
	}()
	ready := make([]bool, n)
	for i := range results {
		ready[i] = results[i] != nil
	}
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
	l, err := c.load(src, o.from)
	if err != nil {
		r.err = err
		return r
	}
	defer l.sess.Wipe()
	data, changes, err := c.convert(l, o, out)
	if err != nil {
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
	r.OK, r.Output, r.Changes = true, out, changes
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
