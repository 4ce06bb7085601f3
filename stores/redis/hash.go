package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
)

// TG-UserBot's hash: <prefix>:<name>:auth (sessions/redis.py); see
// model.go for the fields.

func (s *Store) readHash(ctx context.Context, name string) (*compat.Stored, error) {
	key := s.prefix + ":" + name + ":auth"
	p := s.c.Pipeline()
	typ := p.Type(ctx, key)
	hlen := p.HLen(ctx, key)
	lens := make([]*goredis.IntCmd, len(hashFields))
	for i, f := range hashFields {
		lens[i] = p.HStrLen(ctx, key, f)
	}
	if _, err := p.Exec(ctx); err != nil && !isWrongType(err) {
		return nil, err
	}
	switch t := typ.Val(); t {
	case "hash":
	case "none":
		return nil, fmt.Errorf("no %s key: %w", key, stores.ErrNotFound)
	default:
		return nil, fmt.Errorf("%s holds a Redis %s, not a hash: %w", key, t, stores.ErrBadValue)
	}
	if n := hlen.Val(); n > 64 {
		return nil, fmt.Errorf("the hash has %d fields: %w", n, stores.ErrTooLarge)
	}
	for i, l := range lens {
		if l.Val() > stores.MaxValueSize {
			return nil, fmt.Errorf("field %s is %d bytes (at most %d): %w", hashFields[i], l.Val(), stores.MaxValueSize, stores.ErrTooLarge)
		}
	}
	// Between the checks above and HMGET another client may grow a field:
	// Redis has no bounded read of a hash field. Writers of this layout
	// only ever write the five small fields.
	vals, err := s.c.HMGet(ctx, key, hashFields...).Result()
	if err != nil {
		return nil, err
	}
	fields := make(map[string][]byte, len(hashFields))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			if len(str) > stores.MaxValueSize {
				return nil, fmt.Errorf("field %s is more than %d bytes: %w", hashFields[i], stores.MaxValueSize, stores.ErrTooLarge)
			}
			fields[hashFields[i]] = []byte(str)
		}
	}
	r, err := decodeHash(fields)
	clear(fields["auth_key"])
	return r, err
}

func (s *Store) writeHash(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	key := s.prefix + ":" + name + ":auth"
	pairs := encodeHash(r)
	defer clear(pairs[7].([]byte))
	err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
		n, err := tx.Exists(ctx, key).Result()
		if err != nil {
			return err
		}
		if n > 0 && !replace {
			return fmt.Errorf("%s exists: %w", key, stores.ErrExists)
		}
		_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.Del(ctx, key)
			p.HSet(ctx, key, pairs...)
			return nil
		})
		return err
	}, key)
	if errors.Is(err, goredis.TxFailedErr) {
		return fmt.Errorf("another client changed the session while it was written (nothing was written): %w", stores.ErrExists)
	}
	return err
}

func (s *Store) listHash(ctx context.Context) ([]string, error) {
	pre := s.prefix + ":"
	keys, err := s.scan(ctx, globEscape(pre)+"*:auth", stores.MaxNames, "auth keys")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		if n := strings.TrimSuffix(k[len(pre):], ":auth"); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
