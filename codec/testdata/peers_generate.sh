#!/bin/sh
# Regenerates telethon_generated.json, gramjs_generated.json and
# peer_probes.json from the real libraries. Needs (network: Debian apt, the
# npm registry and the Go module proxy only):
#
#   apt-get install -y python3-telethon nodejs npm        # Telethon 1.25.1
#   mkdir -p /tmp/h1peers && cd /tmp/h1peers && npm init -y >/dev/null &&
#     npm install telegram@2.26.22 @mtcute/core@0.29.7
#
# Usage, from anywhere: sh codec/testdata/peers_generate.sh [/tmp/h1peers]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
modules=${1:-/tmp/h1peers}
/usr/bin/python3 "$here/peers_generate.py"         # Telethon (real) + Pyrogram (transcribed)
node "$here/peers_generate.mjs" "$modules"          # GramJS + mtcute (real)
(cd "$here/gotdprobe" && GOFLAGS=-mod=mod go run .) # gotd/td v0.93.0 (real)
