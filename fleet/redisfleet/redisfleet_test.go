package redisfleet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/internal/fleettest"
	"github.com/tgsession/tgsession/fleet/redisfleet"
	"github.com/tgsession/tgsession/stores"
)

const envURL = "TGSESSION_TEST_REDIS_URL"

func serverURL(t testing.TB) string {
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip("skipped: set " + envURL + " (e.g. redis://127.0.0.1:6379/0) to run the Redis fleet tests against a real server")
	}
	return u
}

func randomPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "tgsession-test:fleet:" + hex.EncodeToString(b) + ":"
}

// raw returns a plain client on the server and removes every key under
// prefix when the test ends.
func raw(t testing.TB, url, prefix string) *goredis.Client {
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		c.Close()
	})
	return c
}

func openURL(t testing.TB, url, prefix string, c fleet.Clock) *redisfleet.Store {
	u, err := stores.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redisfleet.Open(ctx, u, redisfleet.Options{Prefix: prefix, Clock: c, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type ns struct {
	url, prefix string
	c           *goredis.Client
}

var nsKey = map[*testing.T]*ns{}

func backend(t *testing.T) fleettest.Down {
	url := serverURL(t)
	u, _ := stores.ParseURL(url)
	get := func(t *testing.T) *ns {
		if n := nsKey[t]; n != nil {
			return n
		}
		p := randomPrefix()
		n := &ns{url: url, prefix: p, c: raw(t, url, p)}
		nsKey[t] = n
		t.Cleanup(func() { delete(nsKey, t) })
		return n
	}
	return fleettest.Down{
		Backend: fleettest.Backend{
			Open: func(t *testing.T) fleet.Store { n := get(t); return openURL(t, n.url, n.prefix, nil) },
			OpenClock: func(t *testing.T, c fleet.Clock) fleet.Store {
				n := get(t)
				return openURL(t, n.url, n.prefix, c)
			},
			Tamper: func(t *testing.T, name string, sealed []byte) {
				n := get(t)
				if err := n.c.HSet(context.Background(), n.prefix+"s:"+name, "sealed", sealed).Err(); err != nil {
					t.Fatal(err)
				}
			},
			Forge: func(t *testing.T, name, holder string, ttl time.Duration) {
				n := get(t)
				if err := n.c.Set(context.Background(), n.prefix+"l:"+name, "not a lease of ours", ttl).Err(); err != nil {
					t.Fatal(err)
				}
			},
		},
		Addr: u.Host(),
		OpenAt: func(t *testing.T, addr string) fleet.Store {
			n := get(t)
			pu := u.Reveal()
			pu.Host = addr
			return openURL(t, pu.String(), n.prefix, nil)
		},
	}
}

func TestRedisFleet(t *testing.T) {
	fleettest.Run(t, backend(t).Backend)
}

func TestRedisFleetStoreDown(t *testing.T) {
	fleettest.RunDown(t, backend(t))
}
