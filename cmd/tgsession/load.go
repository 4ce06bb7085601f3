package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
)

// loaded is one decoded input.
type loaded struct {
	src  source
	sess *codec.Session
	file *fileMeta    // set for .session (SQLite) files
	full *compat.File // the whole .session file, for seal and vault add to attach
}

// fileMeta describes a .session file.
type fileMeta struct {
	Format        string // file format name, e.g. "telethon-sqlite"
	Library       string
	SchemaVersion int
	Entities      int
	Warnings      []string
}

// parseFromFlag parses --from (string formats only).
func parseFromFlag(cmd, name string) (codec.Format, error) {
	if name == "" {
		return codec.FormatUnknown, nil
	}
	f, err := codec.ParseFormat(name)
	if err != nil {
		return 0, usageErrorf("%s: unknown --from format (want one of %s)", cmd, formatList(codec.Formats))
	}
	return f, nil
}

func formatList(fs []codec.Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.String()
	}
	return strings.Join(names, ", ")
}

// load reads and decodes one input. from forces a string format.
func (c *cli) load(src source, from codec.Format) (*loaded, error) {
	return c.loadDC(src, from, 0)
}

// loadDC is load, choosing the DC row dc (0: the only one) of a .session
// file that holds keys for several.
func (c *cli) loadDC(src source, from codec.Format, dc int) (*loaded, error) {
	data, isSQLite, err := c.readText(src)
	if err != nil {
		return nil, err
	}
	if isSQLite {
		if from != codec.FormatUnknown {
			return nil, usageErrorf("%s: --from names a string format, but this is a .session file", src)
		}
		return c.loadFile(src, dc)
	}
	defer clear(data)
	s, err := decodeText(string(data), from)
	if err != nil {
		return nil, decodeError(src, err)
	}
	return &loaded{src: src, sess: s}, nil
}

func decodeText(text string, from codec.Format) (*codec.Session, error) {
	if from == codec.FormatUnknown {
		return codec.Decode(text)
	}
	return codec.DecodeAs(from, text)
}

// decodeError wraps a codec error for src with the hints that help.
func decodeError(src source, err error) error {
	var amb *codec.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return withHints(failf("%s: %v", src, err),
			fmt.Sprintf("name the format with --from (one of %s)", formatList(amb.Candidates)))
	case errors.Is(err, codec.ErrTooLarge):
		return failf("%s: %v", src, err)
	case errors.Is(err, codec.ErrEmpty):
		return withHints(failf("%s: %v", src, err), "pipe the session to standard input or use --in FILE")
	}
	return withHints(failf("%s: %v", src, err), `run "tgsession doctor" on the same input for a diagnosis`)
}
