package cli

// This file lets exec take a session store as a source: --env
// NAME=KIND:SESSION, KIND one of the store kinds (telethon-redis:mybot),
// the store's URL given as for every store command (--store-env VAR,
// --store-file FILE, --store URL). The session is read (never written),
// converted as convert converts it (--as, the value flags, the DC table
// for a missing address) and put in NAME; the child gets neither the URL's
// variable nor anything else that opens the store.

import (
	"flag"
	"slices"
	"strings"

	"github.com/tgsession/tgsession/codec"
)

// execStoreFlags are exec's flags for store sources. --store-env and
// --store are shared with the fleet flags (fleetFlags), which define them.
type execStoreFlags struct {
	storeFile, tablePrefix string
	dc                     int
	active                 bool     // a source is a store session
	x                      extFlags // the location, for storeLocation
}

// execStoreSource is one --env NAME=KIND:SESSION.
type execStoreSource struct {
	kind storeKind
	x    *extFlags // the location, with the session name
}

func registerExecStoreFlags(fs *flag.FlagSet) *execStoreFlags {
	s := &execStoreFlags{}
	fs.StringVar(&s.storeFile, "store-file", "", "")
	fs.StringVar(&s.tablePrefix, "table-prefix", "", "")
	fs.IntVar(&s.dc, "dc", 0, "")
	return s
}

// isStoreSpec reports whether a --env SOURCE kind names a store kind.
func isStoreSpec(kind string) bool {
	_, ok := lookupStoreKind(kind)
	return ok
}

// check resolves the store sources of parsed and checks the flags that
// locate them. It returns false when no source is a store session (the
// fleet flags are then checked as before, and the store-only flags are
// refused). A store source and a fleet source in one exec are refused:
// --store-env would have to name two stores.
func (s *execStoreFlags) check(parsed []execSpec, fx *execFleetFlags, set map[string]bool) (bool, error) {
	hasFleet := slices.ContainsFunc(parsed, func(sp execSpec) bool { return sp.kind == "fleet" || sp.kind == "fleet-pool" })
	s.active = slices.ContainsFunc(parsed, func(sp execSpec) bool { return isStoreSpec(sp.kind) })
	if !s.active {
		for _, fl := range []string{"store-file", "table-prefix", "dc"} {
			if set[fl] {
				return false, withHints(usageErrorf("exec: --%s applies to store sources, and no --env source is one", fl),
					"leave out --"+fl+", or name a store session: --env NAME=KIND:SESSION (KIND: "+strings.Join(storeKindNames(), ", ")+")")
			}
		}
		return false, nil
	}
	if hasFleet {
		return true, withHints(usageErrorf("exec: a store source (KIND:SESSION) and a fleet source in one exec: --store-env would have to name both stores"),
			"seal the store session into the fleet first (tgsession fleet add … --from KIND), or run them apart")
	}
	for _, fl := range []string{"lease-ttl", "wait"} {
		if set[fl] {
			return true, withHints(usageErrorf("exec: --%s applies to fleet sources, and no --env source is one", fl),
				"leave out --"+fl+" (a store session is read, not leased)")
		}
	}
	if set["dc"] && s.dc <= 0 {
		return true, usageErrorf("exec: --dc takes a DC id (1 or more)")
	}
	s.x = extFlags{storeEnv: fx.store.storeEnv, storeFile: s.storeFile, storeURL: fx.store.storeURL,
		tablePrefix: s.tablePrefix, dc: s.dc, set: set}
	if s.x.storeEnv != "" && !validEnvName(s.x.storeEnv) {
		return true, usageErrorf("exec: --store-env takes a variable name")
	}
	for i := range parsed {
		sp := &parsed[i]
		k, ok := lookupStoreKind(sp.kind)
		if !ok {
			continue
		}
		x := s.x
		x.name = sp.arg
		sp.store = &execStoreSource{kind: k, x: &x}
	}
	return true, nil
}

// dropEnv names the variable that holds the store's URL (it may hold the
// store's password), which the child does not get.
func (s *execStoreFlags) dropEnv() []string {
	if !s.active || s.x.storeEnv == "" {
		return nil
	}
	return []string{s.x.storeEnv}
}

// execNeedsIdentities reports whether a source is sealed (anything but a
// store session), so that exec searches for age identities.
func execNeedsIdentities(parsed []execSpec) bool {
	return slices.ContainsFunc(parsed, func(sp execSpec) bool { return sp.store == nil })
}

// execStoreValue reads a store session and converts it as convert does:
// to the --as format (default: the string format of the store's library),
// with the address from the DC table where the target needs one.
func (c *cli) execStoreValue(sp execSpec, to codec.Format, ov *overrides, quiet bool) (string, error) {
	src, err := c.storeSource("exec", sp.store.x, sp.store.kind)
	if err != nil {
		return "", err
	}
	in, _, err := src.ext.read(c, false)
	if err != nil {
		return "", prefixErr(source{path: sp.name}, err)
	}
	defer in.Wipe()
	f := to
	if f == codec.FormatUnknown {
		f = sp.store.kind.format
	}
	cv := &conversion{src: source{path: sp.name + " (" + sp.String() + ")"}, in: in}
	data, rep, err := cv.run(&convertOpts{to: target{Format: f}, ov: *ov})
	if err != nil {
		return "", err
	}
	defer clear(data)
	if !quiet {
		c.printReport(sp.name+": ", rep, false)
	}
	return string(trimNewline(data)), nil
}

func trimNewline(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}
