package fuzz_test

import (
	"testing"

	"github.com/tgsession/tgsession/codec"
)

// FuzzParseMtkruto fuzzes the MTKruto auth string decoder (codec.DecodeAs
// with codec.Mtkruto): the run-length decoding, TL framing and trailer
// checks. Invariants: those of every per-format target (fuzzFormat).
func FuzzParseMtkruto(f *testing.F) { fuzzFormat(f, codec.Mtkruto) }
