package fuzz_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"

	"github.com/tgsession/tgsession/codec"
)

// TestWriteSeeds regenerates the seed corpora in testdata/fuzz/<Target>/
// from the project's vectors (the SQLite target's are made by the test of
// the same name in ./sqlite). It runs only when TGSESSION_WRITE_SEEDS=1:
//
//	TGSESSION_WRITE_SEEDS=1 go test ./fuzz -run '^TestWriteSeeds$'
//
// Sources (each optional; missing directories are skipped):
//   - $TGSESSION_VECTORS, default ../../shared/vectors (docs/formats.md's vectors);
//   - ../testdata/vectors, ../codec/testdata, ../interop/testdata: every
//     string under an "input", "output", "text", "string" or "session" key
//     of a JSON file, every JSON object with "Version" and "Data" (gotd), and
//     the payload of self-describing vector files (header, blank line,
//     payload);
//   - sealed values, identities and vault entries made here with the fixed
//     test identity of vault_test.go (see writeVaultSeeds).
//
// Generated files are named "seed-…"; other files in the corpus directories
// (crashers found by `go test -fuzz`, which Go names by hash) are kept. The
// targets never read the sources at fuzz time, only the committed files.
func TestWriteSeeds(t *testing.T) {
	if os.Getenv("TGSESSION_WRITE_SEEDS") != "1" {
		t.Skip("set TGSESSION_WRITE_SEEDS=1 to regenerate the seed corpora")
	}
	corpus := map[string][]seed{}

	strs := collectSessionStrings(t)
	if len(strs) == 0 {
		t.Fatal("no session strings found in any vector source")
	}
	for target, seeds := range stringCorpora(stringSeeds(strs)) {
		corpus[target] = seeds
	}
	for target, seeds := range vaultSeeds(t) {
		corpus[target] = append(corpus[target], seeds...)
	}

	for target, seeds := range corpus {
		writeCorpus(t, target, seeds)
	}
}

// formatTargets maps each per-format target to its format.
var formatTargets = map[string]codec.Format{
	"FuzzParseTelethon": codec.Telethon, "FuzzParsePyrogram": codec.Pyrogram,
	"FuzzParsePyrogramLegacy": codec.PyrogramLegacy, "FuzzParseGramJS": codec.GramJS,
	"FuzzParseMtcute": codec.Mtcute, "FuzzParseGotd": codec.Gotd,
	"FuzzParseMtkruto": codec.Mtkruto,
}

// stringCorpora distributes the string seeds: FuzzDecode gets every one;
// FuzzDifferential the ones at least one decoder accepts (the neighbours of
// the texts two decoders might accept); FuzzConvert the ones Decode
// accepts; each
// per-format target the ones its decoder accepts, the ones whose name names
// its library (the probes made for it, which it mostly refuses), its
// framing variants, and the first accepted text of every other format.
func stringCorpora(all []seed) map[string][]seed {
	out := map[string][]seed{"FuzzDecode": all}
	firstOf := map[codec.Format]seed{}
	for _, sd := range all {
		text := sd.value.(string)
		if s, err := codec.Decode(text); err == nil {
			out["FuzzConvert"] = append(out["FuzzConvert"], sd)
			if _, ok := firstOf[s.Source]; !ok {
				firstOf[s.Source] = sd
			}
			s.Wipe()
		}
		for _, f := range codec.Formats() {
			if s, err := codec.DecodeAs(f, text); err == nil {
				s.Wipe()
				out["FuzzDifferential"] = append(out["FuzzDifferential"], sd)
				break
			}
		}
	}
	for target, f := range formatTargets {
		lib := strings.ToLower(strings.Fields(f.Library())[0])
		for _, sd := range all {
			text := sd.value.(string)
			accepted := false
			if s, err := codec.DecodeAs(f, text); err == nil {
				accepted = true
				s.Wipe()
			}
			name := strings.ToLower(sd.name)
			if accepted || strings.Contains(name, f.String()) || strings.Contains(name, lib) || len(text) < 8 {
				out[target] = append(out[target], sd)
			}
		}
		for g, sd := range firstOf {
			if g != f {
				out[target] = append(out[target], sd)
			}
		}
	}
	return out
}

// seed is one corpus entry: a string or a []byte value, or a []any of
// them for a target with several arguments.
type seed struct {
	name  string
	value any
}

// writeCorpus replaces the seed-* files of target's corpus directory
// (see fuzzcheck.WriteCorpus).
func writeCorpus(t *testing.T, target string, seeds []seed) {
	out := make([]fc.Seed, len(seeds))
	for i, s := range seeds {
		out[i] = fc.Seed{Name: s.name, Value: s.value}
	}
	fc.WriteCorpus(t, target, out)
}

// vectorDirs lists the directories searched for string vectors.
func vectorDirs() []string {
	shared := os.Getenv("TGSESSION_VECTORS")
	if shared == "" {
		shared = filepath.Join("..", "..", "shared", "vectors")
	}
	return []string{
		shared,
		filepath.Join("..", "testdata", "vectors"),
		filepath.Join("..", "codec", "testdata"),
		filepath.Join("..", "interop", "testdata"),
	}
}

