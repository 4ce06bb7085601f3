package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/internal/model"
)

// loaded is one decoded input.
type loaded struct {
	src  source
	sess *codec.Session
	file *fileMeta     // set for .session (SQLite) files
	full *model.Stored // the whole .session file, for seal and vault add to attach
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
		if k, ok := lookupKind(name); ok && k.isFile() {
			return 0, withHints(usageErrorf("%s: --from takes a string format; %s is a file format", cmd, name),
				"a .session file is recognised by itself: pass the file, without --from")
		}
		var names []string
		for _, f := range stringFormats() {
			names = append(names, f.String())
		}
		return 0, formatError(usageErrorf("%s: unknown --from format (want one of %s)", cmd, formatList(stringFormats())), name, names)
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
	if src.ext != nil {
		return c.loadExt(src)
	}
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
	if dc != 0 {
		return nil, dcOnString(src)
	}
	text := string(data)
	s, err := decodeText(text, from)
	if err != nil {
		return nil, decodeErrorText(src, err, text)
	}
	return &loaded{src: src, sess: s}, nil
}

func decodeText(text string, from codec.Format) (*codec.Session, error) {
	if from == codec.FormatUnknown {
		return codec.Decode(text)
	}
	return codec.DecodeAs(from, text)
}

// decodeErrorText is decodeError with the text that failed: when the
// mistake has a name (JSON that is not gotd's, a lost leading "1"), the
// hint says so instead of pointing to doctor.
func decodeErrorText(src source, err error, text string) error {
	if h := afterDecodeFailure(text); h != "" {
		return withHints(failf("%s: %v", src, err), h)
	}
	return decodeError(src, err)
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
