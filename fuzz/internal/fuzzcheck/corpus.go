package fuzzcheck

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Seed is one corpus entry: a string, []byte or bool value, or a []any of them
// for a target with several arguments.
type Seed struct {
	Name  string
	Value any
}

// WriteCorpus replaces the seed-* files of target's corpus directory
// (testdata/fuzz/<target> below the current directory) with seeds, in Go's
// "go test fuzz v1" format, named seed-<name>-<hash>; identical bodies are
// written once. Other files (crashers, named by Go) are kept.
func WriteCorpus(t testing.TB, target string, seeds []Seed) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "seed-*"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, s := range seeds {
		values, ok := s.Value.([]any)
		if !ok {
			values = []any{s.Value}
		}
		body := "go test fuzz v1\n"
		for _, v := range values {
			switch v := v.(type) {
			case string:
				body += fmt.Sprintf("string(%q)\n", v)
			case []byte:
				body += fmt.Sprintf("[]byte(%q)\n", v)
			case bool:
				body += fmt.Sprintf("bool(%t)\n", v)
			default:
				t.Fatalf("seed %s: unsupported type %T", s.Name, v)
			}
		}
		sum := sha256.Sum256([]byte(body))
		if seen[string(sum[:])] {
			continue
		}
		seen[string(sum[:])] = true
		name := "seed-" + sanitize(s.Name) + "-" + hex.EncodeToString(sum[:4])
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: %d seeds", target, len(seen))
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func sanitize(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if len(s) > 60 {
		s = s[:60]
	}
	return strings.Trim(s, "_")
}
