package dirfleet_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/dirfleet"
	"github.com/tgsession/tgsession/fleet/internal/fleettest"
)

var dirs = map[*testing.T]string{}

func dirOf(t *testing.T) string {
	if d, ok := dirs[t]; ok {
		return d
	}
	d := t.TempDir()
	dirs[t] = d
	t.Cleanup(func() { delete(dirs, t) })
	return d
}

func open(t *testing.T, c fleet.Clock) fleet.Store {
	s, err := dirfleet.Open(dirOf(t), dirfleet.Options{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// edit rewrites a session file behind the store's back.
func edit(t *testing.T, name string, f func(m map[string]any)) {
	p := filepath.Join(dirOf(t), "sessions", hex.EncodeToString([]byte(name))+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDirFleet(t *testing.T) {
	fleettest.Run(t, fleettest.Backend{
		Open:      func(t *testing.T) fleet.Store { return open(t, nil) },
		OpenClock: open,
		Tamper: func(t *testing.T, name string, sealed []byte) {
			edit(t, name, func(m map[string]any) { m["sealed"] = sealed })
		},
		Forge: func(t *testing.T, name, holder string, ttl time.Duration) {
			edit(t, name, func(m map[string]any) {
				m["holder"], m["lease_value"], m["lease_expires"] = holder, "not a lease of ours", time.Now().Add(ttl).UnixNano()
			})
		},
	})
}

func TestDirFleetFilesArePrivate(t *testing.T) {
	s := open(t, nil)
	if err := s.Put(t.Context(), fleettest.Meta("a"), fleettest.Sealed(), false); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sessions", filepath.Join("sessions", hex.EncodeToString([]byte("a"))+".json")} {
		fi, err := os.Stat(filepath.Join(dirOf(t), p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v", p, fi.Mode().Perm())
		}
	}
}
