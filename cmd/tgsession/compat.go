package main

// This file wires .session (SQLite) files to package compat.

import (
	"errors"
	"io/fs"

	"github.com/tgsession/tgsession/compat"
)

// loadFile reads a .session file.
func (c *cli) loadFile(src source, dc int) (*loaded, error) {
	f, err := compat.ReadFile(src.path, compat.ReadOptions{DC: dc})
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

// fileError adds hints to errors from package compat.
func fileError(err error) error {
	var ms *compat.MultipleSessionsError
	switch {
	case errors.As(err, &ms):
		return withHints(failf("%v", err), "choose one with --dc N")
	case errors.Is(err, fs.ErrExist):
		return withHints(failf("%v", err), "pass --force to replace it")
	case errors.Is(err, compat.ErrLocked):
		return withHints(failf("%v", err), "stop the program that is using the session, then try again")
	}
	return failf("%v", err)
}
