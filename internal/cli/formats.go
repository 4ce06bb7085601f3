package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
)

// formatInfo describes one --to/--from/--as name.
type formatInfo struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // "string", "file", "directory" or "store"
	Library string   `json:"library"`
	Holds   []string `json:"holds"`
	// Flags lists the flags that take the name.
	Flags []string `json:"flags"`
}

// allFormats returns every format name the CLI takes, from the registry
// (kinds.go), string formats first, in the order of --to's list.
func allFormats() []formatInfo {
	var out []formatInfo
	for _, k := range kinds {
		fi := formatInfo{Name: k.name, Kind: "string", Library: k.library, Holds: k.holds, Flags: []string{"--to", "--from", "--as"}}
		if k.isFile() {
			fi.Kind, fi.Flags = "file", []string{"--to"}
		}
		out = append(out, fi)
	}
	dirFlags := []string{"--to", "--from"}
	out = append(out,
		formatInfo{Name: gramjsStoreKind, Kind: "directory", Library: "GramJS StoreSession", Flags: dirFlags,
			Holds: []string{"dc_id", "server_address", "port", "ipv6", "auth_key", "entity cache"}},
		formatInfo{Name: tdataKind, Kind: "directory", Library: "Telegram Desktop", Flags: dirFlags,
			Holds: []string{"dc_id", "user_id", "auth_key", "other DCs' keys", "accounts (1-6)", "local passcode"}})
	for _, k := range storeKinds {
		out = append(out, formatInfo{Name: k.name, Kind: "store", Library: k.library, Flags: []string{"--to", "--from", "list --from"},
			Holds: storeHolds(k)})
	}
	return out
}

// storeHolds names what a store kind holds, in inspect --json's names.
func storeHolds(k storeKind) []string {
	out := []string{"dc_id"}
	for _, f := range []struct {
		ok   bool
		name string
	}{
		{k.holds("server_address"), "server_address"}, {k.holds("port"), "port"}, {k.holds("api_id"), "api_id"},
		{k.holds("test_mode"), "test_mode"}, {true, "auth_key"}, {k.holds("user_id"), "user_id"}, {k.holds("is_bot"), "is_bot"},
		{k.holds("takeout_id"), "takeout_id"}, {k.holds("entities"), "entity cache"}, {k.holds("update_state"), "update state"},
	} {
		if f.ok {
			out = append(out, f.name)
		}
	}
	return out
}

var formatsCmd = &command{
	name:    "formats",
	summary: "list the formats for --to, --from and --as",
	help: `Usage: tgsession formats [--json]

Lists every format name that --to takes (convert, open, vault get), with its
kind: a string (printed, or written with -o FILE), a file (a .session
SQLite database, written with -o FILE), a directory (--out DIR) or a store
(--store-env VAR, --store-file FILE or --store URL, with --name NAME); the
library that uses it; and what it holds. String formats are also the names
--from and exec --as take; directory and store kinds are --from names too.

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
