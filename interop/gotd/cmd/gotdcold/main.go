// Command gotdcold is the peer side of docs/benchmarks-startup.md: the
// smallest Go programs that do tgsession's string jobs with gotd's decoder,
// to compare whole-process cold start with `tgsession inspect` and
// `tgsession open`.
//
//	gotdcold inspect         decode the Telethon string in $TG_SESSION
//	gotdcold open IDENTITY   age-decrypt standard input with the X25519
//	                         identity file, then decode the Telethon string
//
// Both print the DC id, address and port, never the key.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"filippo.io/age"
	"github.com/gotd/td/session"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gotdcold inspect | open IDENTITY")
		os.Exit(2)
	}
	var text string
	switch os.Args[1] {
	case "inspect":
		text = os.Getenv("TG_SESSION")
	case "open":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: gotdcold open IDENTITY")
			os.Exit(2)
		}
		f, err := os.Open(os.Args[2])
		if err != nil {
			fail(err)
		}
		ids, err := age.ParseIdentities(f)
		f.Close()
		if err != nil {
			fail(err)
		}
		r, err := age.Decrypt(os.Stdin, ids...)
		if err != nil {
			fail(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			fail(err)
		}
		text = string(bytes.TrimSpace(b))
	default:
		fmt.Fprintln(os.Stderr, "usage: gotdcold inspect | open IDENTITY")
		os.Exit(2)
	}
	d, err := session.TelethonSession(text)
	if err != nil {
		fail(err)
	}
	fmt.Printf("dc=%d addr=%s\n", d.DC, d.Addr)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gotdcold:", err)
	os.Exit(1)
}
