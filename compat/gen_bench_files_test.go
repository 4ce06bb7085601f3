package compat_test

import (
	"os"
	"testing"
)

func TestGenBenchFiles(t *testing.T) {
	d := os.Getenv("GEN_DIR")
	if d == "" {
		t.Skip()
	}
	makeTelethonFiles(t, d, benchFiles)
}
