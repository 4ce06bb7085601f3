package cli

// This file wires .session (SQLite) files to package compat, through
// Hooks: the lean binary hands these jobs to the full one.

import (
	"errors"
	"io/fs"

	"github.com/tgsession/tgsession/internal/model"
)

// loadFile reads a .session file.
func (c *cli) loadFile(src source, dc int) (*loaded, error) {
	f, err := c.readFile(src.path, dc, false)
	if err != nil {
		return nil, fileError(err)
	}
	return &loaded{
		src:  src,
		sess: f.Session,
		full: f,
		file: &fileMeta{
			Format:        f.Kind.String(),
			Library:       f.Library,
			SchemaVersion: f.Schema,
			Entities:      len(f.Entities),
			Warnings:      f.Notes,
		},
	}, nil
}

// fileError adds hints to errors from package model.
func fileError(err error) error {
	var ms *model.MultipleSessionsError
	switch {
	case errors.As(err, &ms):
		return withHints(failf("%v", err), "choose one with --dc N")
	case errors.Is(err, fs.ErrExist):
		return withHints(failf("%v", err), "pass --force to replace it")
	case errors.Is(err, model.ErrLocked):
		return withHints(failf("%v", err), "stop the program that is using the session, then try again")
	}
	return failf("%v", err)
}

// readFile is model.ReadFile through the hook.
func (c *cli) readFile(path string, dc int, countCache bool) (*model.Stored, error) {
	if hooks.ReadFile == nil {
		return nil, c.needFull("reading a .session file")
	}
	return hooks.ReadFile(path, dc, countCache)
}

// marshalFile is model.Marshal through the hook; without it, it is
// model.ErrNoSQLite (convertStored: the job needs the full binary).
func marshalFile(f *model.Stored, kind model.Kind) ([]byte, error) {
	if hooks.Marshal == nil {
		return nil, model.ErrNoSQLite
	}
	return hooks.Marshal(f, kind)
}
