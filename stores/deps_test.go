package stores_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Importing codec, compat or vault never pulls a database driver: the
// drivers stay in the store packages.
func TestLibrariesPullNoDriver(t *testing.T) {
	drivers := []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "github.com/redis/go-redis",
		"go.mongodb.org/mongo-driver", "github.com/tgsession/tgsession/stores"}
	for _, pkg := range []string{"codec", "compat", "vault"} {
		for _, dep := range listDeps(t, pkg) {
			for _, d := range drivers {
				if strings.HasPrefix(dep, d) {
					t.Errorf("%s imports %s", pkg, dep)
				}
			}
		}
	}
	// And each store package does pull its driver (the check can fail).
	out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/stores/redis").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "github.com/redis/go-redis/v9") {
		t.Fatalf("go list stores/redis: %v", err)
	}
}

// The root package names the model through internal/model, not compat, so
// that importing it (as the CLI's lean binary does) links no SQLite.
func TestStoresPullNoSQLite(t *testing.T) {
	for _, dep := range listDeps(t, "stores") {
		if strings.HasPrefix(dep, "modernc.org/") || dep == "github.com/tgsession/tgsession/compat" {
			t.Errorf("stores imports %s", dep)
		}
	}
}

// listDeps returns what go list -deps lists for the project's package pkg,
// skipping the test without a go command.
func listDeps(t *testing.T, pkg string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}
