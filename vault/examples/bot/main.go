// Command bot shows how a Go Telegram bot deployed on a serverless platform
// or in a container opens its age-sealed session: the sealed session is in
// the environment variable TG_SESSION and the age identity in
// TGSESSION_AGE_KEY (set them from two different secret stores).
//
// It needs no network: instead of connecting to Telegram it prints the
// session's non-secret metadata and the auth_key_id computed inside
// WithKey, where a real bot would hand the key to its MTProto client. Run
// it with -demo to seal a throwaway session with a fresh identity first:
//
//	go run ./vault/examples/bot -demo
package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"

	"filippo.io/age"
	"github.com/awnumar/memguard"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func main() {
	// The program, not the library, decides how locked memory is cleaned
	// up: wipe it on SIGINT/SIGTERM (name the signals explicitly: with none,
	// memguard catches every signal, including the runtime's SIGURG).
	memguard.CatchSignal(func(os.Signal) {}, os.Interrupt, syscall.SIGTERM)
	defer memguard.Purge()
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bot: error:", err)
		memguard.SafeExit(1)
	}
}

func run(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	name := fs.String("env", "TG_SESSION", "environment variable holding the sealed session")
	demo := fs.Bool("demo", false, "seal a throwaway session with a fresh identity into the environment first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *demo {
		if err := sealDemo(*name); err != nil {
			return err
		}
	}

	// The serverless path: read, unset and scrub the variable, then open it
	// with the identity from TGSESSION_AGE_KEY, which is removed too.
	if _, ok := os.LookupEnv(*name); !ok {
		return fmt.Errorf("bot: $%s is not set: %w", *name, vault.ErrNotFound)
	}
	ids, err := (&vault.KeySearch{Env: true, ScrubEnv: true}).Find()
	if err != nil {
		return err
	}
	s, err := vault.OpenEnv(*name, ids)
	if err != nil {
		return err
	}
	defer s.Destroy()
	fmt.Fprintf(w, "opened %v\n", s) // redacted: metadata and auth_key_id only

	// A real bot gives the key to its MTProto client here, copying it only
	// into memory the client wipes. This one derives the auth_key_id.
	err = s.WithKey(func(key *[codec.AuthKeySize]byte) error {
		sum := sha1.Sum(key[:])
		fmt.Fprintf(w, "auth_key_id %d (computed inside WithKey)\n", binary.LittleEndian.Uint64(sum[12:20]))
		return nil
	})
	if err != nil {
		return err
	}
	_, sessionSet := os.LookupEnv(*name)
	_, keySet := os.LookupEnv(vault.EnvKey)
	fmt.Fprintf(w, "%s in environment: %v, %s in environment: %v\n", *name, sessionSet, vault.EnvKey, keySet)
	return nil
}

// sealDemo puts a throwaway sealed session (obviously fake key) and a
// fresh identity into the environment, as a deployment would.
func sealDemo(name string) error {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	key, err := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	if err != nil {
		return err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
	vs, err := vault.NewSession(s)
	if err != nil {
		return err
	}
	defer vs.Destroy()
	vs.Labels = map[string]string{"app": "demo-bot"}
	sealed, err := vs.Seal(vault.FormText, id.Recipient())
	if err != nil {
		return err
	}
	os.Setenv(name, string(sealed))
	os.Setenv(vault.EnvKey, id.String())
	return nil
}
