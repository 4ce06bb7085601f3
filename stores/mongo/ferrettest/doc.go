// Package ferrettest runs the mongo store's test suite and benchmarks
// against FerretDB v1.24.2 (the MongoDB wire protocol over SQLite),
// embedded in the test process on a loopback port.
//
// It is a module of its own because FerretDB brings about 630 MB of
// module cache and minutes of cold build that the main module must not
// carry. Run it with
//
//	cd stores/mongo/ferrettest && go test ./...
//
// FerretDB is not MongoDB: see docs/stores.md for what only a real mongod
// would show (TGSESSION_TEST_MONGO_URL runs the same suite against one).
package ferrettest
