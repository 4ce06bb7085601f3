//go:build interop

package ferrettest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	gomongo "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/mongo"
)

func peer(t *testing.T, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Skip("skipped: no /usr/bin/python3")
	}
	out, err := exec.Command("/usr/bin/python3", append([]string{filepath.Join("..", "..", "interop", "peer.py")}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("peer.py %s: %v\n%s", args[0], err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

// TestPythonBothWays writes with Go and reads with pymongo as telemongo and
// pyrofork do, and the other way round, on the embedded FerretDB.
func TestPythonBothWays(t *testing.T) {
	ctx := context.Background()
	u := ferretURL(t)
	for _, l := range []mongo.Layout{mongo.Telemongo, mongo.Pyrogram} {
		t.Run(l.Kind(), func(t *testing.T) {
			s, err := mongo.Open(ctx, u, mongo.Options{Layout: l})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			goName, pyName := "tgsgo_"+storetest.Suffix(), "tgspy_"+storetest.Suffix()
			defer drop(t, u, goName, pyName)
			sess := storetest.Session(t)
			sess.UserID, sess.IsBot, sess.APIID, sess.TestMode = codec.Some[int64](5000000001), codec.Some(false), codec.Some[uint32](2040), codec.Some(false)
			rec := &compat.Stored{Session: sess, Entities: storetest.Entities()}
			if err := s.Write(ctx, goName, rec, false); err != nil {
				t.Fatal(err)
			}
			var v struct {
				DC       int               `json:"dc"`
				KeyID    uint64            `json:"key_id"`
				UserID   int64             `json:"user_id"`
				Entities []int64           `json:"entities"`
				Types    map[string]string `json:"types"`
			}
			if err := json.Unmarshal(peer(t, "read", l.Kind(), u.Reveal().String(), goName), &v); err != nil {
				t.Fatal(err)
			}
			if v.DC != 2 || v.KeyID != sess.AuthKeyID().Uint64() || !slices.Equal(v.Entities, []int64{-1001234567890, -4242, 123456789}) {
				t.Fatalf("Python read %+v", v)
			}
			// pymongo decodes BSON int64 as bson.int64.Int64 (what pyrofork gets from its own writes).
			if l == mongo.Pyrogram && (v.UserID != 5000000001 || v.Types["test_mode"] != "bool" || v.Types["user_id"] != "Int64" || v.Types["auth_key"] != "bytes") {
				t.Fatalf("Python read %+v", v)
			}
			peer(t, "write", l.Kind(), u.Reveal().String(), pyName, hex.EncodeToString(storetest.Key()))
			r, err := s.Read(ctx, pyName)
			if err != nil {
				t.Fatal(err)
			}
			if r.Session.AuthKeyID() != sess.AuthKeyID() || len(r.Entities) != 3 {
				t.Fatalf("Go read the Python write as %v, %d entities", r.Session, len(r.Entities))
			}
			if l == mongo.Pyrogram && (r.Session.UserID != sess.UserID || r.Entities[1].Type != compat.PeerGroup && r.Entities[0].Type != compat.PeerChannel) {
				t.Fatalf("Go read the Python write as %v", r.Session)
			}
		})
	}
}

func drop(t *testing.T, u stores.URL, names ...string) {
	c, err := gomongo.Connect(options.Client().ApplyURI(u.Reveal().String()))
	if err != nil {
		return
	}
	for _, n := range names {
		_ = c.Database(n).Drop(context.Background())
	}
	_ = c.Disconnect(context.Background())
}

// TestPythonBench prints the Python side of docs/benchmarks-stores.md for
// MongoDB (pymongo on the embedded FerretDB) when TGSESSION_PYBENCH=1.
func TestPythonBench(t *testing.T) {
	if os.Getenv("TGSESSION_PYBENCH") != "1" {
		t.Skip("set TGSESSION_PYBENCH=1 to measure the Python peer")
	}
	for _, k := range []string{"telethon-mongo", "pyrogram-mongo"} {
		t.Logf("%s: %s", k, peer(t, "bench", k, ferretURL(t).Reveal().String(), "200"))
	}
}
