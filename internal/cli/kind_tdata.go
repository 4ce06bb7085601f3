package cli

// This file wires Telegram Desktop tdata folders (package tdata) into the
// CLI: --from tdata DIR (convert, inspect, seal), --to tdata --out DIR
// (convert), --account N, the passcode from --passcode-env VAR,
// --passcode-file FILE or standard input (never an argument), and
// --tdesktop-version V.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/tdata"
)

const tdataKind = "tdata"

// tdataFlags are the flags of --from tdata and --to tdata.
type tdataFlags struct {
	account                   int
	passcodeEnv, passcodeFile string
	version                   string
}

func registerTdataFlags(fs *flag.FlagSet) *tdataFlags {
	t := &tdataFlags{}
	fs.IntVar(&t.account, "account", -1, "")
	fs.StringVar(&t.passcodeEnv, "passcode-env", "", "")
	fs.StringVar(&t.passcodeFile, "passcode-file", "", "")
	fs.StringVar(&t.version, "tdesktop-version", "", "")
	return t
}

// tdataFlagsGiven names a tdata flag that was given, or "".
func (x *extFlags) tdataFlagGiven() string {
	for _, n := range []string{"account", "passcode-env", "passcode-file", "tdesktop-version"} {
		if x.set[n] {
			return "--" + n
		}
	}
	return ""
}

// passcode returns the passcode from --passcode-env or --passcode-file, or
// nil when neither was given. The caller clears it.
func (c *cli) passcode(cmd string, x *extFlags) ([]byte, error) {
	t := x.tdata
	switch {
	case x.set["passcode-env"] && x.set["passcode-file"]:
		return nil, usageErrorf("%s: --passcode-env and --passcode-file cannot be used together", cmd)
	case x.set["passcode-env"]:
		v := c.getenv(t.passcodeEnv)
		if v == "" {
			return nil, failf("%s: $%s is not set or empty", cmd, t.passcodeEnv)
		}
		return []byte(v), nil
	case x.set["passcode-file"]:
		f, err := openInput(t.passcodeFile)
		if err != nil {
			return nil, openError(t.passcodeFile, err)
		}
		b, err := readCapped(f, 4096)
		f.Close()
		if err != nil {
			clear(b)
			return nil, failf("%s: %s: cannot read the passcode", cmd, t.passcodeFile)
		}
		return trimLine(b), nil
	}
	return nil, nil
}

