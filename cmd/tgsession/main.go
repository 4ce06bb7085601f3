// Command tgsession inspects, converts and protects Telegram client sessions.
//
// A session is read from standard input, from --in FILE, or from .session
// files named on the command line; never from the command line itself. Run
// "tgsession help" for the commands, and see USAGE.md for examples.
//
// This binary links neither SQLite nor a store or fleet driver, so that a
// job on a session string, a sealed value, a vault or exec starts fast. A
// job on a .session file, a store or the fleet is handed to its sibling
// tgsession-full (cmd/tgsession-full, installed beside it by
// "go install ./cmd/..."), which runs the same commands with everything
// linked.
package main

import "github.com/tgsession/tgsession/internal/cli"

func main() { cli.Main(cli.Hooks{}) }
