//go:build !unix

package compat_test

import (
	"fmt"
	"os"
)

func helperUnprivileged(string) {
	fmt.Fprintln(os.Stderr, "no unprivileged helper on this platform")
	os.Exit(2)
}
