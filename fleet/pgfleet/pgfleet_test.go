package pgfleet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/internal/fleettest"
	"github.com/tgsession/tgsession/fleet/pgfleet"
	"github.com/tgsession/tgsession/stores"
)

const envURL = "TGSESSION_TEST_POSTGRES_URL"

func serverURL(t testing.TB) string {
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip("skipped: set " + envURL + " (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the PostgreSQL fleet tests against a real server")
	}
	return u
}

func randomSchema() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "tgsession_test_fleet_" + hex.EncodeToString(b)
}

// raw returns a plain connection and drops schema when the test ends.
func raw(t testing.TB, url, schema string) *pgx.Conn {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		c.Close(ctx)
	})
	return c
}

func openURL(t testing.TB, url, schema string, c fleet.Clock) *pgfleet.Store {
	u, err := stores.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := pgfleet.Open(ctx, u, pgfleet.Options{Schema: schema, Clock: c, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type ns struct {
	url, schema string
	c           *pgx.Conn
}

var nsOf = map[*testing.T]*ns{}

func backend(t *testing.T) fleettest.Down {
	url := serverURL(t)
	u, _ := stores.ParseURL(url)
	get := func(t *testing.T) *ns {
		if n := nsOf[t]; n != nil {
			return n
		}
		sc := randomSchema()
		n := &ns{url: url, schema: sc, c: raw(t, url, sc)}
		nsOf[t] = n
		t.Cleanup(func() { delete(nsOf, t) })
		return n
	}
	exec := func(t *testing.T, q string, args ...any) {
		n := get(t)
		if _, err := n.c.Exec(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
	table := func(t *testing.T) string { return pgx.Identifier{get(t).schema}.Sanitize() + ".sessions" }
	return fleettest.Down{
		Backend: fleettest.Backend{
			Open: func(t *testing.T) fleet.Store { n := get(t); return openURL(t, n.url, n.schema, nil) },
			OpenClock: func(t *testing.T, c fleet.Clock) fleet.Store {
				n := get(t)
				return openURL(t, n.url, n.schema, c)
			},
			Tamper: func(t *testing.T, name string, sealed []byte) {
				exec(t, `UPDATE `+table(t)+` SET sealed = $2 WHERE name = $1`, name, sealed)
			},
			Forge: func(t *testing.T, name, holder string, ttl time.Duration) {
				exec(t, `UPDATE `+table(t)+` SET holder = $2, lease_value = 'not a lease of ours',
lease_expires = now() + make_interval(secs => $3::float8) WHERE name = $1`, name, holder, ttl.Seconds())
			},
		},
		Addr: u.Host(),
		OpenAt: func(t *testing.T, addr string) fleet.Store {
			n := get(t)
			pu := u.Reveal()
			pu.Host = addr
			return openURL(t, pu.String(), n.schema, nil)
		},
	}
}

func TestPostgresFleet(t *testing.T) {
	fleettest.Run(t, backend(t).Backend)
}

func TestPostgresFleetStoreDown(t *testing.T) {
	fleettest.RunDown(t, backend(t))
}
