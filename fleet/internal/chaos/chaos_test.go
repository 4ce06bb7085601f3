//go:build unix

package chaos

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/fleet/internal/pgtest"
	"github.com/tgsession/tgsession/fleet/internal/redistest"
	"github.com/tgsession/tgsession/fleet/internal/tcpproxy"
	"github.com/tgsession/tgsession/stores"
)

const (
	envWorker   = "TGSESSION_CHAOS_WORKER"
	envRedis    = "TGSESSION_TEST_REDIS_URL"
	envPostgres = "TGSESSION_TEST_POSTGRES_URL"
	chaosTTL    = time.Second
)

type workerConfig struct {
	Backend, URL, NS, Log string
	Names                 []string
	ID                    int
	Until                 time.Time
	Pool                  bool
	// Careless workers ignore their supervisor and deadline and keep
	// writing back: their stale write-backs must be fenced.
	Careless bool
}

func (c workerConfig) env() []string {
	return []string{envWorker + "=1", "CHAOS_BACKEND=" + c.Backend, "CHAOS_URL=" + c.URL, "CHAOS_NS=" + c.NS,
		"CHAOS_LOG=" + c.Log, "CHAOS_NAMES=" + strings.Join(c.Names, ","), "CHAOS_ID=" + strconv.Itoa(c.ID),
		"CHAOS_UNTIL=" + strconv.FormatInt(c.Until.UnixNano(), 10), "CHAOS_POOL=" + strconv.FormatBool(c.Pool),
		"CHAOS_CARELESS=" + strconv.FormatBool(c.Careless)}
}

func openStore(ctx context.Context, backend, url, ns string) (fleet.Store, error) {
	if backend == "dir" {
		return fleetopen.Open(ctx, ns, fleetopen.Options{})
	}
	return fleetopen.Open(ctx, url, fleetopen.Options{Namespace: ns, Timeout: 500 * time.Millisecond})
}

// TestChaosWorker is the worker process of the contention tests; it does
// nothing unless started by one.
func TestChaosWorker(t *testing.T) {
	if os.Getenv(envWorker) == "" {
		t.Skip("skipped: runs only as a worker process of TestChaos*")
	}
	until, _ := strconv.ParseInt(os.Getenv("CHAOS_UNTIL"), 10, 64)
	id, _ := strconv.Atoi(os.Getenv("CHAOS_ID"))
	c := workerConfig{Backend: os.Getenv("CHAOS_BACKEND"), URL: os.Getenv("CHAOS_URL"), NS: os.Getenv("CHAOS_NS"),
		Log: os.Getenv("CHAOS_LOG"), Names: strings.Split(os.Getenv("CHAOS_NAMES"), ","), ID: id,
		Until: time.Unix(0, until), Pool: os.Getenv("CHAOS_POOL") == "true",
		Careless: os.Getenv("CHAOS_CARELESS") == "true"}
	if err := work(c); err != nil {
		t.Fatal(err)
	}
}

