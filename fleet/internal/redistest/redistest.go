// Package redistest starts a private redis-server for a test on a free
// loopback port (never the shared server), so the test may kill, restart
// and dump it.
package redistest

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a private redis-server.
type Server struct {
	t    testing.TB
	bin  string
	Dir  string
	port int
	args []string
	cmd  *exec.Cmd
}

// Start starts redis-server with an append-only file fsynced on every
// write (a restart, even after SIGKILL, keeps what it acknowledged) and
// extra arguments; it skips the test when no redis-server is installed.
// The server is killed when the test ends.
func Start(t testing.TB, extra ...string) *Server {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("skipped: no redis-server binary to start a private server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{t: t, bin: bin, Dir: t.TempDir(), port: port, args: extra}
	s.start()
	t.Cleanup(s.Kill)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is redis://host:port/0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

func (s *Server) start() {
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", s.Dir, "--logfile", filepath.Join(s.Dir, "redis.log")}, s.args...)
	s.cmd = exec.Command(s.bin, args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for range 400 {
		c, err := net.DialTimeout("tcp", s.Addr(), 100*time.Millisecond)
		if err == nil {
			_, _ = c.Write([]byte("PING\r\n"))
			b := make([]byte, 16)
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(b)
			c.Close()
			if strings.HasPrefix(string(b[:n]), "+PONG") {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatal("private redis-server did not start")
}

// Kill SIGKILLs the server (a crash).
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart kills the server and starts it again on the same port and data.
func (s *Server) Restart() {
	s.Kill()
	s.start()
}
