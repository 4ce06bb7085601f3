//go:build interop

package interop_test

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
)

type database struct {
	name string
	u    stores.URL
}

// databases returns an SQLite file and, when their variables are set, a
// fresh PostgreSQL and MariaDB database, each removed at the end.
func databases(t *testing.T) []database {
	dir := t.TempDir()
	su, _ := stores.ParseURL("sqlite:///" + filepath.Join(dir, "bot.db"))
	out := []database{{"sqlite", su}}
	name := "tgsinterop_" + storetest.Suffix()
	if raw := os.Getenv(storetest.EnvPostgres); raw != "" {
		admin, err := sql.Open("pgx", raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); admin.Close() })
		pu, _ := url.Parse(raw)
		pu.Path = "/" + name
		u, _ := stores.ParseURL(pu.String())
		out = append(out, database{"postgres", u})
	}
	if raw := os.Getenv(storetest.EnvMySQL); raw != "" {
		mu, _ := url.Parse(raw)
		cfg := mysql.NewConfig()
		cfg.User, cfg.Net, cfg.Addr = mu.User.Username(), "tcp", mu.Host
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Exec("DROP DATABASE " + name); admin.Close() })
		mu.Path = "/" + name
		u, _ := stores.ParseURL(mu.String())
		out = append(out, database{"mysql", u})
	}
	return out
}
