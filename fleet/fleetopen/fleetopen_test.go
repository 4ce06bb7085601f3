package fleetopen_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/dirfleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/fleet/pgfleet"
	"github.com/tgsession/tgsession/fleet/redisfleet"
	"github.com/tgsession/tgsession/stores"
)

func TestOpenChoosesTheBackendByLocation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := fleetopen.Open(ctx, t.TempDir(), fleetopen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*dirfleet.Store); !ok {
		t.Fatalf("a path opened %T", s)
	}
	if u := os.Getenv("TGSESSION_TEST_REDIS_URL"); u != "" {
		s, err := fleetopen.Open(ctx, u, fleetopen.Options{Namespace: "tgsession-test:fleetopen:"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*redisfleet.Store); !ok {
			t.Fatalf("%s opened %T", u, s)
		}
		s.Close()
	}
	if u := os.Getenv("TGSESSION_TEST_POSTGRES_URL"); u != "" {
		schema := "tgsession_test_fleetopen"
		s, err := fleetopen.Open(ctx, strings.Replace(u, "postgres://", "postgresql://", 1), fleetopen.Options{Namespace: schema})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*pgfleet.Store); !ok {
			t.Fatalf("%s opened %T", u, s)
		}
		s.Close()
		c, err := pgx.Connect(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenFailureReturnsANilStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, loc := range []string{"redis://127.0.0.1:1/0", "postgres://u@127.0.0.1:1/db"} {
		s, err := fleetopen.Open(ctx, loc, fleetopen.Options{Timeout: time.Second})
		if err == nil || s != nil {
			t.Errorf("%s: store %#v, error %v", loc, s, err)
		}
		if !errors.Is(err, fleet.ErrUnreachable) {
			t.Errorf("%s: %v", loc, err)
		}
	}
}

func TestOpenRefusesOtherSchemesWithoutQuotingThePassword(t *testing.T) {
	for _, loc := range []string{"mysql://u:hunter2@host/db", "mongodb://u:hunter2@host/db", "ftp://u:hunter2@host/", ""} {
		_, err := fleetopen.Open(context.Background(), loc, fleetopen.Options{})
		if !errors.Is(err, stores.ErrBadURL) {
			t.Errorf("%q: %v", loc, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}
