package vault

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// ExecResult is what [ExecEnv] returns: the environment for the child
// process, which holds plain session strings, and what was opened. It never
// prints the environment.
type ExecResult struct {
	// env is reached through a pointer to a struct of pointers, as
	// codec.AuthKey's key is: fmt cannot call Format on an ExecResult it
	// reaches through an unexported field of a caller's struct, and for a
	// verb that is invalid for pointers (%s, %q, %c, %e, %g, …) it then
	// prints what the pointer points to. A *[]string field would print the
	// environment; a pointer to a struct whose only field is a pointer
	// prints addresses.
	env *envBox
	// Opened describes each variable set, without secrets.
	Opened []ExecOpened
	// Warnings report keys exported to more than one place.
	Warnings []Warning
}

// envBox holds the child environment; see ExecResult.env.
type envBox struct{ p *[]string }

// ExecOpened describes one variable set by [ExecEnv].
type ExecOpened struct {
	Name   string
	Source string
	Format codec.Format
	KeyID  codec.KeyID
}

// Environ returns the child environment ("NAME=value" strings). It holds
// session strings: pass it to the child (exec.Cmd.Env, syscall.Exec) and
// nowhere else.
func (r *ExecResult) Environ() []string {
	if r == nil || r.env == nil || r.env.p == nil {
		return nil
	}
	return *r.env.p
}

// String returns a summary without secrets.
func (r ExecResult) String() string {
	var b strings.Builder
	b.WriteString("vault.ExecResult{")
	b.WriteString(strconv.Itoa(len(r.Environ())))
	b.WriteString(" variables; set:")
	for _, o := range r.Opened {
		fmt.Fprintf(&b, " %s=%s(%s, key %s)", o.Name, o.Source, o.Format, o.KeyID)
	}
	b.WriteString("}")
	return b.String()
}

// GoString implements fmt.GoStringer with the summary.
func (r ExecResult) GoString() string { return r.String() }

// Format implements fmt.Formatter: every verb prints the summary.
func (r ExecResult) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// LogValue implements slog.LogValuer with the summary.
func (r ExecResult) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON implements json.Marshaler with the summary.
func (r ExecResult) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(r.String())), nil }

type execSpec struct {
	name, kind, arg, source string
}

// parseExecSpec parses "NAME=env:VAR", "NAME=file:PATH" or
// "NAME=vault:ENTRY".
func parseExecSpec(spec string) (execSpec, error) {
	name, source, ok := strings.Cut(spec, "=")
	if !ok || !validEnvName(name) {
		return execSpec{}, errorf(ErrMalformed, "exec spec: want NAME=env:VAR, NAME=file:PATH or NAME=vault:ENTRY, with NAME a valid variable name")
	}
	kind, arg, ok := strings.Cut(source, ":")
	if !ok || arg == "" {
		return execSpec{}, errorf(ErrMalformed, "exec spec for %s: want env:VAR, file:PATH or vault:ENTRY", name)
	}
	switch kind {
	case "env":
		if !validEnvName(arg) {
			return execSpec{}, errorf(ErrMalformed, "exec spec for %s: invalid variable name", name)
		}
	case "file":
	case "vault":
		if !ValidName(arg) {
			return execSpec{}, errorf(ErrMalformed, "exec spec for %s: invalid vault entry name", name)
		}
	default:
		return execSpec{}, errorf(ErrMalformed, "exec spec for %s: unknown source kind (want env, file or vault)", name)
	}
	return execSpec{name: name, kind: kind, arg: arg, source: source}, nil
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// ExecEnv prepares the environment of a child process, as `tgsession exec`
// and `sops exec-env` do. Each spec is NAME=SOURCE, where SOURCE is
// env:VAR (a sealed value in the environment variable VAR, taken as
// [OpenEnv] does), file:PATH (a sealed file) or vault:ENTRY (an entry of the
// vault given with [WithDir]). Each session is opened, converted to format
// to (or, for codec.FormatUnknown, to the format it was sealed from) and set
// as NAME.
//
// The result is base (os.Environ() if nil) without the sealed variables,
// without TGSESSION_AGE_KEY, and with every NAME set. Identities are
// searched once for all specs. With [WithExportLabel], vault entries record
// the export, and the result's Warnings report keys exported elsewhere.
//
// The session strings in the result are ordinary Go strings: they cannot be
// wiped, which is unavoidable when handing sessions to another program.
func ExecEnv(base []string, specs []string, to codec.Format, opts ...Option) (*ExecResult, error) {
	cfg := newConfig(opts)
	if base == nil {
		base = os.Environ()
	}
	parsed := make([]execSpec, 0, len(specs))
	seen := map[string]bool{}
	for _, sp := range specs {
		p, err := parseExecSpec(sp)
		if err != nil {
			return nil, err
		}
		if seen[p.name] {
			return nil, errorf(ErrMalformed, "exec spec: %s given twice", p.name)
		}
		seen[p.name] = true
		if p.kind == "vault" && cfg.dir == nil {
			return nil, errorf(ErrMalformed, "exec spec for %s: a vault source needs a vault directory", p.name)
		}
		parsed = append(parsed, p)
	}
	if len(parsed) == 0 {
		return nil, errorf(ErrMalformed, "no exec specs given")
	}
	if !cfg.explicitIDs {
		ids, tried, err := loadIdentities(cfg)
		if err != nil {
			return nil, err
		}
		cfg.identities, cfg.explicitIDs, cfg.tried, cfg.passphrase = ids, true, tried, nil
	}
	idOpt := func(c *config) {
		c.identities, c.explicitIDs, c.tried, c.passphrase = cfg.identities, true, cfg.tried, nil
	}

	res := &ExecResult{}
	drop := map[string]bool{EnvKey: true}
	values := make([]string, 0, len(parsed))
	for _, p := range parsed {
		var s *Session
		var err error
		switch p.kind {
		case "env":
			var data []byte
			data, err = takeEnv(p.arg, cfg)
			drop[p.arg] = true
			if err == nil {
				s, err = open(data, cfg)
				clear(data)
				err = at("$"+p.arg, err)
			}
		case "file":
			s, err = openFile(p.arg, cfg)
		case "vault":
			var warns []Warning
			s, warns, err = cfg.dir.Get(p.arg, append(slices.Clip(opts), idOpt)...)
			res.Warnings = append(res.Warnings, warns...)
		}
		if err != nil {
			return nil, err
		}
		f := to
		if f == codec.FormatUnknown {
			f = s.Source
		}
		str, err := s.Export(f)
		id := s.KeyID()
		s.Destroy()
		if err != nil {
			return nil, at(p.name, err)
		}
		values = append(values, p.name+"="+str)
		res.Opened = append(res.Opened, ExecOpened{Name: p.name, Source: p.source, Format: f, KeyID: id})
		drop[p.name] = true
	}
	var env []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, values...)
	res.env = &envBox{&env}
	return res, nil
}
