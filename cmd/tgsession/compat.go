package main

// This file wires .session (SQLite) files to package compat.

import (
	"github.com/tgsession/tgsession/codec"
)

// fileFormat is a .session file format (a --to name).
type fileFormat string

func (f fileFormat) String() string { return string(f) }

// fileFormats lists the .session file formats, in --to order.
var fileFormats = []fileFormat{"telethon-sqlite", "telethon-v2-sqlite", "pyrogram-sqlite", "pyrofork-sqlite", "kurigram-sqlite"}

func parseFileFormat(name string) (fileFormat, bool) {
	for _, f := range fileFormats {
		if string(f) == name {
			return f, true
		}
	}
	return "", false
}

// loadFile reads a .session file. TODO(compat): wire compat.
func (c *cli) loadFile(src source) (*loaded, error) {
	return nil, failf("%s: .session files are not supported yet", src)
}

// writeSessionFile writes s to path as a .session file. TODO(compat).
func writeSessionFile(path string, s *codec.Session, f fileFormat, force bool) ([]codec.Change, error) {
	return nil, failf("%s: writing %s is not supported yet", path, f)
}
