package main

import (
	"flag"

	"github.com/tgsession/tgsession/compat"
)

// tdataFlags are the flags of --from tdata and --to tdata.
type tdataFlags struct{}

func registerTdataFlags(fs *flag.FlagSet) *tdataFlags { return &tdataFlags{} }

// tdataInputs resolves --from tdata; ok is false for any other kind.
func (c *cli) tdataInputs(cmd string, x *extFlags, from *string, in string, pos []string) ([]source, bool, error) {
	return nil, false, nil
}

// parseExtTarget parses --to: a registered kind, a store kind (written by
// convertToStore; the source is then read in full, as for a file), or tdata.
func (c *cli) parseExtTarget(name string, x *extFlags) (target, error) {
	if _, ok := lookupStoreKind(name); ok {
		return target{Kind: compat.TelethonSQLite}, nil
	}
	return parseTarget(name)
}

// convertToExt is convert --to tdata; done is false for any other target.
func (c *cli) convertToExt(cmd string, x *extFlags, to string, srcs []source, o *convertOpts) (bool, error) {
	return false, nil
}

// inspectTdata is inspect --from tdata; done is false otherwise.
func (c *cli) inspectTdata(x *extFlags, from, in string, pos []string, asJSON bool) (bool, error) {
	return false, nil
}
