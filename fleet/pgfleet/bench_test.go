package pgfleet_test

import (
	"testing"

	"github.com/tgsession/tgsession/fleet/internal/fleettest"
)

// BenchmarkPostgres runs against TGSESSION_TEST_POSTGRES_URL in its own
// schema.
func BenchmarkPostgres(b *testing.B) {
	url := serverURL(b)
	sc := randomSchema()
	raw(b, url, sc)
	fleettest.Bench(b, openURL(b, url, sc, nil))
}
