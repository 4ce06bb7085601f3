//go:build unix

// Package pgtest starts a private PostgreSQL server for a test (initdb
// into a temporary directory, postgres on a free loopback port; never the
// shared server), so the test may crash, stop and restart it.
package pgtest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a private PostgreSQL server.
type Server struct {
	t        testing.TB
	postgres string
	Dir      string // the data directory's parent, which also holds the socket
	port     int
	cred     *syscall.Credential // run as the postgres user when we are root
	cmd      *exec.Cmd
	done     chan struct{}
	restarts int
}

// binary finds a PostgreSQL server binary on PATH or in Debian's
// /usr/lib/postgresql/<version>/bin.
func binary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) > 0 {
		return m[len(m)-1]
	}
	return ""
}

// Start runs initdb (trust authentication for the user postgres) and
// starts the server; it skips the test when no initdb or postgres binary
// is installed. PostgreSQL refuses to run as root: as root, the directory
// is given to the postgres user and the server runs as that user. The
// server is killed and its directory removed when the test ends.
func Start(t testing.TB) *Server {
	initdb, postgres := binary("initdb"), binary("postgres")
	if initdb == "" || postgres == "" {
		t.Skip("skipped: no initdb/postgres binaries to start a private PostgreSQL server (Debian: postgresql)")
	}
	dir, err := os.MkdirTemp("", "tgsession-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, postgres: postgres, Dir: dir}
	t.Cleanup(func() {
		s.Kill()
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run a private server as: %v", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(initdb, "-D", s.data(), "-U", "postgres", "--auth=trust", "-N", "-E", "UTF8", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s.start()
	return s
}

func (s *Server) data() string { return filepath.Join(s.Dir, "data") }

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is postgres://postgres@host:port/postgres.
func (s *Server) URL() string { return "postgres://postgres@" + s.Addr() + "/postgres" }

func (s *Server) start() {
	// A backend of a killed server that this platform could not list (no
	// /proc) keeps the shared memory until it notices its postmaster is
	// gone; the start is then refused, and tried again until it is not.
	for attempt := 0; ; attempt++ {
		logText, ok := s.startOnce()
		if ok {
			return
		}
		if attempt < 100 && strings.Contains(logText, "pre-existing shared memory block") {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.t.Fatalf("private postgres exited at start:\n%s", logText)
	}
}

// startOnce starts postgres and waits until it accepts connections; when
// it exits first, it returns its log.
func (s *Server) startOnce() (string, bool) {
	logPath := filepath.Join(s.Dir, "postgres.log")
	// fsync off: a test machine never loses its page cache, and a killed
	// server keeps every commit it acknowledged (the WAL was written).
	s.cmd = exec.Command(s.postgres, "-D", s.data(), "-p", strconv.Itoa(s.port), "-k", s.Dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200",
		"-c", "logging_collector=off", "-c", "log_min_messages=fatal")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	s.done = done
	go func(c *exec.Cmd) { _ = c.Wait(); close(done) }(s.cmd)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.URL())
		if err == nil {
			err = c.Ping(ctx)
			_ = c.Close(ctx)
		}
		cancel()
		if err == nil {
			return "", true
		}
		select {
		case <-done:
			s.cmd = nil
			b, _ := os.ReadFile(logPath)
			return string(b), false
		case <-time.After(50 * time.Millisecond):
		}
	}
	s.t.Fatal("private postgres did not accept connections within 60 s")
	return "", false
}

// Kill SIGKILLs the postmaster and every backend (a crash: the next start
// runs crash recovery). Backends call setsid, so a process-group kill
// misses them; the postmaster is frozen first so that it forks no backend
// between the listing of its children and the kill. A postmaster that has
// already exited (after a fast shutdown, which waits for its backends) is
// not signalled: its pid may belong to another process by now.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
	default:
		// Process.Signal, not kill(2) on the pid: it refuses a process
		// that has been waited for, and then there is nothing to kill.
		if s.cmd.Process.Signal(syscall.SIGSTOP) != nil {
			<-s.done
			break
		}
		kids := children(s.cmd.Process.Pid)
		for _, k := range kids {
			_ = syscall.Kill(k, syscall.SIGKILL)
		}
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
		// A backend that outlived the postmaster would keep the shared
		// memory the next start checks: wait until each is gone (or a
		// zombie, which holds no memory).
		for _, k := range kids {
			for i := 0; i < 1000 && alive(k); i++ {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	s.cmd = nil
}

// children lists the processes whose parent is pid, from /proc (Linux);
// elsewhere none are found and Kill relies on the backends noticing the
// postmaster's death.
func children(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		k, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ppid := stat(k); st != 0 && ppid == pid {
			out = append(out, k)
		}
	}
	return out
}

// stat returns a process's state letter and parent from /proc/PID/stat
// (0 when unreadable).
func stat(pid int) (byte, int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return f[0][0], ppid
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	st, _ := stat(pid)
	return st != 'Z' && st != 'X'
}

// stop asks for a fast shutdown (SIGINT): every client is told
// "terminating connection due to administrator command" (SQLSTATE 57P01).
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.t.Error("private postgres did not stop within 30 s of SIGINT; killing it")
	}
	s.Kill()
}

// Restart stops the server and starts it again on the same port and data:
// odd restarts are crashes (SIGKILL of every server process), even ones a
// fast shutdown, so that clients see both a cut connection and the
// server's 57P01 error.
func (s *Server) Restart() {
	s.restarts++
	if s.restarts%2 == 1 {
		s.Kill()
	} else {
		s.stop()
	}
	s.start()
}
