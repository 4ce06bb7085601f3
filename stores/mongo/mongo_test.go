package mongo_test

import (
	"testing"

	"github.com/tgsession/tgsession/stores/internal/storetest"
	"github.com/tgsession/tgsession/stores/mongo/internal/mongotest"
)

// TestMongo runs the suite against the server in TGSESSION_TEST_MONGO_URL
// (a real mongod). Without one, stores/mongo/ferrettest runs the same suite
// against an embedded FerretDB.
func TestMongo(t *testing.T) {
	mongotest.Run(t, storetest.ServerURL(t, storetest.EnvMongo))
}

func BenchmarkMongo(b *testing.B) {
	mongotest.Bench(b, storetest.ServerURL(b, storetest.EnvMongo))
}
