package storesession_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyCodecAndSafefile: storesession imports codec,
// internal/safefile and the standard library, nothing else (so no driver,
// no compat, no vault). golang.org/x/sys/unix comes with safefile's
// batched durability (syncfs) on Unix systems.
func TestImportsOnlyCodecAndSafefile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/tgsession/tgsession/storesession").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/tgsession/tgsession/storesession":      true,
		"github.com/tgsession/tgsession/codec":             true,
		"github.com/tgsession/tgsession/internal/safefile": true,
	}
	optional := map[string]bool{"golang.org/x/sys/unix": true}
	deps := strings.Fields(string(out))
	required := 0
	for _, d := range deps {
		switch {
		case allowed[d]:
			required++
		case !optional[d]:
			t.Errorf("storesession depends on %s", d)
		}
	}
	if required != len(allowed) {
		t.Errorf("dependencies %v, want all of %d", deps, len(allowed))
	}
}
