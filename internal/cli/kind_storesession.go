package cli

// This file wires GramJS StoreSession directories (package storesession)
// into the CLI as the kind gramjs-store: --from gramjs-store DIR (convert,
// inspect, seal) and convert --to gramjs-store --out DIR. The session name
// (the files' prefix) is --name NAME, by default the directory's base name,
// as GramJS's StoreSession(name) names it.

import (
	"errors"
	"path/filepath"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/internal/peerid"
	"github.com/tgsession/tgsession/storesession"
)

const gramjsStoreKind = "gramjs-store"

// storeSessionName is the session name for dir: --name, else the base name.
func storeSessionName(x *extFlags, dir string) string {
	if x.name != "" {
		return x.name
	}
	return filepath.Base(filepath.Clean(dir))
}

// storeSessionInputs resolves --from gramjs-store DIR; ok is false for any
// other kind.
func (c *cli) storeSessionInputs(cmd string, x *extFlags, from *string, in string, pos []string) ([]source, bool, error) {
	if *from != gramjsStoreKind {
		return nil, false, nil
	}
	dirs := pos
	if in != "" {
		dirs = append(dirs, in)
	}
	if len(dirs) != 1 {
		return nil, true, usageErrorf("%s: --from %s reads one directory: give its path", cmd, gramjsStoreKind)
	}
	dir := dirs[0]
	*from = ""
	name := x.name // empty: the only session in the directory
	return []source{{ext: &extSource{
		label: escapeControls(dir),
		read: func(c *cli, full bool) (*model.Stored, *fileMeta, error) {
			ss, err := storesession.Read(dir, storesession.ReadOptions{Name: name})
			if err != nil {
				return nil, nil, failf("%v", err)
			}
			st := &model.Stored{Library: "gramjs", Session: ss.Session}
			for _, e := range ss.Entities {
				ce := model.Entity{ID: e.ID, Username: e.Username, Phone: e.Phone, Name: e.Name}
				if e.Hash != 0 || peerid.Of(e.ID) != peerid.Chat {
					ce.AccessHash = codec.Some(e.Hash)
				}
				if e.Date != 0 {
					ce.Date = codec.Some(e.Date / 1000)
				}
				st.Entities = append(st.Entities, ce)
			}
			for _, f := range ss.Ignored {
				st.Notes = append(st.Notes, "skipped "+f+" (a key StoreSession does not write)")
			}
			if full {
				// seal attaches the entity cache as a Telethon .session
				// file's: the same fields.
				st.Library, st.Schema = "telethon", 7
			}
			return st, &fileMeta{Format: gramjsStoreKind, Library: "GramJS StoreSession", Entities: len(st.Entities), Warnings: st.Notes}, nil
		},
	}}}, true, nil
}

// convertToStoreSession is convert --to gramjs-store --out DIR.
func (c *cli) convertToStoreSession(cmd string, x *extFlags, srcs []source, o *convertOpts) error {
	if len(srcs) != 1 {
		return usageErrorf("%s: --to %s writes one session: give one input", cmd, gramjsStoreKind)
	}
	if o.out == "" || o.out == "-" {
		return withHints(usageErrorf("%s: --to %s writes a directory: give --out DIR", cmd, gramjsStoreKind),
			"GramJS's new StoreSession(\"NAME\") reads the directory ./NAME")
	}
	src := srcs[0]
	cv, err := c.prepare(src, o)
	if err != nil {
		return err
	}
	defer cv.wipe()
	in := cv.in
	// What GramJS keeps of the session is what its StringSession holds: the
	// same conversion, with the same report of what is dropped.
	data, rep, err := convertStored(src, in, cv.file, &convertOpts{to: target{Format: codec.GramJS}, ov: o.ov})
	if err != nil {
		return err
	}
	s, err := codec.DecodeAs(codec.GramJS, string(data[:len(data)-1]))
	clear(data)
	if err != nil {
		return failf("%s: %v", src, err)
	}
	defer s.Wipe()
	ss := &storesession.Session{Name: storeSessionName(x, o.out), Session: s}
	rep.To = gramjsStoreKind
	rep.Changes = dropChanges(rep.Changes, "entities")
	for _, e := range in.Entities {
		d, _ := e.Date.Get()
		h, _ := e.AccessHash.Get()
		ss.Entities = append(ss.Entities, storesession.Entity{ID: e.ID, Hash: h, Username: e.Username, Phone: e.Phone, Name: e.Name, Date: d * 1000})
	}
	rep.EntitiesWritten = len(ss.Entities)
	if in.UpdateState != nil {
		rep.Changes = append(rep.Changes, model.Change{Field: "update_state", Kind: model.Dropped, Reason: "not stored by GramJS's StoreSession"})
	}
	if err := storesession.Write(o.out, ss, storesession.WriteOptions{Force: o.force}); err != nil {
		if errors.Is(err, storesession.ErrExists) {
			return withHints(failf("%v", err), "give --force to replace that session's files")
		}
		return failf("%v", err)
	}
	c.printReport("", rep, true)
	c.notef("%s: written to %s (session %q)", src, escapeControls(o.out), ss.Name)
	return nil
}

// dropChanges removes the changes of field from cs.
func dropChanges(cs []model.Change, field string) []model.Change {
	out := cs[:0]
	for _, ch := range cs {
		if ch.Field != field {
			out = append(out, ch)
		}
	}
	return out
}
