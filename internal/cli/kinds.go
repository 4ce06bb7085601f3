package cli

// This file is the registry of the stored-session kinds the CLI reads and
// writes by name (--to, --from, --as, "tgsession formats"). A kind is read
// into model.Stored and written from it by model.Convert (target); string
// formats are decoded by codec, session databases read by model.ReadFile.
//
// Adding a kind is one new file in the library that reads and writes the
// stored-session model (for a session database: compat/<family>.go with its
// schema, reader and writer, and a Kind constant) plus one line here. The
// conversion pipeline (convertStored), the loss report, seal/open, exec and
// the batch engine then work for it unchanged.

import (
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
)

// storedKind is one name the CLI takes for a stored session.
type storedKind struct {
	name    string
	target  model.Target // what model.Convert produces for it
	library string       // who writes and reads it ("tgsession formats")
	holds   []string     // the fields it stores (inspect --json names), then what else it carries
}

// isFile reports whether the kind is a session database (written with -o
// FILE, never to standard output).
func (k storedKind) isFile() bool { return k.target.IsFile() }

// kinds is the registry: string formats first, then session databases, in
// the order "tgsession formats" and --to's list show them.
var kinds = []storedKind{
	{"telethon", model.Target{Format: codec.Telethon}, "Telethon", []string{"dc_id", "server_address", "port", "ipv6", "auth_key"}},
	{"pyrogram", model.Target{Format: codec.Pyrogram}, "Pyrogram 2.x and forks (kurigram, pyrofork, hydrogram, irenogram)", []string{"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot"}},
	{"pyrogram-legacy", model.Target{Format: codec.PyrogramLegacy}, "Pyrogram 1.x", []string{"dc_id", "test_mode", "auth_key", "user_id", "is_bot"}},
	{"gramjs", model.Target{Format: codec.GramJS}, "GramJS", []string{"dc_id", "server_address", "port", "ipv6", "auth_key"}},
	{"mtcute", model.Target{Format: codec.Mtcute}, "mtcute", []string{"dc_id", "server_address", "port", "ipv6", "test_mode", "media_dc", "auth_key", "user_id", "is_bot"}},
	{"gotd", model.Target{Format: codec.Gotd}, "gotd/td", []string{"dc_id", "server_address", "port", "test_mode", "auth_key"}},
	{"mtkruto", model.Target{Format: codec.Mtkruto}, "MTKruto", []string{"dc_id", "test_mode", "api_id", "user_id", "is_bot", "auth_key"}},
	{"telethon-sqlite", model.Target{Kind: model.TelethonSQLite}, "Telethon 1.x (schema 7)", []string{"dc_id", "server_address", "port", "auth_key", "entity cache", "update state"}},
	{"telethon-v2-sqlite", model.Target{Kind: model.TelethonV2SQLite}, "Telethon v2 (schema 10)", []string{"dc_id", "server_address", "port", "auth_key", "user_id", "is_bot", "update state"}},
	{"pyrogram-sqlite", model.Target{Kind: model.PyrogramSQLite}, "Pyrogram 2.x (schema 3)", []string{"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"}},
	{"pyrofork-sqlite", model.Target{Kind: model.PyroforkSQLite}, "pyrofork (schema 4)", []string{"dc_id", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"}},
	{"kurigram-sqlite", model.Target{Kind: model.KurigramSQLite}, "kurigram, irenogram (schema 7)", []string{"dc_id", "server_address", "port", "api_id", "test_mode", "auth_key", "user_id", "is_bot", "peer cache"}},
}

// lookupKind returns the registered kind named name.
func lookupKind(name string) (storedKind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return storedKind{}, false
}

// targetNames lists every --to name.
func targetNames() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// stringFormats lists the string formats (--from, --as), in registry order.
func stringFormats() []codec.Format {
	var out []codec.Format
	for _, k := range kinds {
		if !k.isFile() {
			out = append(out, k.target.Format)
		}
	}
	return out
}

// target is a --to kind: a string format or a session database kind.
type target = model.Target

// parseTarget parses a --to name.
func parseTarget(name string) (target, error) {
	k, ok := lookupKind(name)
	if !ok {
		return target{}, formatError(usageErrorf("unknown format (want one of %s)", strings.Join(targetNames(), ", ")), name, targetNames())
	}
	return k.target, nil
}
