//go:build race

package compat_test

// raceEnabled: the race detector makes SQLite 10–30 times slower.
const raceEnabled = true
