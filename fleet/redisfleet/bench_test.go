package redisfleet_test

import (
	"testing"

	"github.com/tgsession/tgsession/fleet/internal/fleettest"
)

// BenchmarkRedis runs against TGSESSION_TEST_REDIS_URL on its own prefix.
func BenchmarkRedis(b *testing.B) {
	url := serverURL(b)
	p := randomPrefix()
	raw(b, url, p)
	fleettest.Bench(b, openURL(b, url, p, nil))
}
