package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCmd = &command{
	name:    "version",
	summary: "print the version (also -v, --version)",
	help: `Usage: tgsession version
       tgsession -v | --version

Prints the tgsession version and the Go version it was built with.
`,
	run: func(c *cli, cmd *command, args []string) error {
		fs := newFlagSet(cmd)
		pos, err := c.parseFlags(cmd, fs, args, false)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usageErrorf("version: takes no arguments")
		}
		fmt.Fprintf(c.stdout, "tgsession %s (%s)\n", version(), runtime.Version())
		return nil
	},
}

// Version can be set at link time: -ldflags "-X main.Version=v1.2.3".
var Version string

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

var helpCmd = &command{
	name:    "help",
	summary: "show help for a command",
	help: `Usage: tgsession help [COMMAND]

Shows the list of commands, or a command's flags and examples.
`,
	run: func(c *cli, _ *command, args []string) error {
		switch len(args) {
		case 0:
			c.printUsage(c.stdout)
			return nil
		case 1:
			cmd := findCommand(args[0])
			if cmd == nil {
				return unknownCommand("help: ", args[0])
			}
			fmt.Fprint(c.stdout, cmd.help)
			return nil
		}
		return usageErrorf("help: takes at most one command name")
	},
}