// trimLine removes one trailing newline (LF or CRLF).
func trimLine(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// stdinPasscode reads the passcode from standard input: hidden on a
// terminal, else its first line.
func (c *cli) stdinPasscode(dir string) ([]byte, error) {
	c.stdinRead = true
	if f, ok := c.stdin.(*os.File); ok && c.isTerminal(f) {
		return c.readHidden(f, "local passcode of "+escapeControls(dir)+" (input is hidden)")
	}
	b, err := readCapped(c.stdin, 4096)
	if err != nil && !errors.Is(err, io.EOF) {
		clear(b)
		return nil, failf("standard input: cannot read the passcode")
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		clear(b[i:])
		b = b[:i]
	}
	return bytes.TrimSuffix(b, []byte("\r")), nil
}

// readFolder reads the tdata folder dir with the passcode from the flags,
// or, when none was given and the folder has one, from standard input.
func (c *cli) readFolder(cmd, dir string, x *extFlags) (*tdata.Folder, error) {
	pass, err := c.passcode(cmd, x)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	f, err := tdata.Read(dir, pass)
	if errors.Is(err, tdata.ErrWrongPasscode) && pass == nil {
		if pass, err = c.stdinPasscode(dir); err != nil {
			return nil, err
		}
		defer clear(pass)
		f, err = tdata.Read(dir, pass)
	}
	if err != nil {
		return nil, tdataError(dir, err)
	}
	return f, nil
}

func tdataError(dir string, err error) error {
	var fe *tdata.FileError
	msg := failf("%s: %v", escapeControls(dir), err)
	if errors.As(err, &fe) {
		msg = failf("%v", err) // it names the file
	}
	if errors.Is(err, tdata.ErrWrongPasscode) {
		return withHints(msg, "the local passcode comes from --passcode-env VAR, --passcode-file FILE or standard input")
	}
	return msg
}

// pickAccount returns the account --account names, else the active one,
// else the first with a session.
func pickAccount(f *tdata.Folder, want int) (*tdata.Account, error) {
	if want >= 0 {
		return f.Account(want)
	}
	if f.Active >= 0 {
		if a, err := f.Account(f.Active); err == nil {
			return a, nil
		}
	}
	var first error
	for _, a := range f.Accounts {
		acc, err := f.Account(a.Index)
		if err == nil {
			return acc, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = tdata.ErrNoAccounts
	}
	return nil, first
}

// tdataInputs resolves --from tdata; ok is false for any other kind.
func (c *cli) tdataInputs(cmd string, x *extFlags, from *string, in string, pos []string) ([]source, bool, error) {
	if *from != tdataKind {
		if fl := x.tdataFlagGiven(); fl != "" && fl != "--tdesktop-version" && fl != "--passcode-env" && fl != "--passcode-file" {
			return nil, true, usageErrorf("%s: %s applies to --from tdata", cmd, fl)
		}
		return nil, false, nil
	}
	dirs := pos
	if in != "" {
		dirs = append(dirs, in)
	}
	if len(dirs) != 1 {
		return nil, true, withHints(usageErrorf("%s: --from tdata reads one folder: give its path", cmd),
			"Telegram Desktop keeps it in ~/.local/share/TelegramDesktop/tdata (Linux), %APPDATA%\\Telegram Desktop\\tdata (Windows)")
	}
	dir := dirs[0]
	*from = ""
	want := x.tdata.account
	if x.set["account"] && want < 0 {
		return nil, true, usageErrorf("%s: --account takes an account index (0 to 5)", cmd)
	}
	return []source{{ext: &extSource{
		label: escapeControls(dir),
		read: func(c *cli, full bool) (*model.Stored, *fileMeta, error) {
			f, err := c.readFolder(cmd, dir, x)
			if err != nil {
				return nil, nil, err
			}
			defer f.Wipe()
			a, err := pickAccount(f, want)
			if err != nil {
				return nil, nil, tdataError(dir, err)
			}
			main, ok := a.Main()
			if !ok {
				return nil, nil, tdataError(dir, &tdata.SlotError{Index: a.Index})
			}
			s := &codec.Session{Key: main.Key.Clone()}
			s.DC = main.DC
			if a.UserID != 0 {
				s.UserID = codec.Some(a.UserID)
			}
			if a.ConfigRead {
				s.TestMode = codec.Some(a.Test)
			}
			st := &model.Stored{Library: tdataKind, Session: s, Notes: append([]string(nil), f.Warnings...)}
			if n := len(f.Accounts); n > 1 {
				st.Notes = append(st.Notes, fmt.Sprintf("account %d of %d read (choose another with --account N)", a.Index, n))
			}
			var dropped []string
			for _, k := range a.Keys {
				if k.DC != main.DC {
					dropped = append(dropped, fmt.Sprintf("DC %d (auth_key_id %s)", k.DC, k.Key.ID()))
				}
			}
			if len(dropped) > 0 {
				st.Notes = append(st.Notes, "keys of other DCs dropped (a session holds the main DC's key only): "+strings.Join(dropped, ", "))
			}
			return st, &fileMeta{Format: tdataKind, Library: "Telegram Desktop", SchemaVersion: int(f.Version), Warnings: st.Notes}, nil
		},
	}}}, true, nil
}

// parseExtTarget parses --to: a registered kind, a store kind (written by
// convertToStore; the source is then read in full, as for a file), or tdata.
func (c *cli) parseExtTarget(name string, x *extFlags) (target, error) {
	if _, ok := lookupStoreKind(name); ok {
		return target{Kind: model.TelethonSQLite}, nil
	}
	if name == tdataKind {
		return target{Format: codec.Telethon}, nil
	}
	if name == gramjsStoreKind {
		return target{Kind: model.TelethonSQLite}, nil
	}
	t, err := parseTarget(name)
	if err != nil {
		all := allTargetNames()
		return target{}, formatError(usageErrorf("unknown format (want one of %s)", strings.Join(all, ", ")), name, all)
	}
	return t, nil
}

// allTargetNames lists every --to name: the registry's, then the
// directories and the stores.
func allTargetNames() []string {
	return append(append(targetNames(), gramjsStoreKind, tdataKind), storeKindNames()...)
}

// parseTDesktopVersion parses --tdesktop-version: "4.6.5" or 4006005.
func parseTDesktopVersion(v string) (uint32, error) {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil && n > 0 {
		return uint32(n), nil
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, errors.New("want a version such as 4.6.5 or 4006005")
	}
	var n uint64
	for i := 0; i < 3; i++ {
		p := uint64(0)
		if i < len(parts) {
			x, err := strconv.ParseUint(parts[i], 10, 16)
			if err != nil || x > 999 {
				return 0, errors.New("want a version such as 4.6.5 or 4006005")
			}
			p = x
		}
		n = n*1000 + p
	}
	return uint32(n), nil
}

// convertToExt is convert --to tdata; done is false for any other target.
func (c *cli) convertToExt(cmd string, x *extFlags, to string, srcs []source, o *convertOpts) (bool, error) {
	if to == gramjsStoreKind {
		return true, c.convertToStoreSession(cmd, x, srcs, o)
	}
	if to != tdataKind {
		if x.set["tdesktop-version"] {
			return true, usageErrorf("%s: --tdesktop-version applies to --to tdata", cmd)
		}
		if (x.set["passcode-env"] || x.set["passcode-file"]) && !(len(srcs) == 1 && srcs[0].ext != nil) {
			return true, usageErrorf("%s: --passcode-env and --passcode-file apply to --from tdata and --to tdata", cmd)
		}
		return false, nil
	}
	if o.out == "" || o.out == "-" {
		return true, withHints(usageErrorf("%s: --to tdata writes a folder: give --out DIR", cmd),
			"Telegram Desktop reads it from its data directory; write a new folder and point it there")
	}
	var opts tdata.WriteOptions
	opts.Force = o.force
	if x.set["tdesktop-version"] {
		v, err := parseTDesktopVersion(x.tdata.version)
		if err != nil {
			return true, usageErrorf("%s: --tdesktop-version: %v", cmd, err)
		}
		opts.Version = v
	}
	if len(srcs) == 1 && srcs[0].ext != nil && (x.set["passcode-env"] || x.set["passcode-file"]) {
		return true, usageErrorf("%s: from tdata to tdata, --passcode-env/--passcode-file would name both passcodes: convert through a .session file", cmd)
	}
	pass, err := c.passcode(cmd, x)
	if err != nil {
		return true, err
	}
	defer clear(pass)
	opts.Passcode = pass
	var accounts []tdata.Account
	defer func() {
		for _, a := range accounts {
			for _, k := range a.Keys {
				k.Key.Wipe()
			}
		}
	}()
	for i, src := range srcs {
		cv, err := c.prepare(src, o)
		if err != nil {
			return true, err
		}
		s := cv.in.Session
		a := tdata.Account{Index: i, MainDC: s.DC, Keys: []tdata.DCKey{{DC: s.DC, Key: s.Key.Clone()}}}
		a.UserID, _ = s.UserID.Get()
		if o.ov.set["user-id"] {
			if a.UserID != 0 && a.UserID != o.ov.userID {
				cv.wipe()
				return true, withHints(failf("%s: --user-id %d contradicts the source's user_id %d: option contradicts the source", src, o.ov.userID, a.UserID),
					"a value the session holds is never replaced; drop the flag")
			}
			a.UserID = o.ov.userID
		}
		rep := &model.Report{Source: src.String(), From: cv.in.Library, To: tdataKind, EntitiesRead: len(cv.in.Entities)}
		drop := func(field, value string) {
			rep.Changes = append(rep.Changes, model.Change{Field: field, Kind: model.Dropped, Value: value, Reason: "not stored in a tdata folder"})
		}
		if s.ServerAddress != "" {
			drop("server_address", s.ServerAddress)
		}
		if s.Port != 0 {
			drop("port", strconv.Itoa(int(s.Port)))
		}
		if s.APIID.Known() {
			drop("api_id", optString(s.APIID))
		}
		if s.IsBot.Known() {
			drop("is_bot", optString(s.IsBot))
		}
		if len(cv.in.Entities) > 0 {
			drop("entities", fmt.Sprintf("%d entities", len(cv.in.Entities)))
		}
		if cv.in.UpdateState != nil {
			drop("update_state", "")
		}
		if s.TestMode.Or(false) {
			cv.wipe()
			return true, failf("%s: a test-DC session cannot be written to tdata (Telegram Desktop would log in on production)", src)
		}
		if a.UserID == 0 {
			rep.Notes = append(rep.Notes, "the session holds no user id: Telegram Desktop learns it when it connects (give --user-id N to write it)")
		}
		c.printReport(fmt.Sprintf("%s: ", src), rep, true)
		accounts = append(accounts, a)
		cv.wipe()
	}
	if err := tdata.Write(o.out, accounts, opts); err != nil {
		if errors.Is(err, tdata.ErrExists) {
			return true, withHints(failf("%s: %v", escapeControls(o.out), err), "give --force to replace it (its other files are left in place)")
		}
		return true, tdataError(o.out, err)
	}
	c.notef("%d account(s) written to %s", len(accounts), escapeControls(o.out))
	return true, nil
}

// tdataAccountJSON is inspect --json for one account of a tdata folder:
// the ten keys of every inspect object, then the account's own.
type tdataAccountJSON struct {
	Format        string                `json:"format"`
	DCID          *int                  `json:"dc_id"`
	ServerAddress *string               `json:"server_address"`
	Port          *uint16               `json:"port"`
	IPv6          *bool                 `json:"ipv6"`
	TestMode      codec.Optional[bool]  `json:"test_mode"`
	APIID         *uint32               `json:"api_id"`
	UserID        codec.Optional[int64] `json:"user_id"`
	IsBot         *bool                 `json:"is_bot"`
	AuthKeyID     *string               `json:"auth_key_id"`

	Library       string         `json:"library"`
	File          string         `json:"file"`
	Account       int            `json:"account"`
	Active        bool           `json:"active"`
	Keys          []tdataKeyJSON `json:"keys"`
	KeysToDestroy int            `json:"keys_to_destroy"`
	TDFVersion    uint32         `json:"tdf_version"`
	Passcode      bool           `json:"passcode"`
	Warnings      []string       `json:"warnings,omitempty"`
}

type tdataKeyJSON struct {
	DCID      int    `json:"dc_id"`
	AuthKeyID string `json:"auth_key_id"`
}

// inspectTdata is inspect --from tdata: every account of the folder.
func (c *cli) inspectTdata(x *extFlags, from, in string, pos []string, asJSON bool) (bool, error) {
	if from != tdataKind {
		return false, nil
	}
	dirs := pos
	if in != "" {
		dirs = append(dirs, in)
	}
	if len(dirs) != 1 {
		return true, usageErrorf("inspect: --from tdata reads one folder: give its path")
	}
	dir := dirs[0]
	f, err := c.readFolder("inspect", dir, x)
	if err != nil {
		return true, err
	}
	defer f.Wipe()
	for i, acc := range f.Accounts {
		j := tdataAccountJSON{Format: tdataKind, Library: "Telegram Desktop", File: dir, Account: acc.Index,
			Active: acc.Index == f.Active, KeysToDestroy: acc.KeysToDestroy, TDFVersion: f.Version, Passcode: f.Passcode, Keys: []tdataKeyJSON{}}
		if i == 0 {
			j.Warnings = f.Warnings
		}
		if acc.UserID != 0 {
			j.UserID = codec.Some(acc.UserID)
		}
		if acc.ConfigRead {
			j.TestMode = codec.Some(acc.Test)
		}
		if acc.MainDC != 0 {
			dc := acc.MainDC
			j.DCID = &dc
		}
		for _, k := range acc.Keys {
			id := k.Key.ID().String()
			j.Keys = append(j.Keys, tdataKeyJSON{k.DC, id})
			if k.DC == acc.MainDC {
				j.AuthKeyID = &id
			}
		}
		if asJSON {
			if err := writeJSONLine(c.stdout, j); err != nil {
				return true, err
			}
			continue
		}
		w := c.stdout
		row := func(k, v string) { fmt.Fprintf(w, "%-15s %s\n", k+":", escapeControls(v)) }
		if i > 0 {
			fmt.Fprintln(w)
		}
		head := fmt.Sprintf("account %d", acc.Index)
		if j.Active {
			head += " (active)"
		}
		fmt.Fprintln(w, head+":")
		row("format", tdataKind)
		row("tdf_version", strconv.FormatUint(uint64(f.Version), 10))
		row("passcode", strconv.FormatBool(f.Passcode))
		row("dc_id", strconv.Itoa(acc.MainDC))
		row("test_mode", optString(j.TestMode))
		row("user_id", optString(j.UserID))
		id := "none (a slot without a session)"
		if j.AuthKeyID != nil {
			id = *j.AuthKeyID
		}
		row("auth_key_id", id)
		for _, k := range j.Keys {
			row("key", fmt.Sprintf("dc %d auth_key_id %s", k.DCID, k.AuthKeyID))
		}
		row("keys_to_destroy", strconv.Itoa(acc.KeysToDestroy))
		for _, warn := range j.Warnings {
			row("warning", warn)
		}
	}
	return true, nil
}
