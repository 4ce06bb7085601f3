package sqlalchemy

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver, as compat does

	"github.com/tgsession/tgsession/stores"
)

// dialect is what differs between PostgreSQL, MySQL/MariaDB and SQLite.
type dialect struct {
	name string // "postgres", "mysql", "sqlite"
	// textType is the CAST target for text.
	textType string
}

var (
	postgres = dialect{name: "postgres", textType: "TEXT"}
	mysqlD   = dialect{name: "mysql", textType: "CHAR"}
	sqliteD  = dialect{name: "sqlite", textType: "TEXT"}
)

// ident quotes an identifier.
func (d dialect) ident(s string) string {
	if d.name == "mysql" {
		return "`" + strings.ReplaceAll(s, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ph returns the i-th (1-based) placeholder.
func (d dialect) ph(i int) string {
	if d.name == "postgres" {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// phs returns n placeholders starting at the (1-based) start-th, joined.
func (d dialect) phs(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.ph(start + i))
	}
	return b.String()
}

// openDB opens the database u names for dialect d, without connecting.
// readOnly opens an SQLite file read-only (and never creates it).
func openDB(u stores.URL, timeout time.Duration, readOnly bool) (*sql.DB, dialect, error) {
	switch u.Scheme() {
	case stores.SchemePostgres:
		r := u.Reveal()
		r.Scheme = "postgres"
		cfg, err := pgx.ParseConfig(r.String())
		if err != nil {
			return nil, postgres, err
		}
		if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > timeout {
			cfg.ConnectTimeout = timeout
		}
		return stdlib.OpenDB(*cfg), postgres, nil
	case stores.SchemeMySQL:
		cfg, err := mysqlConfig(u, timeout)
		if err != nil {
			return nil, mysqlD, err
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, mysqlD, err
		}
		return sql.OpenDB(c), mysqlD, nil
	case stores.SchemeSQLite:
		q := u.Query()
		for k := range q {
			return nil, sqliteD, fmt.Errorf("unknown sqlite URL parameter %q: %w", k, stores.ErrBadURL)
		}
		mode := "rw"
		if readOnly {
			mode = "ro"
		}
		dsn := "file:" + (&url.URL{Path: u.FilePath()}).EscapedPath() + "?mode=" + mode +
			"&_pragma=busy_timeout(" + strconv.FormatInt(timeout.Milliseconds(), 10) + ")"
		if readOnly {
			dsn += "&_pragma=query_only(1)"
		} else {
			dsn += "&_txlock=immediate"
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, sqliteD, err
		}
		db.SetMaxOpenConns(1)
		return db, sqliteD, nil
	}
	return nil, dialect{}, fmt.Errorf("scheme %q is not postgres, mysql or sqlite: %w", u.Scheme(), stores.ErrBadURL)
}

// mysqlConfig builds the driver configuration from a mysql:// URL:
// mysql://user:password@host:port/database?tls=true|skip-verify|preferred|false
// (also unix_socket=/path).
func mysqlConfig(u stores.URL, timeout time.Duration) (*mysql.Config, error) {
	r := u.Reveal()
	cfg := mysql.NewConfig()
	if r.User != nil {
		cfg.User = r.User.Username()
		cfg.Passwd, _ = r.User.Password()
	}
	cfg.Net, cfg.Addr = "tcp", r.Host
	if r.Port() == "" && r.Host != "" {
		cfg.Addr = net.JoinHostPort(r.Hostname(), "3306")
	}
	cfg.DBName = u.Database()
	if cfg.DBName == "" {
		return nil, fmt.Errorf("the URL names no database: %w", stores.ErrBadURL)
	}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.AllowNativePasswords = true
	cfg.Logger = nopLogger{}
	charset := "utf8mb4"
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "tls", "ssl":
			switch v {
			case "true", "1", "required", "verify-full":
				cfg.TLS = &tls.Config{ServerName: r.Hostname(), MinVersion: tls.VersionTLS12}
			case "skip-verify", "preferred", "false", "0":
				cfg.TLSConfig = v
				if v == "0" {
					cfg.TLSConfig = "false"
				}
			default:
				return nil, fmt.Errorf("tls=%q is not true, skip-verify, preferred or false: %w", v, stores.ErrBadURL)
			}
		case "unix_socket":
			cfg.Net, cfg.Addr = "unix", v
		case "charset":
			charset = v
		default:
			return nil, fmt.Errorf("unknown mysql URL parameter %q: %w", k, stores.ErrBadURL)
		}
	}
	if err := cfg.Apply(mysql.Charset(charset, "")); err != nil {
		return nil, fmt.Errorf("charset: %w", stores.ErrBadURL)
	}
	return cfg, nil
}

type nopLogger struct{}

func (nopLogger) Print(...any) {}

// classify reads a driver's error codes.
func classify(err error) error {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case pe.Code == "28P01", pe.Code == "28000", pe.Code == "42501":
			return stores.ErrAuth
		case pe.Code == "3D000":
			return stores.ErrNotFound
		case pe.Code == "23505":
			return stores.ErrExists
		case pe.Code == "42P01", pe.Code == "42703":
			return stores.ErrLayout
		case pe.Code == "22P02", pe.Code == "22003", pe.Code == "42804":
			return stores.ErrBadValue
		}
		return stores.ErrServer
	}
	if me, ok := errors.AsType[*mysql.MySQLError](err); ok {
		switch me.Number {
		case 1045, 1044, 1142, 1143, 1227, 1698:
			return stores.ErrAuth
		case 1049:
			return stores.ErrNotFound
		case 1062:
			return stores.ErrExists
		case 1146, 1054:
			return stores.ErrLayout
		case 1264, 1366, 1406:
			return stores.ErrBadValue
		}
		return stores.ErrServer
	}
	switch {
	case errors.Is(err, mysql.ErrNoTLS):
		return stores.ErrTLS
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, driver.ErrBadConn):
		return stores.ErrUnreachable
	}
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || strings.Contains(msg, "timeout") {
		return nil // stores.DriverError: unreachable, with the context error
	}
	switch {
	case strings.Contains(msg, "server refused TLS"), strings.Contains(msg, "tls error"):
		return stores.ErrTLS
	case strings.Contains(msg, "SQLITE_BUSY"), strings.Contains(msg, "database is locked"):
		return stores.ErrUnreachable
	case strings.Contains(msg, "unable to open database file"), strings.Contains(msg, "SQLITE_CANTOPEN"):
		return stores.ErrNotFound
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "SQLITE_NOTADB"):
		return stores.ErrLayout
	}
	return nil // a transport error: stores.DriverError classifies it
}

// ping connects once, bounded by ctx even where a driver is not.
func ping(ctx context.Context, db *sql.DB) error {
	done := make(chan error, 1)
	go func() { done <- db.PingContext(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
