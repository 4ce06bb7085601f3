// Package sqlitefuzz implements the fuzz target of the SQLite .session
// readers in compat (FuzzReadSQLite). It is a package of its own because the
// fuzzing build instruments every package it links, and instrumenting
// modernc.org/sqlite takes minutes; the other targets, in package fuzz, do
// not link it. See docs/fuzzing.md.
package sqlitefuzz
