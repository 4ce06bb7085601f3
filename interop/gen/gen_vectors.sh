#!/usr/bin/env bash
# Regenerates testdata/vectors/{telethon,gramjs,mtcute,pyrogram}.json from the
# real libraries (Telethon via Debian's /usr/bin/python3; GramJS, @mtcute/core
# and @mtcute/convert from interop/node_modules). Deterministic: running it
# twice gives identical files. Needs `bash interop/setup.sh` first.
#
# Usage: bash interop/gen/gen_vectors.sh [SHARED_PYROGRAM_JSON]
#   SHARED_PYROGRAM_JSON (optional; default ../shared/vectors/pyrogram.json
#   beside the repository if it exists): the research vectors that the
#   transcribed Pyrogram logic must reproduce byte for byte.
set -euo pipefail

gen="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$gen/../.." && pwd)"
out="$repo/testdata/vectors"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

shared="${1:-}"
if [[ -z "$shared" ]]; then
	for c in "$repo/../shared/vectors/pyrogram.json"; do
		if [[ -f "$c" ]]; then shared="$c"; break; fi
	done
fi

mkdir -p "$out"
# Pass 1: each library's own strings. Pass 2: the same again (deterministic),
# now with the other libraries' strings as cross probes and checks.
"$py" -I "$gen/pyrogram_vectors.py" ${shared:+"$shared"} >"$tmp/pyrogram.json"
"$py" -I "$gen/telethon_vectors.py" >"$tmp/telethon.json"
node "$gen/node_vectors.mjs" gramjs >"$tmp/gramjs.json"
node "$gen/node_vectors.mjs" mtcute >"$tmp/mtcute.json"

"$py" -I "$gen/telethon_vectors.py" "$tmp/gramjs.json" "$tmp/mtcute.json" "$tmp/pyrogram.json" >"$out/telethon.json.new"
node "$gen/node_vectors.mjs" gramjs "$tmp/telethon.json" "$tmp/mtcute.json" >"$out/gramjs.json.new"
node "$gen/node_vectors.mjs" mtcute "$tmp/telethon.json" "$tmp/gramjs.json" "$tmp/pyrogram.json" >"$out/mtcute.json.new"
cp "$tmp/pyrogram.json" "$out/pyrogram.json.new"

for f in telethon gramjs mtcute pyrogram; do
	mv "$out/$f.json.new" "$out/$f.json"
done
echo "gen_vectors.sh: wrote $out/{telethon,gramjs,mtcute,pyrogram}.json${shared:+ (Pyrogram transcription checked against $shared)}"
