package dump

import (
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

func redisRaw(t *testing.T, addr string) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}