func work(c workerConfig) error {
	f, err := os.OpenFile(c.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		_, _ = f.WriteString(fmt.Sprintf(format, args...) + "\n") // one write: a kill tears at most the last line
	}
	now := func() int64 { return time.Now().UnixNano() }
	var s fleet.Store
	for s == nil {
		if time.Now().After(c.Until) {
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		s, err = openStore(ctx, c.Backend, c.URL, c.NS)
		cancel()
		if err != nil {
			time.Sleep(100 * time.Millisecond)
		}
	}
	defer s.Close()
	holder := fmt.Sprintf("worker-%d/pid-%d", c.ID, os.Getpid())
	op := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 500*time.Millisecond)
	}
	for time.Now().Before(c.Until) {
		ctx, cancel := op()
		sent := now()
		var l *fleet.Lease
		if c.Pool {
			l, err = s.AcquireAny(ctx, "s", holder, chaosTTL)
		} else {
			l, err = s.Acquire(ctx, c.Names[mrand.IntN(len(c.Names))], holder, chaosTTL)
		}
		cancel()
		if err != nil {
			time.Sleep(time.Duration(5+mrand.IntN(30)) * time.Millisecond)
			continue
		}
		logf("A %s %d %d %d", l.Name, l.Token, sent, now())
		ctx, cancel = op()
		// A read proves the lease only if it completed while the lease was
		// live: a worker starved of CPU between Acquire and Get (race
		// detector, loaded CI) can read after its lease expired and a
		// successor wrote, which no lease forbids (reads are not fenced).
		if e, err := s.Get(ctx, l.Name); err == nil && time.Now().Before(l.Deadline()) {
			logf("R %s %d %s", l.Name, l.Token, e.Sealed)
		}
		cancel()
		var (
			mu      sync.Mutex
			stopped bool
		)
		end := func(reason string) {
			mu.Lock()
			defer mu.Unlock()
			if !stopped {
				stopped = true
				logf("E %s %d %d %s %d", l.Name, l.Token, now(), reason, l.Deadline().UnixNano())
			}
		}
		// Begin only with a third of the TTL left (acquire and read may have
		// waited on the store): a real holder checks this before starting.
		if !c.Careless && !time.Now().Before(l.Deadline().Add(-chaosTTL/3)) {
			end("late")
			ctx, cancel := op()
			_ = s.Release(ctx, l)
			cancel()
			continue
		}
		// Stop half a TTL before the deadline: a worker starved of CPU for
		// less than that still stops in time on a loaded machine.
		sup, err := fleet.Supervise(s, l, fleet.SuperviseOptions{RenewEvery: chaosTTL / 4, Grace: chaosTTL / 2, Stop: func(error) {
			if !c.Careless {
				end("stop")
			}
		}})
		if err != nil {
			return err
		}
		holdUntil := time.Now().Add(time.Duration(50+mrand.IntN(600)) * time.Millisecond)
		for seq := 1; time.Now().Before(holdUntil); seq++ {
			if c.Careless {
				// Sleep first, so that a worker paused mid-hold writes once
				// more when it resumes, long after its lease expired.
				time.Sleep(60 * time.Millisecond)
			} else {
				mu.Lock()
				out := stopped || !time.Now().Before(l.Deadline())
				mu.Unlock()
				if out {
					break
				}
			}
			v := WriteValue(l.Name, l.Token, seq)
			logf("W %s %d %d %s", l.Name, l.Token, seq, v)
			ctx, cancel := op()
			err := s.WriteBack(ctx, l, "0123456789abcdef", []byte(v))
			cancel()
			switch {
			case err == nil:
				logf("K %s %d %d", l.Name, l.Token, seq)
			case errors.Is(err, fleet.ErrFenced):
				logf("F %s %d %d", l.Name, l.Token, seq)
			}
			if !c.Careless {
				time.Sleep(60 * time.Millisecond)
			}
		}
		end("done")
		_ = sup.Close()
		ctx, cancel = op()
		_ = s.Release(ctx, l)
		cancel()
	}
	return nil
}

type chaosRun struct {
	backend, url, ns string
	names            []string
	workers, pool    int
	duration         time.Duration
	restart          func() // restarts the server mid-run, or nil
	restarts         int    // how many times restart is called, spread over the run
}

func TestChaosRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	r := redistest.Start(t)
	runChaos(t, chaosRun{backend: "redis", url: r.URL(), ns: "chaos:",
		names: []string{"s1", "s2", "s3", "s4"}, workers: 6, pool: 2, duration: 16 * time.Second, restart: r.Restart, restarts: 1})
}

// TestChaosPostgres runs the holders against a private PostgreSQL server
// (never the shared one: it is crashed and restarted twice mid-run, once
// by SIGKILL of every server process and once by a fast shutdown that
// sends every client 57P01).
func TestChaosPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	if os.Getenv(envPostgres) == "" {
		t.Skip("skipped: set " + envPostgres + " (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the PostgreSQL contention test (it starts a private server from the same installation)")
	}
	srv := pgtest.Start(t)
	runChaos(t, chaosRun{backend: "postgres", url: srv.URL(), ns: "tgsession_test_chaos",
		names: []string{"s1", "s2", "s3", "s4"}, workers: 6, pool: 2, duration: 16 * time.Second,
		restart: srv.Restart, restarts: 2})
}

// TestChaosDir runs the directory backend's holders (one machine) without
// a proxy: kills only.
func TestChaosDir(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	runChaos(t, chaosRun{backend: "dir", ns: t.TempDir(), names: []string{"s1", "s2", "s3", "s4"}, workers: 6, pool: 2, duration: 8 * time.Second})
}

