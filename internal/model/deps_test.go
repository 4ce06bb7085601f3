package model

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSQLiteDeps: the model links no SQLite, no database/sql and no store
// driver, so that a program that only converts string sessions does not pay
// SQLite's package init and size.
func TestNoSQLiteDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/tgsession/tgsession/internal/model").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list listed nothing")
	}
	banned := []string{"modernc.org/", "database/sql", "github.com/jackc/pgx", "github.com/go-sql-driver/mysql",
		"github.com/redis/go-redis", "go.mongodb.org/mongo-driver", "github.com/tgsession/tgsession/compat",
		"github.com/tgsession/tgsession/stores"}
	for _, dep := range deps {
		for _, b := range banned {
			if dep == b || strings.HasPrefix(dep, strings.TrimSuffix(b, "/")+"/") {
				t.Errorf("internal/model imports %s", dep)
			}
		}
	}
}
