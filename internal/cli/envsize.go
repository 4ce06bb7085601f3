package cli

// This file holds what seal and exec --dry-run say about sizes: how a
// sealed value compares with the environment-variable limits of the
// platforms people deploy bots to.

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

// envLimit is a platform's limit on environment variables, in bytes.
type envLimit struct {
	Platform string `json:"platform"`
	Scope    string `json:"scope"`
	Limit    int    `json:"limit"`
	// Total: the limit is for all variables together, not per variable.
	Total bool `json:"total"`
}

// envLimits are the documented limits, smallest first (README, "Sizes").
var envLimits = []envLimit{
	{"aws-lambda", "all variables of a function together, names included", 4096, true},
	{"cloudflare-workers", "per variable", 5120, false},
	{"heroku", "all config vars of an app together", 32768, true},
	{"github-actions", "per secret", 49152, false},
}

// headroom is one limit applied to a size.
type headroom struct {
	envLimit
	Used int  `json:"used"`
	Left int  `json:"left"`
	Fits bool `json:"fits"`
}

// headrooms applies every limit: total to the limits on all variables
// together, each to the per-variable ones.
func headrooms(total, each int) []headroom {
	out := make([]headroom, len(envLimits))
	for i, l := range envLimits {
		used := each
		if l.Total {
			used = total
		}
		out[i] = headroom{envLimit: l, Used: used, Left: l.Limit - used, Fits: used <= l.Limit}
	}
	return out
}

// headroomText renders headrooms on one line: "aws-lambda 3452 of 4096
// left (all variables …), …"; a limit exceeded says by how much.
func headroomText(hs []headroom) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		if h.Fits {
			parts[i] = fmt.Sprintf("%s %d of %d left (%s)", h.Platform, h.Left, h.Limit, h.Scope)
		} else {
			parts[i] = fmt.Sprintf("%s DOES NOT FIT: %d over %d (%s)", h.Platform, -h.Left, h.Limit, h.Scope)
		}
	}
	return strings.Join(parts, "; ")
}

// sealSize is seal's size report (--json).
type sealSize struct {
	Form     string     `json:"form"`
	Bytes    int        `json:"bytes"`
	Envelope int        `json:"envelope_version"`
	Attached bool       `json:"file_data_attached"`
	Headroom []headroom `json:"headroom"`
}

// reportSealSize prints the size of a sealed value (without the newline
// that seal appends to the single-line form) and its headroom: one info
// line on stderr, or JSON on w.
func (c *cli) reportSealSize(w io.Writer, asJSON bool, form vault.Form, size int, attached bool) {
	hs := headrooms(size, size)
	if asJSON {
		b, _ := json.Marshal(sealSize{Form: form.String(), Bytes: size, Envelope: 2, Attached: attached, Headroom: hs})
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	what := "sealed value"
	if form == vault.FormText {
		what = "sealed value (one line, as an environment variable holds it)"
	}
	c.infof("%s: %d bytes; headroom: %s", what, size, headroomText(hs))
}

// dryRunVar is what exec --dry-run says about one --env variable.
type dryRunVar struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Format string `json:"format"`
	// Bytes is the converted session string the command would get.
	Bytes int `json:"bytes"`
	// Sealed is the size of the sealed value read (the variable, file or
	// vault entry), 0 if unknown.
	Sealed int `json:"sealed_bytes"`
}

// formatOf names the format of a converted session string v: to, or what
// codec detects (the format it was sealed from).
func formatOf(v string, to codec.Format) string {
	if to != codec.FormatUnknown {
		return to.String()
	}
	if f, err := codec.Detect(v); err == nil {
		return f.String()
	}
	return "session"
}

// sealedSourceSize returns the size of the sealed value sp reads, before
// it is opened (OpenEnv removes the variable).
func (c *cli) sealedSourceSize(sp execSpec, dir *vault.Dir) int {
	switch sp.kind {
	case "env":
		return len(strings.TrimRight(c.getenv(sp.arg), "\r\n"))
	case "file":
		if fi, err := os.Stat(sp.arg); err == nil {
			return int(fi.Size())
		}
	case "vault":
		if dir != nil {
			if entries, err := dir.List(); err == nil {
				for _, e := range entries {
					if e.Name == sp.arg {
						return int(e.Size)
					}
				}
			}
		}
	}
	return 0
}

// execDryRun prints what exec would do: the command, the names (never the
// values) of the child's environment, each session variable's size, and
// the headroom of the sealed values against the platform limits.
func (c *cli) execDryRun(argv, env []string, vars []dryRunVar) error {
	names := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		names = append(names, k)
	}
	sort.Strings(names)
	// Per-variable limits apply to the largest sealed value; limits on all
	// variables together to the sealed variables' names and values, the
	// least they take of that budget.
	largest, total := 0, 0
	for _, v := range vars {
		largest = max(largest, v.Sealed)
		name := v.Name
		if after, ok := strings.CutPrefix(v.Source, "env:"); ok {
			name = after
		}
		total += len(name) + 1 + v.Sealed
	}
	w := c.stdout
	fmt.Fprintf(w, "command: %s (not run: --dry-run)\n", strconv.Quote(argv[0]))
	fmt.Fprintf(w, "environment: %d variables: %s\n", len(names), strings.Join(names, " "))
	for _, v := range vars {
		fmt.Fprintf(w, "session %s: %s string of %d bytes, from %s", v.Name, v.Format, v.Bytes, v.Source)
		if v.Sealed > 0 {
			fmt.Fprintf(w, " (sealed value %d bytes)", v.Sealed)
		}
		fmt.Fprintln(w)
	}
	hs := headrooms(total, largest)
	fmt.Fprintf(w, "headroom of the sealed values: %s\n", headroomText(hs))
	return nil
}
