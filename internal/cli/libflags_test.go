package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// flagInLiteral matches a command-line flag in text: "--" followed by a
// letter, where the dashes do not continue a longer run of dashes (a PEM
// armor line such as "-----BEGIN" names no flag).
var flagInLiteral = regexp.MustCompile(`(^|[^-])--[A-Za-z][A-Za-z0-9-]*`)

// libraryDirs are the library packages (relative to the repository root),
// walked with everything below them. Every flag name and hint lives in
// internal/cli; the libraries return errors that carry data.
var libraryDirs = []string{"codec", "compat", "vault", "stores", "storesession", "tdata", "fleet", "internal"}

// flagLiteralTODO lists directories skipped by the walk, each with the
// reason its literals may look like flags.
var flagLiteralTODO = []string{
	// Starts a private redis-server for fleet's tests: those are the
	// server's own flags, not this CLI's.
	"fleet/internal/redistest",
	// Runs initdb and postgres for fleet's PostgreSQL restart tests: the
	// servers' own flags.
	"fleet/internal/pgtest",
	// The CLI itself (this package), under internal/ since it is shared
	// by cmd/tgsession and cmd/tgsession-full: its flags are its own.
	"internal/cli",
}

// TestLibrariesNameNoFlags walks the library packages' Go files (tests and
// testdata excluded) and fails for any string literal that contains a CLI
// flag ("--" followed by a letter): no library error, message or report
// may name a flag of this CLI.
func TestLibrariesNameNoFlags(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	for _, dir := range libraryDirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if d.Name() == "testdata" || slices.ContainsFunc(flagLiteralTODO, func(p string) bool { return rel == p }) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			checked++
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					s = lit.Value
				}
				if m := flagInLiteral.FindString(s); m != "" {
					t.Errorf("%s: string literal names a CLI flag (%q): return data and let the CLI add the hint", rel, strings.TrimLeft(m, " ("))
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d library files checked: the walk did not find the packages", checked)
	}
}

// TestFlagInLiteralPattern: the pattern finds flags and only flags.
func TestFlagInLiteralPattern(t *testing.T) {
	for _, s := range []string{"pass --force", "(--ssh)", "--dc", "x --test-mode"} {
		if !flagInLiteral.MatchString(s) {
			t.Errorf("%q: flag not found", s)
		}
	}
	for _, s := range []string{"-----BEGIN AGE ENCRYPTED FILE-----", "a -- b", "--", "x--", "-x", "---a"} {
		if flagInLiteral.MatchString(s) {
			t.Errorf("%q: not a flag, but matched", s)
		}
	}
}
