// Command tgsession inspects, converts and protects Telegram client sessions.
//
// A session is read from standard input, from --in FILE, or from .session
// files named on the command line; never from the command line itself. Run
// "tgsession help" for the commands, and see USAGE.md for examples.
package main

import (
	"io"
	"os"
)

func main() {
	installSignals()
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(finish(code))
}

// run is main without the process: it parses args, runs the command and
// returns the exit status (0 success, 1 bad input or failure, 2 usage).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return newCLI(stdin, stdout, stderr, getenv).run(args)
}
