package compat_test

import (
	"testing"

	"github.com/tgsession/tgsession/compat"
)

func BenchmarkReadOne(b *testing.B) {
	for b.Loop() {
		f, err := compat.ReadFile("/tmp/benchfiles/s0001.session")
		if err != nil {
			b.Fatal(err)
		}
		f.Wipe()
	}
}
