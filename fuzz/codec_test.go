package fuzz_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/codec/diagnose"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
)

// FuzzDecode fuzzes format detection and automatic decoding, codec.Detect and
// codec.Decode. Invariants:
//   - Decode succeeds exactly when Detect names a format whose decoder
//     accepts the text, and the session's Source is that format;
//   - an accepted text is checked as in the per-format targets (canonical
//     re-encoding round trip, no key in fmt/JSON renderings), and its
//     canonical encoding is detected as the same format again;
//   - a refused text gets a typed error without input bytes; a text that
//     fits two formats is refused with a *codec.AmbiguousError;
//   - codec.Diagnose agrees with Decode (Decodes, Format) and nothing in its
//     report (findings, peer results, error) shows the input or its key;
//     nor does codec.ExplainLibraryError's explanation of the text.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		s, err := codec.Decode(in)
		d, derr := codec.Detect(in)
		checkDiagnosis(t, in, s, err)
		if err != nil {
			checkRefused(t, "Decode", in, err)
			if derr != nil {
				checkRefused(t, "Detect", in, derr)
				if errors.As(err, new(*codec.AmbiguousError)) != errors.As(derr, new(*codec.AmbiguousError)) {
					t.Fatalf("Decode and Detect disagree on ambiguity")
				}
			} else if _, aerr := codec.DecodeAs(d, in); aerr == nil {
				t.Fatalf("Detect says %v and DecodeAs(%v) accepts, but Decode refuses", d, d)
			}
			return
		}
		defer s.Wipe()
		if derr != nil {
			t.Fatalf("Decode accepts as %v but Detect refuses (%T)", s.Source, derr)
		}
		if d != s.Source {
			t.Fatalf("Detect says %v, Decode's session says %v", d, s.Source)
		}
		as, aerr := codec.DecodeAs(d, in)
		if aerr != nil {
			t.Fatalf("Decode accepts as %v but DecodeAs(%v) refuses", d, d)
		}
		defer as.Wipe()
		if !as.Equal(s) || as.Layout != s.Layout {
			t.Fatalf("Decode and DecodeAs(%v) give different sessions", d)
		}
		enc := checkAccepted(t, d, in, s)
		if enc == "" {
			return // a session its format can read but not write (checkAccepted)
		}
		// The canonical text must be detected as the same format again.
		back, err := codec.Decode(enc)
		if err != nil {
			t.Fatalf("canonical %v text of an auto-detected session is refused by Decode (%v)", d, fc.ErrClass(err))
		}
		defer back.Wipe()
		if back.Source != d || !back.Equal(s) {
			t.Fatalf("canonical %v text decodes as %v with different fields", d, back.Source)
		}
	})
}

func FuzzParseTelethon(f *testing.F)       { fuzzFormat(f, codec.Telethon) }
func FuzzParsePyrogram(f *testing.F)       { fuzzFormat(f, codec.Pyrogram) }
func FuzzParsePyrogramLegacy(f *testing.F) { fuzzFormat(f, codec.PyrogramLegacy) }
func FuzzParseGramJS(f *testing.F)         { fuzzFormat(f, codec.GramJS) }
func FuzzParseMtcute(f *testing.F)         { fuzzFormat(f, codec.Mtcute) }
func FuzzParseGotd(f *testing.F)           { fuzzFormat(f, codec.Gotd) }

// fuzzFormat fuzzes one format's decoder (codec.DecodeAs, which calls
// DecodeAs for each format). Invariants: see checkAccepted and
// checkRefused; in addition, when the decoder accepts a text, Detect either
// names the same format, refuses it as ambiguous with this format among the
// candidates, or names another format whose decoder gives the same fields.
func fuzzFormat(f *testing.F, format codec.Format) {
	f.Fuzz(func(t *testing.T, in string) {
		s, err := codec.DecodeAs(format, in)
		if err != nil {
			checkRefused(t, "DecodeAs("+format.String()+")", in, err)
			var pe *codec.ParseError
			if errors.As(err, &pe) && pe.Format != format && pe.Format != codec.FormatUnknown {
				t.Fatalf("%v decoder returned a ParseError labelled %v", format, pe.Format)
			}
			return
		}
		defer s.Wipe()
		if s.Source != format {
			t.Fatalf("%v decoder returned a session with Source %v", format, s.Source)
		}
		checkAccepted(t, format, in, s)

		d, derr := codec.Detect(in)
		var amb *codec.AmbiguousError
		switch {
		case derr == nil && d == format:
		case derr == nil:
			o, oerr := codec.DecodeAs(d, in)
			if oerr != nil {
				t.Fatalf("%v decoder accepts, Detect says %v whose decoder refuses", format, d)
			}
			defer o.Wipe()
			if why := fc.SharedDiffer(s, o, false); why != "" {
				t.Fatalf("%v decoder accepts, Detect says %v without ambiguity, and the two disagree on %s", format, d, why)
			}
		case errors.As(derr, &amb):
			if !slices.Contains(amb.Candidates, format) {
				t.Fatalf("%v decoder accepts, but Detect's ambiguity candidates %v leave it out", format, amb.Candidates)
			}
		default:
			t.Fatalf("%v decoder accepts, but Detect refuses (%v)", format, fc.ErrClass(derr))
		}
	})
}

