// Package fuzz implements the native Go fuzz targets for every tgsession
// parser that takes untrusted input: the string-session decoders and format
// detection in codec, the SQLite .session readers in compat, and the sealed
// envelope, identity, environment-variable and vault-entry parsers in vault.
//
// The package has no API; its targets live in *_test.go files and their seed
// corpora in testdata/fuzz/<Target>/, generated from the project's vectors by
// TestWriteSeeds (TGSESSION_WRITE_SEEDS=1). Each target checks invariants, not
// just the absence of panics: accepted input re-encodes canonically and
// decodes back to the same session, detection agrees with the decoder, and
// refused input gets a typed error whose text holds no input bytes. See
// docs/fuzzing.md for the list of targets, how to run long campaigns
// (fuzz/run.sh) and the memory-dump test in fuzz/memdump.
package fuzz
