// Command leancold measures the floor of a split CLI (docs/benchmarks-startup.md):
// tgsession's own string jobs — codec decode and vault open, memguard
// included — in a binary that links neither SQLite nor any store or fleet
// driver. It is what a `tgsession` without those could at best achieve.
//
//	leancold inspect < SESSION-TEXT
//	leancold open IDENTITY-FILE < SEALED-VALUE
//
// Both print the session's one-line summary, never the key.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	in, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "inspect":
		s, err := codec.Decode(string(in))
		if err != nil {
			fail(err)
		}
		defer s.Wipe()
		fmt.Println(s)
	case "open":
		if len(os.Args) != 3 {
			usage()
		}
		ids, err := (&vault.KeySearch{Files: []string{os.Args[2]}}).Find()
		if err != nil {
			fail(err)
		}
		s, err := vault.Open(in, ids)
		if err != nil {
			fail(err)
		}
		fmt.Println(s)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: leancold inspect | open IDENTITY-FILE")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "leancold:", err)
	os.Exit(1)
}
