package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tgsession/tgsession/codec"
	fc "github.com/tgsession/tgsession/fuzz/internal/fuzzcheck"
	"github.com/tgsession/tgsession/storesession"
)

// storeSentinels are the errors storesession.Read and Write may wrap.
var storeSentinels = []error{
	storesession.ErrNoSession, storesession.ErrSeveralSessions, storesession.ErrCorrupt,
	storesession.ErrTooLarge, storesession.ErrExists, storesession.ErrInvalid,
	codec.ErrZeroKey, codec.ErrBadKey, codec.ErrMissingField, fs.ErrNotExist,
}

// FuzzStoreSession fuzzes storesession.Read on a GramJS StoreSession
// directory: name is the files' (already URL-encoded) prefix, and key, dc,
// port, addr and entity the contents of name%3AauthKey, %3AdcId, %3Aport,
// %3AserverAddress and %3A777000 (an empty value leaves that file out).
// Invariants:
//   - Read returns a session or an error wrapping one of the package's
//     sentinels (or fs.ErrNotExist), and the error names no key bytes: no
//     window of the auth key file (as text, or the bytes its numbers spell,
//     raw, hex or base64);
//   - an accepted directory renders without its key (%v, %+v);
//   - Write of what Read returned either refuses with a typed error
//     (a missing address or port, the name "session") or writes a
//     directory that Read returns identically, and that Write then
//     reproduces byte for byte (canonical).
//
// Seeds (testdata/fuzz/FuzzStoreSession) are the files of real GramJS
// folders (storesession/testdata) and a few broken ones. Inputs larger than
// twice storesession.MaxFileSize are skipped. Each input writes a few
// files, so the target runs at tens of inputs a second; give it
// fuzz/run.sh's short minimization time (the default 60 s per new input
// stalls it).
func FuzzStoreSession(f *testing.F) {
	root := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, name string, key, dc, port, addr, entity []byte) {
		defer fc.Watchdog("FuzzStoreSession")()
		n++
		work := filepath.Join(root, strconv.Itoa(n))
		defer os.RemoveAll(work)
		storeSessionCase(t, work, name, key, dc, port, addr, entity)
	})
}

// storeSessionCase is FuzzStoreSession's body; it works in the new
// directory work.
func storeSessionCase(t *testing.T, work, name string, key, dc, port, addr, entity []byte) {
	{
		// The name shows in error messages: keep it shorter than a leak
		// window, so that it cannot spell part of the key file.
		if name == "" || len(name) >= fc.WindowLen || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
			name = "s"
		}
		// Files above storesession.MaxFileSize are refused unread: twice
		// that is enough to cover the cap.
		for _, b := range [][]byte{key, dc, port, addr, entity} {
			if len(b) > 2*storesession.MaxFileSize {
				return
			}
		}
		dir := filepath.Join(work, "in")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		for suffix, content := range map[string][]byte{"authKey": key, "dcId": dc, "port": port, "serverAddress": addr, "777000": entity} {
			if len(content) == 0 {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, name+"%3A"+suffix), content, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		leak := fc.NewLeak("").Secret(key).Secret(keyNumbers(key))
		s, err := storesession.Read(dir, storesession.ReadOptions{})
		if err != nil {
			fc.Typed(t, err, "Read", storeSentinels...)
			fc.NoLeak(t, leak, "Read error", err.Error())
			noDecimalEcho(t, "Read error", err.Error(), key)
			return
		}
		defer s.Session.Wipe()
		k := s.Session.Key.Reveal()
		defer clear(k)
		leak.Secret(k)
		fc.NoLeak(t, leak, "Read result %v", fmt.Sprintf("%v %+v", s, s))
		noDecimalEcho(t, "Read result %v", fmt.Sprintf("%v %+v", s, s), key)

		out := filepath.Join(work, "out")
		if err := storesession.Write(out, s, storesession.WriteOptions{}); err != nil {
			fc.Typed(t, err, "Write", storesession.ErrInvalid, codec.ErrMissingField)
			fc.NoLeak(t, leak, "Write error", err.Error())
			return
		}
		back, err := storesession.Read(out, storesession.ReadOptions{})
		if err != nil {
			t.Fatalf("Read refuses what Write wrote (%s)", fc.ErrClass(err, storeSentinels...))
		}
		defer back.Session.Wipe()
		if back.Name != s.Name || !back.Session.Equal(s.Session) || fmt.Sprint(back.Entities) != fmt.Sprint(s.Entities) {
			t.Fatalf("Write then Read changes the session (%s)", fc.DescribeDiff(s.Session, back.Session))
		}
		again := filepath.Join(work, "again")
		if err := storesession.Write(again, back, storesession.WriteOptions{}); err != nil {
			t.Fatalf("Write refuses what it wrote and Read returned (%s)", fc.ErrClass(err, storeSentinels...))
		}
		if why := sameDirs(out, again); why != "" {
			t.Fatalf("Write is not canonical: %s", why)
		}
	}
}

// noDecimalEcho fails t if text holds a window of fc.WindowLen digits and
// commas that is also in file, the auth key file: the key as GramJS writes
// it is printable decimal, which fuzzcheck's rules (raw bytes only when
// non-printable, hex, base64) do not cover.
func noDecimalEcho(t *testing.T, what, text string, file []byte) {
	t.Helper()
	run := 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= '0' && c <= '9' || c == ',' {
			run++
		} else {
			run = 0
		}
		if run >= fc.WindowLen && bytes.Contains(file, []byte(text[i+1-fc.WindowLen:i+1])) {
			t.Fatalf("%s (%d bytes) quotes the auth key file's numbers", what, len(text))
		}
	}
}

// keyNumbers returns the bytes spelled by the decimal numbers 0-255 in b
// (the auth key, if b is a JSON Buffer).
func keyNumbers(b []byte) []byte {
	var out []byte
	for _, f := range bytes.FieldsFunc(b, func(r rune) bool { return r < '0' || r > '9' }) {
		if v, err := strconv.Atoi(string(f)); err == nil && v <= 255 {
			out = append(out, byte(v))
		}
	}
	return out
}

// sameDirs returns "" if a and b hold the same file names and bytes.
func sameDirs(a, b string) string {
	ea, err := os.ReadDir(a)
	if err != nil {
		return err.Error()
	}
	eb, err := os.ReadDir(b)
	if err != nil {
		return err.Error()
	}
	if len(ea) != len(eb) {
		return fmt.Sprintf("%d files, then %d", len(ea), len(eb))
	}
	for i := range ea {
		if ea[i].Name() != eb[i].Name() {
			return "file names differ"
		}
		x, err1 := os.ReadFile(filepath.Join(a, ea[i].Name()))
		y, err2 := os.ReadFile(filepath.Join(b, eb[i].Name()))
		if err := errors.Join(err1, err2); err != nil {
			return err.Error()
		}
		if !bytes.Equal(x, y) {
			return fmt.Sprintf("file %d content differs (%d and %d bytes)", i, len(x), len(y))
		}
	}
	return ""
}
