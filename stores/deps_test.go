package stores_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Importing codec, compat or vault never pulls a database driver: the
// drivers stay in the store packages.
func TestLibrariesPullNoDriver(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command")
	}
	drivers := []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "github.com/redis/go-redis",
		"go.mongodb.org/mongo-driver", "github.com/tgsession/tgsession/stores"}
	for _, pkg := range []string{"codec", "compat", "vault"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
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
