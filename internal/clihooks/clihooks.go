// Package clihooks declares what the lean tgsession binary leaves out and
// the full one supplies (see package internal/cli): the .session reader and
// writer (SQLite) and the store and fleet drivers. It is a package of its
// own so that internal/clifull, which fills it, need not import cli, and
// cli's tests can import clifull.
package clihooks

import (
	"context"

	"github.com/tgsession/tgsession/fleet"
	"github.com/tgsession/tgsession/internal/model"
	"github.com/tgsession/tgsession/stores"
)

// Hooks is what the lean binary leaves out: everything that links SQLite
// or a store or fleet driver. The zero value is the lean binary's.
type Hooks struct {
	// ReadFile reads a .session file (compat.ReadFile): dc chooses the
	// DC row, countCache counts the entity cache instead of reading it.
	ReadFile func(path string, dc int, countCache bool) (*model.Stored, error)
	// Marshal encodes a .session file of kind (compat.Marshal).
	Marshal func(f *model.Stored, kind model.Kind) ([]byte, error)
	// StoreTargets is each store kind's layout as a conversion target,
	// by the CLI's kind name.
	StoreTargets map[string]model.Target
	// OpenStore opens the store of kind name at u, with
	// telethon-sqlalchemy's table prefix and the DC row to read (0: the
	// only one).
	OpenStore func(ctx context.Context, name string, u stores.URL, tablePrefix string, dc int) (stores.Store, error)
	// OpenFleet opens the fleet store at loc (a directory or a URL).
	OpenFleet func(ctx context.Context, loc, namespace string) (fleet.Store, error)
}

// Complete reports whether every hook is there (the full binary).
func (h *Hooks) Complete() bool {
	return h.ReadFile != nil && h.Marshal != nil && h.StoreTargets != nil && h.OpenStore != nil && h.OpenFleet != nil
}
