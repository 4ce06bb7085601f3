package compat_test

import (
	"fmt"
	"time"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/internal/safefile"
)

// The conversion pipeline as a caller runs it: read the source at the edge
// (compat.ReadFile, or codec for a string session), convert in memory with
// compat.Convert, write a file target with the same guarantees as
// compat.WriteFile. Tests of conversion go through it.

// source is a test input: a session database path or a string session.
type source struct {
	path     string
	text     string
	format   codec.Format
	isString bool
}

func fileSource(path string) source { return source{path: path} }

func stringSource(text string, f codec.Format) source {
	return source{text: text, format: f, isString: true}
}

func (s source) String() string {
	if s.isString {
		if s.format == codec.FormatUnknown {
			return "string session"
		}
		return s.format.String() + " string session"
	}
	return s.path
}

// testOptions are compat.Options plus what the caller decides at the
// edges: the output file, whether to replace it, the DC row to read and
// the busy timeout.
type testOptions struct {
	APIID       codec.Optional[uint32]
	UserID      codec.Optional[int64]
	IsBot       codec.Optional[bool]
	TestMode    codec.Optional[bool]
	Now         func() time.Time
	Output      string
	Force       bool
	DC          int
	BusyTimeout time.Duration
}

func (o testOptions) compat(source string) compat.Options {
	return compat.Options{APIID: o.APIID, UserID: o.UserID, IsBot: o.IsBot, TestMode: o.TestMode, Now: o.Now, Source: source}
}

// result is what one conversion produced: the string, or the file written,
// and the converted session (decoded from the string, or read back from the
// file) to be wiped.
type result struct {
	Target  compat.Target
	Path    string
	Session *codec.Session
	text    string
}

func (r *result) Text() string { return r.text }

// readPath reads a session database with the default options.
func readPath(path string) (*compat.Stored, error) {
	return compat.ReadFile(path, compat.ReadOptions{})
}

// unmarshalExtras restores extras into a Stored holding s.
func unmarshalExtras(b []byte, s *codec.Session) (*compat.Stored, error) {
	f := &compat.Stored{Session: s}
	if err := f.UnmarshalExtras(b); err != nil {
		return nil, err
	}
	return f, nil
}

// convert reads src and converts it to to (see the pipeline above).
func convert(src source, to compat.Target, o testOptions) (*result, *compat.Report, error) {
	var in *compat.Stored
	if src.isString {
		var s *codec.Session
		var err error
		if src.format == codec.FormatUnknown {
			s, err = codec.Decode(src.text)
		} else {
			s, err = codec.DecodeAs(src.format, src.text)
		}
		if err != nil {
			return nil, nil, err
		}
		in = &compat.Stored{Session: s}
	} else {
		var err error
		in, err = compat.ReadFile(src.path, compat.ReadOptions{DC: o.DC, BusyTimeout: o.BusyTimeout, CountCache: !to.IsFile()})
		if err != nil {
			return nil, nil, err
		}
	}
	defer in.Wipe()
	return convertStored(in, src.String(), to, o)
}

// convertStored converts an already read Stored; source names it in the
// report ("" for a string).
func convertStored(in *compat.Stored, source string, to compat.Target, o testOptions) (*result, *compat.Report, error) {
	b, rep, err := compat.Convert(in, to, o.compat(source))
	if err != nil {
		return nil, nil, err
	}
	defer clear(b)
	res := &result{Target: to}
	if !to.IsFile() {
		res.text = string(b)
		s, err := codec.DecodeAs(to.Format, res.text)
		if err != nil {
			return nil, nil, fmt.Errorf("the converted string does not decode: %w", err)
		}
		res.Session = s
		return res, rep, nil
	}
	if o.Output == "" {
		return nil, nil, fmt.Errorf("compat: %s needs an output file", to)
	}
	// WriteFile's guarantees for bytes Convert made: Marshal again from
	// what the file holds would need a second conversion, so write them
	// the way WriteFile does.
	if err := writeImage(o.Output, b, o.Force); err != nil {
		return nil, nil, err
	}
	res.Path = o.Output
	back, err := readPath(o.Output)
	if err != nil {
		return nil, nil, fmt.Errorf("the converted file does not read: %w", err)
	}
	res.Session = back.Session
	return res, rep, nil
}

// writeImage writes b to path as the CLI writes outputs: through safefile
// (0600, atomic, never over anything but a regular file, and only with
// force), with compat.WriteFile's error wrapping.
func writeImage(path string, b []byte, force bool) error {
	p, err := safefile.Create(path, force)
	if err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	if _, err := p.Write(b); err != nil {
		p.Abort()
		return fmt.Errorf("compat: %s: %w", path, err)
	}
	if err := p.Commit(); err != nil {
		return fmt.Errorf("compat: %w", err)
	}
	return nil
}

// marshalExtras is f.MarshalExtras, for table-driven tests.
func marshalExtras(f *compat.Stored) ([]byte, error) { return f.MarshalExtras() }
