package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/tgsession/tgsession/codec"
)

var inspectCmd = &command{
	name:    "inspect",
	summary: "show what a session holds, without its key",
	help: `Usage: tgsession inspect [--json] [--from FORMAT] [--in FILE | FILE...]

Shows a session's format, likely library, DC, address, port, IPv6 and test
flags, API id, user id, bot flag and auth_key_id (a public fingerprint of
the key: SHA-1(key)[12:20] in hex). Never the key itself.

The session is read from standard input, from --in FILE, or from the FILEs,
which may be string sessions or .session (SQLite) files; for files it also
shows the library, schema version and entity count.

Flags:
    --json          print one JSON object per input (keys: format, dc_id,
                    server_address, port, ipv6, test_mode, api_id, user_id,
                    is_bot, auth_key_id, then library and more); unknown
                    values are null
    --from FORMAT   decode as FORMAT, skipping detection (for ambiguous text)
    --in FILE       read the session from FILE
    --dc N          for a .session file holding keys for several DCs,
                    show the one for DC N (refused for strings)

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
    tgsession inspect < session.txt
    printenv TELETHON_SESSION | tgsession inspect --json
    tgsession inspect account.session
`,
	run: runInspect,
}

func runInspect(c *cli, cmd *command, args []string) error {
	fs := newFlagSet(cmd)
	asJSON := fs.Bool("json", false, "")
	from := fs.String("from", "", "")
	in := fs.String("in", "", "")
	dc := fs.Int("dc", 0, "")
	x := registerStoreFlags(fs)
	pos, err := c.parseFlags(cmd, fs, args, true)
	if err != nil {
		return err
	}
	x.set, x.dc = flagsSet(fs), *dc
	if done, err := c.inspectTdata(x, *from, *in, pos, *asJSON); done {
		return err
	}
	xsrcs, err := c.extInputs(cmd.name, x, from, "", *in, pos)
	if err != nil {
		return err
	}
	f, err := parseFromFlag(cmd.name, *from)
	if err != nil {
		return err
	}
	srcs, err := sources(cmd.name, *in, pos)
	if xsrcs != nil {
		srcs, err, *dc = xsrcs, nil, 0
	}
	if err != nil {
		return err
	}
	failed := 0
	for i, src := range srcs {
		l, err := c.loadDC(src, f, *dc)
		if err != nil {
			if len(srcs) == 1 {
				return err
			}
			c.report(err)
			failed++
			continue
		}
		if *asJSON {
			err = writeInspectJSON(c.stdout, l, len(srcs) > 1)
		} else {
			if len(srcs) > 1 {
				if i > 0 {
					fmt.Fprintln(c.stdout)
				}
				fmt.Fprintf(c.stdout, "%s:\n", escapeControls(src.String()))
			}
			writeInspectText(c.stdout, l)
		}
		l.sess.Wipe()
		if err != nil {
			return err
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

// inspectJSON is the --json object. The first ten fields are the
// contract, in this order; more may follow.
type inspectJSON struct {
	Format        string                 `json:"format"`
	DCID          *int                   `json:"dc_id"`
	ServerAddress *string                `json:"server_address"`
	Port          *uint16                `json:"port"`
	IPv6          codec.Optional[bool]   `json:"ipv6"`
	TestMode      codec.Optional[bool]   `json:"test_mode"`
	APIID         codec.Optional[uint32] `json:"api_id"`
	UserID        codec.Optional[int64]  `json:"user_id"`
	IsBot         codec.Optional[bool]   `json:"is_bot"`
	AuthKeyID     *string                `json:"auth_key_id"`

	Library       string     `json:"library"`
	Layout        string     `json:"layout,omitempty"`
	MediaDC       *mediaJSON `json:"media_dc,omitempty"`
	File          string     `json:"file,omitempty"`
	FileFormat    string     `json:"file_format,omitempty"`
	SchemaVersion *int       `json:"schema_version,omitempty"`
	Entities      *int       `json:"entities,omitempty"`
	Warnings      []string   `json:"warnings,omitempty"`
}

type mediaJSON struct {
	DCID          int     `json:"dc_id"`
	ServerAddress *string `json:"server_address"`
	Port          *uint16 `json:"port"`
	IPv6          bool    `json:"ipv6"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func portOrNil(p uint16) *uint16 {
	if p == 0 {
		return nil
	}
	return &p
}

func newInspectJSON(l *loaded, withFile bool) *inspectJSON {
	s := l.sess
	j := &inspectJSON{
		Format:        s.Source.String(),
		ServerAddress: strOrNil(s.ServerAddress),
		Port:          portOrNil(s.Port),
		IPv6:          s.IPv6,
		TestMode:      s.TestMode,
		APIID:         s.APIID,
		UserID:        s.UserID,
		IsBot:         s.IsBot,
		Library:       s.Source.Library(),
		Layout:        s.Layout,
	}
	if s.DC != 0 {
		dc := s.DC
		j.DCID = &dc
	}
	if s.Key.IsSet() {
		id := s.AuthKeyID().String()
		j.AuthKeyID = &id
	}
	if m := s.Media; m != nil {
		j.MediaDC = &mediaJSON{DCID: m.ID, ServerAddress: strOrNil(m.ServerAddress), Port: portOrNil(m.Port), IPv6: m.IPv6}
	}
	if withFile && l.src.path != "" {
		j.File = l.src.path
	}
	if fm := l.file; fm != nil {
		j.Format = fm.Format
		j.FileFormat = fm.Format
		j.Library = fm.Library
		j.File = l.src.path
		v, n := fm.SchemaVersion, fm.Entities
		j.SchemaVersion, j.Entities = &v, &n
		j.Warnings = fm.Warnings
	}
	return j
}

func writeInspectJSON(w io.Writer, l *loaded, withFile bool) error {
	return writeJSONLine(w, newInspectJSON(l, withFile))
}

func optString[T comparable](o codec.Optional[T]) string {
	if v, ok := o.Get(); ok {
		return fmt.Sprint(v)
	}
	return "unknown"
}

func writeInspectText(w io.Writer, l *loaded) {
	s := l.sess
	// Values can come from an untrusted file (an address, a warning
	// naming a table): escaped like every message.
	row := func(k, v string) { fmt.Fprintf(w, "%-15s %s\n", k+":", escapeControls(v)) }
	format := s.Source.String()
	if s.Layout != "" {
		format += " (" + s.Layout + ")"
	}
	if fm := l.file; fm != nil {
		row("format", fm.Format)
		row("library", fm.Library)
		if fm.SchemaVersion != 0 { // a store or directory has none
			row("schema version", strconv.Itoa(fm.SchemaVersion))
		}
		row("entities", strconv.Itoa(fm.Entities))
	} else {
		row("format", format)
		row("library", s.Source.Library())
	}
	row("dc_id", strconv.Itoa(s.DC))
	addr := s.ServerAddress
	if addr == "" {
		addr = "unknown"
	}
	row("server_address", addr)
	port := "unknown"
	if s.Port != 0 {
		port = strconv.Itoa(int(s.Port))
	}
	row("port", port)
	row("ipv6", optString(s.IPv6))
	row("test_mode", optString(s.TestMode))
	row("api_id", optString(s.APIID))
	row("user_id", optString(s.UserID))
	row("is_bot", optString(s.IsBot))
	if m := s.Media; m != nil {
		maddr := m.ServerAddress
		if maddr == "" {
			maddr = "unknown"
		}
		row("media_dc", fmt.Sprintf("%d %s port %d", m.ID, maddr, m.Port))
	}
	id := "none"
	if s.Key.IsSet() {
		id = s.AuthKeyID().String()
	}
	row("auth_key_id", id)
	if l.file != nil {
		for _, warn := range l.file.Warnings {
			row("warning", warn)
		}
	}
}