type namedString struct{ name, value string }

// collectSessionStrings walks the vector directories.
func collectSessionStrings(t *testing.T) []namedString {
	var out []namedString
	for _, dir := range vectorDirs() {
		if _, err := os.Stat(dir); err != nil {
			t.Logf("skipping %s: %v", dir, err)
			continue
		}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			base := strings.TrimSuffix(d.Name(), filepath.Ext(d.Name()))
			switch filepath.Ext(p) {
			case ".json":
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Logf("skipping %s: %v", p, err)
					return nil
				}
				walkJSON(v, base, &out)
			case ".txt", ".vec", ".vector":
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				text := string(b)
				if i := strings.Index(text, "\n\n"); i >= 0 {
					out = append(out, namedString{base, text[i+2:]}, namedString{base + "-trimmed", strings.TrimSpace(text[i+2:])})
				} else {
					out = append(out, namedString{base, strings.TrimSpace(text)})
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var stringKeys = map[string]bool{"input": true, "output": true, "text": true, "string": true, "session": true}

func walkJSON(v any, name string, out *[]namedString) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["Version"]; ok {
			if _, ok := x["Data"]; ok {
				compact, _ := json.Marshal(x)
				indented, _ := json.MarshalIndent(x, "", "  ")
				*out = append(*out, namedString{name + "-gotd", string(compact)}, namedString{name + "-gotd-indented", string(indented)})
			}
		}
		label := name
		for _, k := range []string{"name", "label"} {
			if s, ok := x[k].(string); ok {
				label = name + "-" + s
				break
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := x[k].(string); ok && stringKeys[k] {
				*out = append(*out, namedString{label + "-" + k, s})
				continue
			}
			walkJSON(x[k], label, out)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, name, out)
		}
	}
}

// stringSeeds returns the vector strings plus, for the first accepted
// vector of each format, the framing variants of docs/envelope.md.
func stringSeeds(strs []namedString) []seed {
	var out []seed
	for _, s := range strs {
		out = append(out, seed{s.name, s.value})
	}
	out = append(out,
		seed{"empty", ""}, seed{"one", "1"}, seed{"version-0", "0"}, seed{"version-2", "2AAAA"},
		seed{"space-one", " 1"}, seed{"json-empty", "{}"}, seed{"json-version", `{"Version":1}`},
		seed{"nul", "\x00"}, seed{"bom", "\uFEFF"}, seed{"quotes", `""`},
	)
	done := map[codec.Format]bool{}
	for _, s := range strs {
		sess, err := codec.Decode(s.value)
		if err != nil || done[sess.Source] {
			continue
		}
		sess.Wipe()
		done[sess.Source] = true
		out = append(out, variants(sess.Source.String(), strings.TrimSpace(s.value))...)
	}
	return out
}

// variants returns framing mutations of a valid text v.
func variants(name, v string) []seed {
	mid := len(v) / 2
	swap := strings.NewReplacer("-", "+", "_", "/").Replace(v)
	swapBack := strings.NewReplacer("+", "-", "/", "_").Replace(v)
	mixed := v
	if i := strings.IndexAny(v[1:], "-_+/"); i >= 0 {
		mixed = v + "+-"
	}
	out := []seed{
		{name + "-trailing-lf", v + "\n"},
		{name + "-trailing-crlf", v + "\r\n"},
		{name + "-leading-space", " " + v},
		{name + "-bom", "\uFEFF" + v},
		{name + "-quoted", `"` + v + `"`},
		{name + "-squoted", `'` + v + `'`},
		{name + "-lf-inside", v[:mid] + "\n" + v[mid:]},
		{name + "-nul-inside", v[:mid] + "\x00" + v[mid:]},
		{name + "-space-inside", v[:mid] + " " + v[mid:]},
		{name + "-bang-inside", v[:mid] + "!" + v[mid:]},
		{name + "-nonascii", v[:mid] + "\u00e9" + v[mid:]},
		{name + "-fullwidth", v[:mid] + "\uff21" + v[mid:]},
		{name + "-minus-one", v[:len(v)-1]},
		{name + "-plus-one", v + "A"},
		{name + "-plus-four", v + "AAAA"},
		{name + "-strip-pad", strings.TrimRight(v, "=")},
		{name + "-add-pad", v + "="},
		{name + "-double-pad", strings.TrimRight(v, "=") + "=="},
		{name + "-pad-middle", v[:mid] + "=" + v[mid:]},
		{name + "-std-alphabet", swap},
		{name + "-url-alphabet", swapBack},
		{name + "-mixed-alphabet", mixed},
		{name + "-truncated-half", v[:mid]},
		{name + "-doubled", v + v},
	}
	if len(v) > 2 {
		// Non-canonical last character (trailing bits set).
		t := strings.TrimRight(v, "=")
		last := t[len(t)-1]
		flip := byte('B')
		if last == 'B' {
			flip = 'C'
		}
		out = append(out, seed{name + "-trailing-bits", t[:len(t)-1] + string(flip) + v[len(t):]})
		// Version character variants.
		out = append(out, seed{name + "-version-0", "0" + v[1:]}, seed{name + "-version-2", "2" + v[1:]})
	}
	return out
}
