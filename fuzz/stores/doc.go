// Package storesfuzz implements the fuzz targets of the store readers
// (stores/redis, stores/mongo, stores/sqlalchemy), fed with arbitrary
// values, documents and rows in memory, with no server: Redis values and
// hash fields through redis.Decode, BSON documents through mongo.Decode,
// and SQL rows through an SQLite database read by the sqlalchemy store.
// It is a package of its own because it links the database drivers and
// modernc.org/sqlite, which the fuzzing build instruments (see
// docs/fuzzing.md and fuzz/run.sh).
package storesfuzz