func runChaos(t *testing.T, c chaosRun) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := openStore(ctx, c.backend, c.url, c.ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range c.names {
		if err := s.Put(ctx, fleet.Meta{Name: n, AuthKeyID: "0123456789abcdef"}, []byte(InitialValue(n)), false); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	workerURL := ""
	var p *tcpproxy.Proxy
	if c.backend != "dir" {
		u, err := stores.ParseURL(c.url)
		if err != nil {
			t.Fatal(err)
		}
		p, err = tcpproxy.Start("127.0.0.1:0", u.Host())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		wu := u.Reveal()
		wu.Host = p.Addr()
		workerURL = wu.String()
	}
	dir := t.TempDir()
	start := time.Now()
	until := start.Add(c.duration)

	type proc struct {
		cmd  *exec.Cmd
		done chan struct{}
	}
	procs := map[int]*proc{}
	// One worker slot in six is careless; it is the one the test pauses.
	careless := func(id int) bool { return id%c.workers == c.workers-1 }
	kills := map[int]int64{}
	logs := map[int]string{}
	next := 0
	spawn := func() {
		id := next
		next++
		logs[id] = filepath.Join(dir, fmt.Sprintf("worker-%d.log", id))
		cfg := workerConfig{Backend: c.backend, URL: workerURL, NS: c.ns, Log: logs[id], Names: c.names, ID: id, Until: until, Pool: id%c.workers < c.pool,
			Careless: careless(id)}
		cmd := exec.Command(os.Args[0], "-test.run=^TestChaosWorker$", "-test.count=1")
		cmd.Env = append(os.Environ(), cfg.env()...)
		out, err := os.Create(logs[id] + ".out")
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pr := &proc{cmd: cmd, done: make(chan struct{})}
		go func() { _ = cmd.Wait(); close(pr.done) }()
		procs[id] = pr
	}
	for range c.workers {
		spawn()
	}
	var report Report
	for time.Now().Before(until.Add(-1500 * time.Millisecond)) {
		time.Sleep(time.Duration(200+mrand.IntN(400)) * time.Millisecond)
		switch {
		case report.Restarts < c.restarts &&
			time.Since(start) > c.duration*time.Duration(report.Restarts+1)/time.Duration(c.restarts+1):
			c.restart()
			report.Restarts++
		case mrand.IntN(4) == 0:
			// SIGSTOP a careless worker past its TTL, as a VM freeze or a
			// long GC pause would, then let it run on.
			for id, pr := range procs {
				if careless(id) {
					_ = pr.cmd.Process.Signal(syscall.SIGSTOP)
					time.Sleep(chaosTTL + 400*time.Millisecond)
					_ = pr.cmd.Process.Signal(syscall.SIGCONT)
					report.Pauses++
					break
				}
			}
		case p == nil || mrand.IntN(2) == 0:
			ids := make([]int, 0, len(procs))
			for id := range procs {
				ids = append(ids, id)
			}
			id := ids[mrand.IntN(len(ids))]
			pr := procs[id]
			_ = pr.cmd.Process.Signal(syscall.SIGKILL)
			<-pr.done
			kills[id] = time.Now().UnixNano()
			delete(procs, id)
			report.Kills++
			spawn()
		default:
			p.Cut()
			report.Cuts++
		}
	}
	for id, pr := range procs {
		select {
		case <-pr.done:
		case <-time.After(time.Until(until) + 10*time.Second):
			_ = pr.cmd.Process.Signal(syscall.SIGKILL)
			<-pr.done
			t.Errorf("worker %d did not end on time", id)
		}
		if pr.cmd.ProcessState != nil && !pr.cmd.ProcessState.Success() {
			b, _ := os.ReadFile(logs[id] + ".out")
			if len(b) > 6000 {
				b = b[:6000]
			}
			t.Errorf("worker %d failed: %v\n%s", id, pr.cmd.ProcessState, b)
		}
	}
	workers := map[int][]Event{}
	for id, path := range logs {
		ev, err := ReadLogFile(path, id)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		workers[id] = ev
	}
	holds := Holds(workers, kills)
	for _, h := range holds {
		h.Careless = careless(h.Worker)
	}
	r := Check(holds, chaosTTL, 3*time.Second, time.Now().UnixNano())
	r.Kills, r.Cuts, r.Restarts, r.Pauses = report.Kills, report.Cuts, report.Restarts, report.Pauses
	t.Logf("%s: %d processes, %d sessions, %v: %d acquisitions, %d write-backs (%d acknowledged, %d fenced), %d kills (%d while holding), %d connection cuts, %d server restarts, %d pauses of a careless holder (%d of its holds overlapped a successor; %d stale write-backs fenced), %d supervisor stops, %d takeovers after a kill (max %v), violations %d (overlaps %d, token order %d, lost writes %d, used past deadline %d, slow takeovers %d)",
		c.backend, next, len(c.names), c.duration, r.Acquisitions, r.WriteBacks, r.Acked, r.Fenced, r.Kills, r.KilledHolders, r.Cuts, r.Restarts, r.Pauses, r.CarelessOverlaps, r.Fenced, r.Stops,
		r.Takeovers, r.MaxTakeover.Round(time.Millisecond), len(r.Violations), r.Overlaps, r.TokenOrder, r.LostWrites, r.UsedPastDeadline, r.SlowTakeovers)
	for i, v := range r.Violations {
		if i == 20 {
			t.Errorf("… %d more", len(r.Violations)-20)
			break
		}
		t.Errorf("violation: %s", v)
	}
	if r.Acquisitions < 20 || r.Acked < 20 {
		t.Errorf("too little happened to prove anything: %d acquisitions, %d acknowledged write-backs", r.Acquisitions, r.Acked)
	}
}
