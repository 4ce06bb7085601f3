// Package dump holds the tests that dump what the fleet backends stored
// (redis-cli --rdb of a private server, pg_dump of the test schema) and
// search the dumps for the auth key and the session text.
package dump
