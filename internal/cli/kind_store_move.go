package cli

// This file is convert --to KIND around convertToStore (kind_store.go):
// where the session is written when the source is a store too (--to-store-env,
// --to-store-file, --to-store, --to-name, --to-table-prefix: a session moves
// from one store to another in one command), and several inputs into one
// store (each under its file name's stem).

import (
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
)

// storeDestFlags locate the store written when it is not the one read.
type storeDestFlags struct {
	storeEnv, storeFile, storeURL string
	name, tablePrefix             string
}

var storeDestFlagNames = []string{"to-store-env", "to-store-file", "to-store", "to-name", "to-table-prefix"}

func registerStoreDestFlags(fs *flag.FlagSet) *storeDestFlags {
	d := &storeDestFlags{}
	fs.StringVar(&d.storeEnv, "to-store-env", "", "")
	fs.StringVar(&d.storeFile, "to-store-file", "", "")
	fs.StringVar(&d.storeURL, "to-store", "", "")
	fs.StringVar(&d.name, "to-name", "", "")
	fs.StringVar(&d.tablePrefix, "to-table-prefix", "", "")
	return d
}

// checkStoreDest refuses the destination flags when the target is not a
// store: they would be ignored.
func checkStoreDest(cmd string, set map[string]bool, toStore bool) error {
	if toStore {
		return nil
	}
	for _, fl := range storeDestFlagNames {
		if set[fl] {
			return withHints(usageErrorf("%s: --%s locates the store written by --to KIND, and --to is not a store kind", cmd, fl),
				"store kinds: "+strings.Join(storeKindNames(), ", "))
		}
	}
	return nil
}

// destination returns the flags that locate the store written: the
// --to-* flags where given, else those of the source store (fromStore) or
// the store flags themselves (the source is a file or a string).
func (d *storeDestFlags) destination(cmd string, x *extFlags, fromStore bool) (*extFlags, error) {
	xd := *x
	xd.set = maps.Clone(x.set)
	if xd.set == nil {
		xd.set = map[string]bool{}
	}
	s := x.set
	if s["to-store-env"] || s["to-store-file"] || s["to-store"] {
		for _, f := range []string{"store-env", "store-file", "store"} {
			xd.set[f] = s["to-"+f]
		}
		xd.storeEnv, xd.storeFile, xd.storeURL = d.storeEnv, d.storeFile, d.storeURL
	}
	if s["to-name"] {
		if !fromStore && s["name"] {
			return nil, withHints(usageErrorf("%s: --name and --to-name both name the session written (--to-name is for a store-to-store convert, where --name names the one read)", cmd),
				"give one of them")
		}
		xd.name = d.name
	}
	if s["to-table-prefix"] {
		if !fromStore && s["table-prefix"] {
			return nil, usageErrorf("%s: --table-prefix and --to-table-prefix both name the tables written: give one of them", cmd)
		}
		xd.tablePrefix = d.tablePrefix
	}
	return &xd, nil
}

// convertIntoStore is convert --to KIND for a store. From a store (--from
// KIND), the session is written at the --to-* location and name, each by
// default the source's. Several inputs (or a directory of .session files)
// are written each under its file name without the extension (a.session
// -> a), as a batch: one result per input, a summary, exit 1 if any
// failed.
func (c *cli) convertIntoStore(cmd string, x *extFlags, d *storeDestFlags, fromKind string, k storeKind, srcs []source, o *convertOpts) error {
	fromStore := isStoreSpec(fromKind)
	xd, err := d.destination(cmd, x, fromStore)
	if err != nil {
		return err
	}
	if fromStore && fromKind == k.name && xd.name == x.name && xd.tablePrefix == x.tablePrefix &&
		!(x.set["to-store-env"] || x.set["to-store-file"] || x.set["to-store"]) {
		return withHints(usageErrorf("%s: --from %s and --to %s name the same session in the same store", cmd, fromKind, k.name),
			"give where to write it: --to-store-env VAR (or --to-store-file FILE, --to-store URL) and/or --to-name NAME")
	}
	inputs, skips := expandInputs(srcs)
	if len(srcs) == 1 && len(inputs) == 1 && len(skips) == 0 && !isDir(srcs[0].path) {
		if o.userIDs != nil {
			if err := o.userIDs.resolve(inputs); err != nil {
				return err
			}
			o.ov = o.userIDs.apply(o.ov, 0)
		}
		return c.convertToStore(cmd, xd, k, srcs, o)
	}
	// Several inputs: each is named by its file. What convertToStore
	// refuses for each input is refused once, before any is written.
	if o.out != "" {
		return withHints(usageErrorf("%s: --to %s writes into the store, not to --out", cmd, k.name), "leave out --out")
	}
	if o.skipExisting {
		return usageErrorf("%s: --skip-existing applies to output files; a store write without --force never replaces a session", cmd)
	}
	for _, fl := range []string{"name", "to-name"} {
		if x.set[fl] {
			return withHints(usageErrorf("%s: --%s names one session, and there are several inputs: each input is written under its file name without the extension (a.session -> a)", cmd, fl),
				"leave out --"+fl+", or convert the inputs one at a time, each with its --"+fl)
		}
	}
	if x.set["user-id"] {
		return withHints(usageErrorf("%s: --user-id would give all %d inputs the same user id", cmd, len(inputs)),
			"user ids differ per account: give them with --user-ids FILE, one line \"INPUT USER_ID\" per input")
	}
	o.batch = true
	names := map[string]string{}
	var named []string
	for _, s := range inputs {
		if s.path == "" || strings.HasPrefix(s.path, "/dev/") || strings.HasPrefix(s.path, "/proc/") {
			return withHints(usageErrorf("%s: %s has no file name to name its session in the store", cmd, s),
				"convert it on its own, with --name NAME")
		}
		base := filepath.Base(s.path)
		n := strings.TrimSuffix(base, filepath.Ext(base))
		if n == "" || n == "." {
			return usageErrorf("%s: %s: no name for its session in the store (give it on its own, with --name NAME)", cmd, s)
		}
		if prev, dup := names[n]; dup {
			return withHints(usageErrorf("%s: %s and %s would both be written as %q", cmd, prev, s, n),
				"convert one of them on its own, with --name NAME")
		}
		names[n] = s.String()
		named = append(named, n)
	}
	if o.userIDs != nil {
		if err := o.userIDs.resolve(inputs); err != nil {
			return err
		}
	}
	for _, sk := range skips {
		if !c.quiet {
			c.infof("skipped %s: %s", sk.path, sk.why)
		}
	}
	defer interrupts.stoppable()()
	done, failed := 0, 0
	for i, s := range inputs {
		select {
		case <-c.interrupted:
			parts := []string{fmt.Sprintf("%d written", done)}
			if failed > 0 {
				parts = append(parts, fmt.Sprintf("%d failed", failed))
			}
			c.infof("interrupted: %s, %d not started", strings.Join(parts, ", "), len(inputs)-i)
			return errInterrupted
		default:
		}
		xi := *xd
		xi.name = named[i]
		oi := *o
		if o.userIDs != nil {
			oi.ov = o.userIDs.apply(o.ov, i)
		}
		if err := c.convertToStore(cmd, &xi, k, []source{s}, &oi); err != nil {
			failed++
			c.report(err)
			continue
		}
		done++
	}
	summary := fmt.Sprintf("%d converted, %d failed", done, failed)
	if len(skips) > 0 {
		summary += fmt.Sprintf(", %d skipped", len(skips))
	}
	c.infof("%s", summary)
	if failed > 0 {
		return errSilent
	}
	return nil
}
