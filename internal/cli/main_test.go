package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tgsession/tgsession/internal/clifull"
)

func TestMain(m *testing.M) {
	// In-process runs (run, newCLI) are the full binary's.
	hooks = clifull.Hooks()
	testscript.Main(m, map[string]func(){
		"tgsession":        leanMain, // hands jobs to tgsession-full, as installed
		"tgsession-hooked": hookedMain,
		"tgsession-lean":   leanMain,
		"tgsession-full":   hookedMain, // fullMain unless TGSESSION_TEST_PAUSE… is set
	})
}

// fullMain and leanMain are cmd/tgsession-full's and cmd/tgsession's
// mains.
func fullMain() { Main(clifull.Hooks()) }
func leanMain() { Main(Hooks{}) }

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata",
		Setup: copySessionFiles,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"filemode": cmdFileMode,
			"envfile":  cmdEnvFile,
			"mkfifo":   cmdMkfifo,
			"mknod":    cmdMknod,
			"mksock":   cmdMksock,
			"filetype": cmdFileType,
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "mknod":
				return canMknod(), nil
			case "root":
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// cmdFileType checks a path's type without following links: filetype
// regular|symlink|fifo|chardev|dir PATH.
func cmdFileType(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filetype KIND PATH")
	}
	fi, err := os.Lstat(ts.MkAbs(args[1]))
	ts.Check(err)
	m := fi.Mode()
	var got string
	switch {
	case m&os.ModeSymlink != 0:
		got = "symlink"
	case m&os.ModeNamedPipe != 0:
		got = "fifo"
	case m&os.ModeCharDevice != 0:
		got = "chardev"
	case m.IsDir():
		got = "dir"
	case m.IsRegular():
		got = "regular"
	default:
		got = m.Type().String()
	}
	if (got == args[0]) == neg {
		ts.Fatalf("%s is %s", args[1], got)
	}
}

// sessionFiles are .session vectors from package compat's testdata (made
// by executing each library's schema SQL; fake keys), copied into every
// script's $WORK/sessions.
var sessionFiles = []string{
	"telethon_v7.session", "telethon_v10.session", "pyrogram_v3.session",
	"pyrofork_v4.session", "kurigram_v7.session", "telethon_v7_nokey.session",
	"hydrogram_wal.session", "hydrogram_wal.session-wal", "hydrogram_wal.session-shm",
}

func copySessionFiles(e *testscript.Env) error {
	dir := filepath.Join(e.WorkDir, "sessions")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	for _, name := range sessionFiles {
		b, err := os.ReadFile(filepath.Join("..", "..", "compat", "testdata", name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// cmdFileMode checks a file's permission bits: filemode 0600 FILE...
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: filemode MODE FILE...")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("bad mode %q", args[0])
	}
	for _, name := range args[1:] {
		fi, err := os.Stat(ts.MkAbs(name))
		ts.Check(err)
		got := fi.Mode().Perm()
		if (uint64(got) == want) == neg {
			ts.Fatalf("%s: mode %s, want %s%s", name, got, map[bool]string{true: "not ", false: ""}[neg], os.FileMode(want))
		}
	}
}

// cmdEnvFile sets an environment variable to a file's content, without
// surrounding whitespace: envfile NAME FILE.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}
