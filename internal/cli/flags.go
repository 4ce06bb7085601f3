package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// newFlagSet returns a FlagSet for cmd that prints nothing itself: parse
// errors are turned into secret-free usage errors by parseFlags, and -h
// prints the command's help to stdout.
func newFlagSet(cmd *command) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs. If interspersed is set, flags may follow
// positional arguments (as in "convert --to telethon a.session --out x");
// everything after "--" is positional. It returns the positional
// arguments.
func (c *cli) parseFlags(cmd *command, fs *flag.FlagSet, args []string, interspersed bool) ([]string, error) {
	if c.flagCapture != nil {
		c.flagCapture(cmd, fs)
		return nil, errFlagsCaptured
	}
	var pos []string
	for {
		// Split off "--" ourselves so that we know where it was.
		var tail []string
		dd := -1
		if interspersed {
			for i, a := range args {
				if a == "--" {
					dd = i
					break
				}
			}
			if dd >= 0 {
				args, tail = args[:dd], args[dd+1:]
			}
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(c.stdout, cmd.help)
				return nil, flag.ErrHelp
			}
			var hints []string
			if m := reUndefined().FindStringSubmatch(err.Error()); m != nil {
				name, _, _ := strings.Cut(m[1], "=")
				if s := suggest(name, flagNames(fs)); s != "" {
					hints = append(hints, fmt.Sprintf("did you mean %s?", dashes(s)))
				}
			}
			hints = append(hints, fmt.Sprintf(`run "tgsession help %s" for usage`, cmd.name))
			return nil, withHints(usageErrorf("%s: %s", cmd.name, flagError(err)), hints...)
		}
		rest := fs.Args()
		if !interspersed || len(rest) == 0 {
			pos = append(pos, rest...)
			if dd >= 0 {
				pos = append(pos, tail...)
			}
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
		if dd >= 0 {
			args = append(append(args, "--"), tail...)
		}
	}
}

// errFlagsCaptured stops a command whose flags were captured (see
// cli.flagCapture).
var errFlagsCaptured = &cliError{code: exitOK, err: errors.New("flags captured"), silent: true}

// flagNames returns the names of the flags defined in fs.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// dashes returns a flag name as typed: -o, --out.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

var (
	reUndefined = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag provided but not defined: -+(.*)$`) })
	reNeedsArg  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^flag needs an argument: -+(.*)$`) })
	reBadValue  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^invalid (?:boolean )?value ".*" for (?:flag )?-+([^:]*): (.*)$`)
	})
)

// flagError rewrites a flag package error without the values it quotes:
// a value could be a secret typed where it does not belong.
func flagError(err error) string {
	msg := err.Error()
	if m := reUndefined().FindStringSubmatch(msg); m != nil {
		if looksLikeSecret(m[1]) || len(m[1]) > 40 {
			return "unknown flag"
		}
		return "unknown flag -" + m[1]
	}
	if m := reNeedsArg().FindStringSubmatch(msg); m != nil {
		return "flag -" + m[1] + " needs a value"
	}
	if m := reBadValue().FindStringSubmatch(msg); m != nil {
		// m[2] is the Set error: "parse error", "value out of range",
		// or one of ours, none of which quote the value.
		return "invalid value for -" + m[1] + ": " + m[2]
	}
	if strings.HasPrefix(msg, "bad flag syntax") {
		return "bad flag syntax"
	}
	return "invalid flags"
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// flagsSet returns the names of the flags that were given explicitly.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// exclusive returns a usage error if more than one of names was set.
func exclusive(cmd string, set map[string]bool, names ...string) error {
	var given []string
	for _, n := range names {
		if set[n] {
			if len(n) == 1 {
				given = append(given, "-"+n)
			} else {
				given = append(given, "--"+n)
			}
		}
	}
	if len(given) > 1 {
		return usageErrorf("%s: %s cannot be used together", cmd, strings.Join(given, " and "))
	}
	return nil
}
