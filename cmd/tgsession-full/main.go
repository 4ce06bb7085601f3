// Command tgsession-full is tgsession with everything linked: SQLite for
// .session files and the store and fleet drivers. tgsession hands it the
// jobs that need them; it can also be run directly, with the same commands
// and flags (see cmd/tgsession/USAGE.md).
package main

import (
	"github.com/tgsession/tgsession/internal/cli"
	"github.com/tgsession/tgsession/internal/clifull"
)

func main() { cli.Main(clifull.Hooks()) }
