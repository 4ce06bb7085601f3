// Package testrand gives tests a random source whose seed is logged, so
// that a failing run can be repeated. It is for tests only.
package testrand

import (
	"math/rand/v2"
	"testing"
)

// New returns a PCG on stream seeded with a fresh seed, which it logs: a
// failing run is repeated by putting the logged seed in place of
// rand.Uint64() here.
func New(t testing.TB, stream uint64) *rand.Rand {
	t.Helper()
	seed := rand.Uint64()
	t.Logf("random values from PCG seed %d, stream %d", seed, stream)
	return rand.New(rand.NewPCG(seed, stream))
}
