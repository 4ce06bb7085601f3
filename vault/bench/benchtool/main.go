//go:build unix

// Command benchtool supports vault/bench/open_process.sh:
//
//	benchtool seal DIR
//		writes DIR/key.txt (a fresh X25519 identity) and DIR/sealed.txt
//		(a Telethon-like session with an obviously fake key, sealed to it
//		in the single-line form)
//	benchtool time [-n N] [-stdin FILE] -- COMMAND [ARG...]
//		runs COMMAND N times (stdout and stderr discarded, stdin from FILE)
//		and prints the wall-time median, p10, p90, min and max, the median
//		CPU time (user+sys, less sensitive to a busy machine) and the
//		largest max RSS.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"filippo.io/age"
	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/vault"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool seal DIR | benchtool time [-n N] [-stdin FILE] -- CMD [ARG...]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seal":
		err = seal(os.Args[2:])
	case "time":
		err = timeCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func seal(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: benchtool seal DIR")
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	key, err := codec.NewAuthKey(bytes.Repeat([]byte{'a'}, codec.AuthKeySize))
	if err != nil {
		return err
	}
	s := &codec.Session{Info: codec.Info{Source: codec.Telethon, Layout: "ipv4", DC: 2, ServerAddress: "149.154.167.51", Port: 443}, Key: key}
	vs, err := vault.NewSession(s)
	if err != nil {
		return err
	}
	sealed, err := vs.Seal(vault.FormText, id.Recipient())
	vs.Destroy()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(args[0], "key.txt"), []byte(id.String()+"\n"), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(args[0], "sealed.txt"), sealed, 0o600)
}

func timeCmd(args []string) error {
	fs := flag.NewFlagSet("time", flag.ContinueOnError)
	n := fs.Int("n", 50, "runs")
	stdin := fs.String("stdin", "", "file to give each run as standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmdline := fs.Args()
	if len(cmdline) == 0 {
		return fmt.Errorf("no command")
	}
	var times, cpu []time.Duration
	var maxRSS int64
	for i := 0; i < *n; i++ {
		cmd := exec.Command(cmdline[0], cmdline[1:]...)
		if *stdin != "" {
			f, err := os.Open(*stdin)
			if err != nil {
				return err
			}
			cmd.Stdin = f
			defer f.Close()
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return fmt.Errorf("run %d: %v: %s", i, err, stderr.String())
		}
		times = append(times, d)
		cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
	}
	slices.Sort(times)
	slices.Sort(cpu)
	q := func(p float64) time.Duration { return times[int(p*float64(len(times)-1))] }
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	fmt.Printf("runs=%d median=%v p10=%v p90=%v min=%v max=%v cpu(median user+sys)=%v maxrss=%dKiB\n",
		len(times), r(q(0.5)), r(q(0.1)), r(q(0.9)), r(times[0]), r(times[len(times)-1]),
		r(cpu[len(cpu)/2]), maxRSS)
	return nil
}
