package ferrettest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/tgsession/tgsession/stores"
	"github.com/tgsession/tgsession/stores/mongo/internal/mongotest"
)

// uri is the embedded FerretDB's URL, set by TestMain.
var uri string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tgsession-ferretdb-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(logOut(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	uri = f.MongoDBURI()
	code := m.Run()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func ferretURL(t testing.TB) stores.URL {
	u, err := stores.ParseURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestFerretDB runs the mongo store's suite against the embedded FerretDB.
func TestFerretDB(t *testing.T) {
	mongotest.Run(t, ferretURL(t))
}

// logOut is where FerretDB logs: nowhere, unless FERRETDB_LOG=1.
func logOut() io.Writer {
	if os.Getenv("FERRETDB_LOG") == "1" {
		return os.Stderr
	}
	return io.Discard
}

// BenchmarkFerretDB reads and writes one session per op on the embedded
// FerretDB (SQLite backend), in both layouts.
func BenchmarkFerretDB(b *testing.B) {
	mongotest.Bench(b, ferretURL(b))
}