// FuzzDifferential decodes every text with every decoder. Invariant: when two
// decoders accept the same text, they give the same values for every field
// both know (DC, key, address, port, flags, ids) — or Decode refuses the text
// as ambiguous. Where they agree, Decode, if it accepts, gives those values.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		var got []*codec.Session
		for _, format := range codec.Formats() {
			s, err := codec.DecodeAs(format, in)
			if err != nil {
				continue
			}
			defer s.Wipe()
			got = append(got, s)
		}
		if len(got) < 2 {
			return
		}
		auto, autoErr := codec.Decode(in)
		if autoErr == nil {
			defer auto.Wipe()
		}
		for i := range got {
			for j := i + 1; j < len(got); j++ {
				why := fc.SharedDiffer(got[i], got[j], false)
				if why == "" {
					continue
				}
				if !errors.As(autoErr, new(*codec.AmbiguousError)) {
					t.Fatalf("%v and %v decoders both accept the text, disagree on %s, and Decode does not refuse it as ambiguous",
						got[i].Source, got[j].Source, why)
				}
			}
		}
		if autoErr == nil {
			for _, s := range got {
				if s.Source == auto.Source && !s.Equal(auto) {
					t.Fatalf("Decode and DecodeAs(%v) give different sessions", s.Source)
				}
			}
		}
	})
}

// FuzzConvert decodes a text and encodes the session in every format.
// Invariants: an encoder either refuses with a typed error that holds no key
// material (ErrCannotEncode, ErrMissingField, …), or writes a text that its
// own decoder accepts, that is canonical (re-encoding gives the same text),
// and that keeps the DC, the key and every other field both formats carry:
// nothing is truncated or changed silently, only dropped or defaulted.
func FuzzConvert(f *testing.F) {
	f.Fuzz(func(t *testing.T, in string) {
		s, err := codec.Decode(in)
		if err != nil {
			return
		}
		defer s.Wipe()
		key := s.Key.Reveal()
		defer clear(key)
		leak := fc.NewLeak(in).Secret(key)
		for _, to := range codec.Formats() {
			enc, err := s.Encode(to)
			if err != nil {
				fc.CodecTyped(t, err, fmt.Sprintf("%v→%v", s.Source, to))
				fc.NoLeak(t, leak, fmt.Sprintf("%v→%v encode error", s.Source, to), err.Error())
				continue
			}
			o, err := codec.DecodeAs(to, enc)
			if err != nil {
				t.Fatalf("%v→%v: the %v decoder refuses the encoder's output (%v)", s.Source, to, to, fc.ErrClass(err))
			}
			if !o.Key.Equal(s.Key) || o.DC != s.DC {
				o.Wipe()
				t.Fatalf("%v→%v: DC or key changed", s.Source, to)
			}
			// Only mtcute stores an IPv6 flag; the other formats derive it
			// from the address, so a flag that contradicts the address
			// cannot survive and is not carried.
			if why := fc.SharedDiffer(s, o, to != codec.Mtcute); why != "" {
				o.Wipe()
				t.Fatalf("%v→%v: %s changed", s.Source, to, why)
			}
			again, err := o.Encode(to)
			o.Wipe()
			if err != nil || again != enc {
				t.Fatalf("%v→%v: output is not canonical (re-encoding differs)", s.Source, to)
			}
		}
	})
}

