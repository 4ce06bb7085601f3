//go:build interop

package interop_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/redis"
	"github.com/tgsession/tgsession/stores/sqlalchemy"
)

type peerView struct {
	DC       int     `json:"dc"`
	Address  string  `json:"address"`
	Port     int     `json:"port"`
	KeyID    uint64  `json:"key_id"`
	Entities []int64 `json:"entities"`
}

// Peer runs peer.py (exported for the FerretDB module's interop test).
func peer(t *testing.T, args ...string) []byte {
	t.Helper()
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("skipped: no /usr/bin/python3")
	}
	out, err := exec.Command(py, append([]string{filepath.Join(".", "peer.py")}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("peer.py %s: %v\n%s", args[0], err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

func checkView(t *testing.T, out []byte, wantEntities bool) {
	t.Helper()
	var v peerView
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("peer output: %v", err)
	}
	want := storetest.Session(t)
	if v.DC != 2 || v.Address != want.ServerAddress || v.Port != 443 || v.KeyID != want.AuthKeyID().Uint64() {
		t.Fatalf("the Python peer read dc %d %s:%d key id %x", v.DC, v.Address, v.Port, v.KeyID)
	}
	if wantEntities && !slices.Equal(v.Entities, []int64{-1001234567890, -4242, 123456789}) {
		t.Fatalf("the Python peer read entities %v", v.Entities)
	}
}

func record(t *testing.T) *compat.Stored {
	return &compat.Stored{Session: storetest.Session(t), Entities: storetest.Entities(),
		UpdateState: &compat.UpdateState{PTS: 100, QTS: 5, Date: 1767323045, Seq: 7}}
}

func TestRedisBothWays(t *testing.T) {
	u := storetest.ServerURL(t, storetest.EnvRedis)
	ctx := context.Background()
	for _, l := range []redis.Layout{redis.TeleRedis, redis.Hash} {
		t.Run(l.Kind(), func(t *testing.T) {
			prefix := "tgsinterop-" + storetest.Suffix()
			if l == redis.Hash {
				prefix += ":" + redis.DefaultHashPrefix
			} else {
				prefix += ":" + redis.DefaultTeleRedisPrefix
			}
			s, err := redis.Open(ctx, u, redis.Options{Layout: l, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rec := record(t)
			if l == redis.Hash {
				rec.Entities, rec.UpdateState = nil, nil
			} else {
				rec.UpdateState = nil
			}
			if err := s.Write(ctx, "go", rec, false); err != nil {
				t.Fatal(err)
			}
			defer cleanupRedis(t, u, prefix)
			checkView(t, peer(t, "read", l.Kind(), u.Reveal().String(), "go", prefix), l == redis.TeleRedis)
			peer(t, "write", l.Kind(), u.Reveal().String(), "py", hex.EncodeToString(storetest.Key()), prefix)
			r, err := s.Read(ctx, "py")
			if err != nil {
				t.Fatal(err)
			}
			if r.Session.AuthKeyID() != rec.Session.AuthKeyID() || r.Session.DC != 2 || r.Session.Port != 443 {
				t.Fatalf("Go read the Python write as %v", r.Session)
			}
			if l == redis.TeleRedis && len(r.Entities) != 3 {
				t.Fatalf("%d entities", len(r.Entities))
			}
		})
	}
}

func cleanupRedis(t *testing.T, u stores.URL, prefix string) {
	py := `import redis,sys
r=redis.StrictRedis.from_url(sys.argv[1])
ks=list(r.scan_iter(sys.argv[2].split(':')[0]+'*'))
ks and r.delete(*ks)`
	_ = exec.Command("/usr/bin/python3", "-c", py, u.Reveal().String(), prefix).Run()
}

func TestSQLAlchemyBothWays(t *testing.T) {
	ctx := context.Background()
	for _, d := range databases(t) {
		t.Run(d.name, func(t *testing.T) {
			s, err := sqlalchemy.Open(ctx, d.u, sqlalchemy.Options{TablePrefix: "tg_"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Write(ctx, "go", record(t), false); err != nil {
				t.Fatal(err)
			}
			url := d.u.Reveal().String()
			checkView(t, peer(t, "read", "telethon-sqlalchemy", url, "go", "tg_"), true)
			peer(t, "write", "telethon-sqlalchemy", url, "py", hex.EncodeToString(storetest.Key()), "tg_")
			r, err := s.Read(ctx, "py")
			if err != nil {
				t.Fatal(err)
			}
			if r.Session.AuthKeyID() != storetest.Session(t).AuthKeyID() || len(r.Entities) != 3 || r.UpdateState == nil || len(r.UpdateState.Channels) != 0 {
				t.Fatalf("Go read the Python write as %v, %d entities", r.Session, len(r.Entities))
			}
		})
	}
}
