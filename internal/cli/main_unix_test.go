//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdMkfifo makes a named pipe: mkfifo PATH.
func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o600))
}

// cmdMknod makes a character device node like /dev/null (1:3): mknod PATH.
// Scripts guard it with [mknod].
func cmdMknod(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mknod PATH")
	}
	ts.Check(syscall.Mknod(ts.MkAbs(args[0]), syscall.S_IFCHR|0o600, 1<<8|3))
}

// canMknod reports whether this process may make device nodes.
func canMknod() bool {
	dir, err := os.MkdirTemp("", "mknod")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	return syscall.Mknod(filepath.Join(dir, "n"), syscall.S_IFCHR|0o600, 1<<8|3) == nil
}

// cmdMksock makes a Unix socket file: mksock PATH.
func cmdMksock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mksock PATH")
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	ts.Check(err)
	defer syscall.Close(fd)
	ts.Check(syscall.Bind(fd, &syscall.SockaddrUnix{Name: ts.MkAbs(args[0])}))
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
