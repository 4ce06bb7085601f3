// Package redact implements tgsession's redaction audit (redact_test.go):
// every exported type of codec, compat and vault that can hold a secret is
// rendered through fmt, errors, encoding/json, encoding/gob, log/slog, log
// and panics, nested in containers, and no output may show the key, the
// session strings or the age identity. See docs/fuzzing.md.
package redact
