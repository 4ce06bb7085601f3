//go:build !unix

package cli

import (
	"errors"

	"github.com/rogpeppe/go-internal/testscript"
)

// The scripts that make special files guard them with [unix] or [mknod];
// these stand-ins fail the script if one runs anyway.

func cmdMkfifo(ts *testscript.TestScript, _ bool, _ []string) { ts.Fatalf("mkfifo: Unix only") }
func cmdMknod(ts *testscript.TestScript, _ bool, _ []string)  { ts.Fatalf("mknod: Unix only") }
func cmdMksock(ts *testscript.TestScript, _ bool, _ []string) { ts.Fatalf("mksock: Unix only") }
func canMknod() bool                                          { return false }

func mkfifo(string) error { return errors.ErrUnsupported }
