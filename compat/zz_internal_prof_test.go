package compat

import (
	"database/sql/driver"
	"os"
	"syscall"
	"time"
	"testing"
)

func BenchmarkStages(b *testing.B) {
	img, _ := os.ReadFile("/tmp/benchfiles/s0001.session")
	m, _ := openMem()
	b.Run("snapshot", func(b *testing.B) {
		for b.Loop() {
			s, err := takeSnapshot("/tmp/benchfiles/s0001.session", 0)
			if err != nil {
				b.Fatal(err)
			}
			s.wipe()
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			m.load(img)
		}
	})
	b.Run("load+master", func(b *testing.B) {
		for b.Loop() {
			m.load(img)
			m.query("SELECT name FROM sqlite_master WHERE type = 'table'")
		}
	})
	b.Run("load+master+4", func(b *testing.B) {
		for b.Loop() {
			m.load(img)
			m.query("SELECT name FROM sqlite_master WHERE type = 'table'")
			m.query("SELECT * FROM sessions")
			m.query("SELECT * FROM version")
			m.query("SELECT * FROM entities")
			m.query("SELECT * FROM update_state")
		}
	})
	b.Run("load+sessions", func(b *testing.B) {
		for b.Loop() {
			m.load(img)
			m.query("SELECT * FROM sessions")
		}
	})
	b.Run("open+close", func(b *testing.B) {
		for b.Loop() {
			m, _ := openMem()
			m.close()
		}
	})
}

func cpuT() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCPU(b *testing.B) {
	img, _ := os.ReadFile("/tmp/benchfiles/s0001.session")
	run := func(name string, f func()) {
		b.Run(name, func(b *testing.B) {
			c0 := cpuT()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64((cpuT()-c0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
		})
	}
	m, _ := openMem()
	run("snapshot", func() { s, _ := takeSnapshot("/tmp/benchfiles/s0001.session", 0); s.wipe() })
	run("load", func() { m.load(img) })
	run("load+master", func() { m.load(img); m.query("SELECT name FROM sqlite_master WHERE type = 'table'") })
	run("load+master+4", func() {
		m.load(img)
		m.query("SELECT name FROM sqlite_master WHERE type = 'table'")
		m.query("SELECT * FROM sessions")
		m.query("SELECT * FROM version")
		m.query("SELECT * FROM entities")
		m.query("SELECT * FROM update_state")
	})
	run("openclose", func() { m, _ := openMem(); m.close() })
	run("direct", direct)
	run("readfile", func() { f, _ := ReadFile("/tmp/benchfiles/s0001.session"); f.Wipe() })
}

func direct() {
	{
		c, err := sqliteDriver.Open("file:/tmp/benchfiles/s0001.session?mode=ro&_pragma=busy_timeout(1000)")
		if err != nil {
			panic(err)
		}
		m := &memDB{c: c.(interface {
			driver.Conn
			driver.ExecerContext
			driver.QueryerContext
		})}
		m.query("SELECT name FROM sqlite_master WHERE type = 'table'")
		m.query("SELECT * FROM sessions")
		m.query("SELECT * FROM version")
		m.query("SELECT * FROM entities")
		m.query("SELECT * FROM update_state")
		m.close()
	}
}

func BenchmarkCount(b *testing.B) {
	c0 := cpuT()
	for b.Loop() {
		f, err := readFile("/tmp/benchfiles/s0001.session", ReadOptions{}, true)
		if err != nil {
			b.Fatal(err)
		}
		f.Wipe()
	}
	b.ReportMetric(float64((cpuT()-c0).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
}
