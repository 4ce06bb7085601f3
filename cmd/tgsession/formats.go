package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// formatInfo describes one --to/--from/--as name.
type formatInfo struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // "string" or "file"
	Library string   `json:"library"`
	Holds   []string `json:"holds"`
	// Flags lists the flags that take the name.
	Flags []string `json:"flags"`
}

// formatHolds lists, per name, the session fields the format stores (the
// field names of inspect --json), then what else it carries.
var formatHolds = map[string][]string{
	"telethon":           {"dc_id", "server_address", "port", "ipv6", "auth_key"},
	"pyrogram":           {"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot"},
	"pyrogram-legacy":    {"dc_id", "test_mode", "auth_key", "user_id", "is_bot"},
	"gramjs":             {"dc_id", "server_address", "port", "ipv6", "auth_key"},
	"mtcute":             {"dc_id", "server_address", "port", "ipv6", "test_mode", "media_dc", "auth_key", "user_id", "is_bot"},
	"gotd":               {"dc_id", "server_address", "port", "test_mode", "auth_key"},
	"telethon-sqlite":    {"dc_id", "server_address", "port", "auth_key", "entity cache", "update state"},
	"telethon-v2-sqlite": {"dc_id", "server_address", "port", "auth_key", "user_id", "is_bot", "update state"},
	"pyrogram-sqlite":    {"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"},
	"pyrofork-sqlite":    {"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"},
	"kurigram-sqlite":    {"dc_id", "server_address", "port", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"},
}

var fileLibraries = map[compat.FileKind]string{
	compat.TelethonSQLite:   "Telethon 1.x (schema 7)",
	compat.TelethonV2SQLite: "Telethon v2 (schema 10)",
	compat.PyrogramSQLite:   "Pyrogram 2.x (schema 3)",
	compat.PyroforkSQLite:   "pyrofork (schema 4)",
	compat.KurigramSQLite:   "kurigram, irenogram (schema 7)",
}

// allFormats returns every format name the CLI takes, string formats
// first, in the order of --to's list.
func allFormats() []formatInfo {
	var out []formatInfo
	for _, f := range codec.Formats() {
		lib := f.Library()
		if f == codec.Pyrogram {
			lib = "Pyrogram 2.x and forks (kurigram, pyrofork, hydrogram, irenogram)"
		}
		out = append(out, formatInfo{Name: f.String(), Kind: "string", Library: lib,
			Holds: formatHolds[f.String()], Flags: []string{"--to", "--from", "--as"}})
	}
	for _, k := range compat.FileKinds {
		out = append(out, formatInfo{Name: k.String(), Kind: "file", Library: fileLibraries[k],
			Holds: formatHolds[k.String()], Flags: []string{"--to"}})
	}
	return out
}

var formatsCmd = &command{
	name:    "formats",
	summary: "list the formats for --to, --from and --as",
	help: `Usage: tgsession formats [--json]

Lists every format name that --to takes (convert, open, vault get), with its
kind: a string (printed, or written with -o FILE) or a file (a .session
SQLite database, written with -o FILE); the library that uses it; and what
it holds. String formats are also the names --from and exec --as take.

Flags:
    --json    print one JSON object per format (keys: name, kind, library,
              holds, flags)
`,
	run: func(c *cli, cmd *command, args []string) error {
		fs := newFlagSet(cmd)
		asJSON := fs.Bool("json", false, "")
		pos, err := c.parseFlags(cmd, fs, args, true)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usageErrorf("formats: takes no arguments")
		}
		if *asJSON {
			for _, f := range allFormats() {
				b, _ := json.Marshal(f)
				fmt.Fprintf(c.stdout, "%s\n", b)
			}
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tLIBRARY\tHOLDS")
		for _, f := range allFormats() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Kind, f.Library, strings.Join(f.Holds, ", "))
		}
		return tw.Flush()
	},
}
