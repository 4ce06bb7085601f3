package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/internal/check"
)

// teleredis keys (teleredis.py, sess_prefix = f"{hive_prefix}:{name}"):
//
//	<prefix>:<name>:sessions:<dc_id>       the session, JSON
//	<prefix>:<name>:entities:<marked id>   one cached entity, JSON
//	<prefix>:<name>:sent_files:<…>         never written in practice (not read)

const batch = 1000 // keys fetched per pipeline round trip

// sessionKeys returns the DCs of the name's sessions:<dc> keys, sorted, and
// the key of each.
func (s *Store) sessionKeys(ctx context.Context, base string) ([]int, map[int]string, error) {
	keys, err := s.scan(ctx, globEscape(base)+":sessions:*", 1000, "sessions keys")
	if err != nil {
		return nil, nil, err
	}
	byDC := make(map[int]string, len(keys))
	var dcs []int
	for _, k := range keys {
		dc, err := strconv.Atoi(k[len(base)+len(":sessions:"):])
		if err != nil || dc <= 0 {
			continue // another name's key, or not teleredis's
		}
		byDC[dc] = k
		dcs = append(dcs, dc)
	}
	slices.Sort(dcs)
	return dcs, byDC, nil
}

func (s *Store) readTeleRedis(ctx context.Context, name string) (*compat.Stored, error) {
	base := s.prefix + ":" + name
	dcs, byDC, err := s.sessionKeys(ctx, base)
	if err != nil {
		return nil, err
	}
	dc := s.dc
	switch {
	case len(dcs) == 0:
		return nil, fmt.Errorf("no %s:sessions:<dc> key: %w", base, stores.ErrNotFound)
	case dc != 0 && byDC[dc] == "":
		return nil, fmt.Errorf("no key for DC %d (the name has DCs %s): %w", dc, joinInts(dcs), stores.ErrNotFound)
	case dc == 0 && len(dcs) > 1:
		return nil, &stores.AmbiguousError{DCs: dcs}
	case dc == 0:
		dc = dcs[0]
	}
	vals, err := s.getStrings(ctx, []string{byDC[dc]}, nil)
	if err != nil {
		return nil, err
	}
	if vals[0] == nil {
		return nil, fmt.Errorf("the sessions key vanished while reading: %w", stores.ErrNotFound)
	}
	entKeys, err := s.scan(ctx, globEscape(base)+":entities:*", stores.MaxEntities, "entities keys")
	if err != nil {
		return nil, err
	}
	var budget check.Budget
	ents, err := s.getStrings(ctx, entKeys, &budget)
	if err != nil {
		return nil, err
	}
	v := Values{DC: dc, Session: vals[0]}
	for _, e := range ents {
		if e != nil {
			v.Entities = append(v.Entities, e)
		}
	}
	r, err := decodeTeleRedis(v)
	clear(vals[0])
	if err != nil {
		return nil, err
	}
	for _, other := range dcs {
		if other != dc {
			r.OtherDCs = append(r.OtherDCs, other)
		}
	}
	if len(r.OtherDCs) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("read the key for DC %d; keys for DCs %v are not read", dc, r.OtherDCs))
	}
	return r, nil
}

// getStrings fetches string values, each checked with STRLEN and read with
// GETRANGE so that no value above [stores.MaxValueSize] is transferred.
// A key that vanished yields nil.
func (s *Store) getStrings(ctx context.Context, keys []string, budget *check.Budget) ([][]byte, error) {
	out := make([][]byte, 0, len(keys))
	for start := 0; start < len(keys); start += batch {
		chunk := keys[start:min(start+batch, len(keys))]
		p := s.c.Pipeline()
		lens := make([]*goredis.IntCmd, len(chunk))
		for i, k := range chunk {
			lens[i] = p.StrLen(ctx, k)
		}
		gets := make([]*goredis.StringCmd, len(chunk))
		for i, k := range chunk {
			gets[i] = p.GetRange(ctx, k, 0, stores.MaxValueSize)
		}
		if _, err := p.Exec(ctx); err != nil {
			if isWrongType(err) {
				return nil, fmt.Errorf("a key of the layout holds another Redis type: %w", stores.ErrBadValue)
			}
			return nil, err
		}
		for i := range chunk {
			n := lens[i].Val()
			if n > stores.MaxValueSize {
				return nil, fmt.Errorf("a value is %d bytes (at most %d): %w", n, stores.MaxValueSize, stores.ErrTooLarge)
			}
			b := []byte(gets[i].Val())
			if len(b) > stores.MaxValueSize {
				return nil, fmt.Errorf("a value is more than %d bytes: %w", stores.MaxValueSize, stores.ErrTooLarge)
			}
			if budget != nil {
				if err := budget.Take(len(b)); err != nil {
					return nil, err
				}
			}
			if n == 0 {
				b = nil
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func isWrongType(err error) bool {
	return err != nil && isRedisError(err) && strings.HasPrefix(err.Error(), "WRONGTYPE")
}

func (s *Store) writeTeleRedis(ctx context.Context, name string, r *compat.Stored, replace bool) error {
	base := s.prefix + ":" + name
	dcs, byDC, err := s.sessionKeys(ctx, base)
	if err != nil {
		return err
	}
	if len(dcs) > 0 && !replace {
		return fmt.Errorf("the name holds a session (DCs %s): %w", joinInts(dcs), stores.ErrExists)
	}
	oldEnts, err := s.scan(ctx, globEscape(base)+":entities:*", stores.MaxEntities, "entities keys")
	if err != nil {
		return err
	}
	sessKey := base + ":sessions:" + strconv.Itoa(r.Session.DC)
	value := encodeSession(r.Session)
	defer clear(value)
	type kv struct {
		k string
		v []byte
	}
	var ents []kv
	for _, e := range r.Entities {
		if v, ok := encodeEntity(e); ok {
			ents = append(ents, kv{base + ":entities:" + strconv.FormatInt(e.ID, 10), v})
		}
	}
	var del []string
	for _, k := range byDC {
		if k != sessKey {
			del = append(del, k)
		}
	}
	del = append(del, oldEnts...)
	watch := append([]string{sessKey}, del...)
	err = s.c.Watch(ctx, func(tx *goredis.Tx) error {
		if !replace {
			n, err := tx.Exists(ctx, sessKey).Result()
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("the name holds a session (DC %d): %w", r.Session.DC, stores.ErrExists)
			}
		}
		_, err := tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			for i := 0; i < len(del); i += batch {
				p.Del(ctx, del[i:min(i+batch, len(del))]...)
			}
			p.Set(ctx, sessKey, value, 0)
			for _, e := range ents {
				p.Set(ctx, e.k, e.v, 0)
			}
			return nil
		})
		return err
	}, watch...)
	if errors.Is(err, goredis.TxFailedErr) {
		return fmt.Errorf("another client changed the session while it was written (nothing was written): %w", stores.ErrExists)
	}
	return err
}

func (s *Store) listTeleRedis(ctx context.Context) ([]string, error) {
	pre := s.prefix + ":"
	keys, err := s.scan(ctx, globEscape(pre)+"*:sessions:*", stores.MaxNames, "sessions keys")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, k := range keys {
		rest := k[len(pre):]
		i := strings.LastIndex(rest, ":sessions:")
		if i <= 0 {
			continue
		}
		if dc, err := strconv.Atoi(rest[i+len(":sessions:"):]); err != nil || dc <= 0 {
			continue
		}
		names = append(names, rest[:i])
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
