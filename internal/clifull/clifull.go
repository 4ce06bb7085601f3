// Package clifull is what the full tgsession binary links and the lean one
// does not: SQLite (package compat's reader and writer) and the store and
// fleet drivers. It fills cli.Hooks (cmd/tgsession-full, and internal/cli's
// tests); it does not import package cli, so that cli's tests can import
// it.
package clifull

import (
	"context"
	"fmt"

	"github.com/tgsession/tgsession/codec"
	"github.com/tgsession/tgsession/compat"
	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/fleet/fleetopen"
	"github.com/tgsession/tgsession/internal/clihooks"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/mongo"
	"github.com/tgsession/tgsession/stores/redis"
	"github.com/tgsession/tgsession/stores/sqlalchemy"
)

// ReadFile is compat.ReadFile.
func ReadFile(path string, dc int, countCache bool) (*model.Stored, error) {
	return compat.ReadFile(path, compat.ReadOptions{DC: dc, CountCache: countCache})
}

// Marshal is compat.Marshal.
func Marshal(f *model.Stored, kind model.Kind) ([]byte, error) { return compat.Marshal(f, kind) }

// store is one store kind's driver.
type store struct {
	target model.Target
	open   func(ctx context.Context, u stores.URL, tablePrefix string, dc int) (stores.Store, error)
}

// storeKinds are the store kinds by the CLI's names for them.
var storeKinds = map[string]store{
	"telethon-sqlalchemy": {sqlalchemy.Target(), func(ctx context.Context, u stores.URL, prefix string, dc int) (stores.Store, error) {
		return sqlalchemy.Open(ctx, u, sqlalchemy.Options{TablePrefix: prefix, DC: dc})
	}},
	"telethon-redis": {redis.TeleRedis.Target(), func(ctx context.Context, u stores.URL, _ string, dc int) (stores.Store, error) {
		return redis.Open(ctx, u, redis.Options{Layout: redis.TeleRedis, DC: dc})
	}},
	"telethon-redis-hash": {redis.Hash.Target(), func(ctx context.Context, u stores.URL, _ string, dc int) (stores.Store, error) {
		return redis.Open(ctx, u, redis.Options{Layout: redis.Hash, DC: dc})
	}},
	"telethon-mongo": {mongo.Telemongo.Target(), func(ctx context.Context, u stores.URL, _ string, _ int) (stores.Store, error) {
		return mongo.Open(ctx, u, mongo.Options{Layout: mongo.Telemongo})
	}},
	"pyrogram-mongo": {mongo.Pyrogram.Target(), func(ctx context.Context, u stores.URL, _ string, _ int) (stores.Store, error) {
		return mongo.Open(ctx, u, mongo.Options{Layout: mongo.Pyrogram})
	}},
}

// StoreTargets returns each store kind's layout as a conversion target.
func StoreTargets() map[string]model.Target {
	out := make(map[string]model.Target, len(storeKinds))
	for name, k := range storeKinds {
		out[name] = k.target
	}
	return out
}

// OpenStore opens the store of kind name at u.
func OpenStore(ctx context.Context, name string, u stores.URL, tablePrefix string, dc int) (stores.Store, error) {
	k, ok := storeKinds[name]
	if !ok {
		return nil, fmt.Errorf("no store kind %q: %w", name, codec.ErrUnknownFormat)
	}
	return k.open(ctx, u, tablePrefix, dc)
}

// OpenFleet opens the fleet store at loc in namespace.
func OpenFleet(ctx context.Context, loc, namespace string) (fleet.Store, error) {
	return fleetopen.Open(ctx, loc, fleetopen.Options{Namespace: namespace})
}

// Hooks returns every hook: the full binary's.
func Hooks() clihooks.Hooks {
	return clihooks.Hooks{ReadFile: ReadFile, Marshal: Marshal, StoreTargets: StoreTargets(), OpenStore: OpenStore, OpenFleet: OpenFleet}
}
