// Package interop implements tgsession's checks against the real Telegram
// client libraries; it has no API of its own.
//
// Its tests run in two tiers:
//
//   - without build tags, vectors_test.go decodes and re-encodes every
//     vector in testdata/vectors/ (strings made by real Telethon, GramJS,
//     @mtcute/core and @mtcute/convert, plus Pyrogram's transcribed export
//     logic), so the default `go test ./...` needs no peers;
//   - with `-tags interop`, interop_test.go starts the peers of package
//     github.com/tgsession/tgsession/interop/peer
//     (Telethon, GramJS, mtcute) and checks hundreds of seeded random
//     sessions in both directions.
//
// interop/setup.sh installs the peers; interop/gen/gen_vectors.sh
// regenerates the vectors. See testdata/vectors/README.md.
package interop