// checkDiagnosis checks diagnose.Text(in) against Decode's result.
func checkDiagnosis(t *testing.T, in string, s *codec.Session, err error) {
	t.Helper()
	d := diagnose.Text(in)
	if d.Decodes != (err == nil) {
		t.Fatalf("Diagnose says Decodes=%v, Decode's error is %v", d.Decodes, err != nil)
	}
	if err == nil && d.Format != s.Source {
		t.Fatalf("Diagnose says %v, Decode says %v", d.Format, s.Source)
	}
	c := fc.NewLeak(in)
	for _, p := range fc.LenientPayloads(in) {
		c.Secret(p)
	}
	if s != nil {
		key := s.Key.Reveal()
		defer clear(key)
		c.Secret(key)
	}
	fc.NoLeak(t, c, "Diagnose report", fmt.Sprintf("%+v", d))
	if d.Err != nil {
		fc.NoLeak(t, c, "Diagnose error", d.Err.Error())
	}
	// The same text pasted where an error message belongs.
	if out, ok := diagnose.LibraryError(in); ok {
		w := fc.NewLeak(in).WindowsOnly()
		for _, p := range fc.LenientPayloads(in) {
			w.Secret(p)
		}
		fc.NoLeak(t, w, "ExplainLibraryError output", out)
	}
}

// checkAccepted checks a session that format's decoder accepted from in and
// returns its canonical text: the session is valid, re-encodes in the same
// format, that text decodes to an equal session with the same layout and
// re-encodes to itself, and no fmt verb or JSON rendering of the session
// shows the key. It returns "" for the one session a format reads but cannot
// write: a GramJS port above 32767.
func checkAccepted(t *testing.T, format codec.Format, in string, s *codec.Session) string {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatalf("%v decoder returned an invalid session (%v)", format, fc.ErrClass(err))
	}
	key := s.Key.Reveal()
	defer clear(key)
	leak := fc.NewLeak("").Secret(key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		fc.NoLeak(t, leak, verb+" of a decoded session", fmt.Sprintf(verb, s))
		fc.NoLeak(t, leak, verb+" of a decoded session's key", fmt.Sprintf(verb, s.Key))
	}
	if j, err := json.Marshal(s); err == nil {
		fc.NoLeak(t, leak, "JSON of a decoded session", string(j))
	}

	enc, err := s.Encode(format)
	if err != nil && format == codec.GramJS && s.Port > 32767 && errors.Is(err, codec.ErrCannotEncode) {
		// The one field read more widely than it is written: the port is read
		// unsigned (as @mtcute/convert reads it) but GramJS cannot save a port
		// above 32767 (writeInt16BE), so the encoder refuses it with a typed
		// error rather than write a string GramJS would load with a negative
		// port (docs/formats.md#gramjs-string). No canonical text exists.
		return ""
	}
	if err != nil {
		t.Fatalf("%v decoder accepts a session its encoder refuses (%v)", format, fc.ErrClass(err))
	}
	s2, err := codec.DecodeAs(format, enc)
	if err != nil {
		t.Fatalf("%v decoder refuses its own encoder's output (%v)", format, fc.ErrClass(err))
	}
	defer s2.Wipe()
	if !s2.Equal(s) {
		t.Fatalf("%v: decode(encode(decode(in))) differs from decode(in)%s", format, fc.DescribeDiff(s, s2))
	}
	// The layout may change once: the encoder picks it from the values
	// (Pyrogram 1.3 writes old-32 for a small user id that mtcute wrote in
	// old-64). From the canonical text on it is fixed.
	if s2.Source != s.Source {
		t.Fatalf("%v: re-encoding changed the source format", format)
	}
	enc2, err := s2.Encode(format)
	if err != nil || enc2 != enc {
		t.Fatalf("%v: the canonical encoding is not a fixed point", format)
	}
	if s3, err := codec.DecodeAs(format, enc2); err != nil || s3.Layout != s2.Layout {
		t.Fatalf("%v: the canonical text decodes with another layout", format)
	} else {
		s3.Wipe()
	}
	return enc
}

// checkRefused checks an error from a decoder: it wraps a codec sentinel and
// its text reveals neither the input nor the would-be key in it.
func checkRefused(t *testing.T, what, in string, err error) {
	t.Helper()
	fc.CodecTyped(t, err, what)
	c := fc.NewLeak(in)
	for _, p := range fc.LenientPayloads(in) {
		c.Secret(p)
	}
	fc.NoLeak(t, c, what+" error", err.Error())
}
