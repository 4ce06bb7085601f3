//go:build tools

// Package deps pins modules that the project uses so that `go mod tidy`
// keeps them while code that imports them is being written.
package deps

import (
	_ "c2sp.org/CCTV/age"
	_ "filippo.io/age"
	_ "filippo.io/age/agessh"
	_ "filippo.io/age/armor"
	_ "github.com/awnumar/memguard"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/stretchr/testify/require"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
	_ "modernc.org/sqlite"
)
