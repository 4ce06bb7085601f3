// Package cli is the tgsession command line. It is built into two
// binaries: cmd/tgsession, the one users run, and cmd/tgsession-full.
//
// The two run the same commands from the same code. They differ in what
// they link: tgsession-full links SQLite (.session files, package compat)
// and the store and fleet drivers (PostgreSQL, MySQL, Redis, MongoDB), and
// hands them to the CLI as [Hooks]; tgsession links none of them, so that
// a job on a session string, a sealed value or a vault starts in the time
// such a job needs (Go runs the package initialisation of everything a
// binary links, whatever the command). When tgsession is given a job that
// needs what it left out (a .session file, a store or fleet, an SQLite
// output kind), it replaces itself with tgsession-full (see full.go); the
// user sees one program.
//
// A session is read from standard input, from --in FILE, or from .session
// files named on the command line; never from the command line itself. Run
// "tgsession help" for the commands, and see cmd/tgsession/USAGE.md for
// examples.
package cli

import (
	"io"
	"os"

	"github.com/tgsession/tgsession/internal/clihooks"
	"github.com/tgsession/tgsession/internal/safefile"
)

// Hooks is what the lean binary leaves out (cmd/tgsession passes the zero
// value, cmd/tgsession-full internal/clifull.Hooks()).
type Hooks = clihooks.Hooks

// hooks is set once by Main (tests set it in TestMain).
var hooks Hooks

// Main runs the command line of os.Args and exits.
func Main(h Hooks) {
	hooks = h
	args := os.Args[1:]
	if hooks.Complete() {
		os.Unsetenv(envReexec) // not for exec's child
	} else {
		if need := needsFull(args); need != "" {
			os.Exit(reexecFull(args, os.Stderr, need))
		}
		mainArgs = args
	}
	signalsWanted = true // installed on first need (signals.go)
	safefile.BeforeTemp = func() {
		fileStarted.Store(true)
		ensureSignals()
	}
	code := run(args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(finish(code))
}

// run is main without the process: it parses args, runs the command and
// returns the exit status (0 success, 1 bad input or failure, 2 usage).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return newCLI(stdin, stdout, stderr, getenv).run(args)
}
