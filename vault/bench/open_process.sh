#!/bin/sh
# Times opening a sealed session as a whole process, for
# docs/benchmarks-vault.md: builds ./cmd/tgsession (with -trimpath, as a
# release would) and the example bot, seals a Telethon-like session to a
# fresh X25519 identity (single-line form), then runs each N times and
# prints the median wall time. Target: tgsession open under 20 ms median.
#
# Usage: vault/bench/open_process.sh [N]      (default N=50)
set -eu
N=${1:-50}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$ROOT"

go build -trimpath -o "$WORK/tgsession" ./cmd/tgsession
go build -trimpath -o "$WORK/bot" ./vault/examples/bot
go build -o "$WORK/benchtool" ./vault/bench/benchtool
"$WORK/benchtool" seal "$WORK"

TGSESSION_AGE_KEY=$(cat "$WORK/key.txt")
TG_SESSION=$(cat "$WORK/sealed.txt")
XDG_CONFIG_HOME="$WORK/config"
export TGSESSION_AGE_KEY TG_SESSION XDG_CONFIG_HOME

# Check that each command works before timing it.
"$WORK/tgsession" open < "$WORK/sealed.txt" > "$WORK/out.txt"
test -s "$WORK/out.txt"
"$WORK/bot" > /dev/null

echo "go: $(go version)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "ulimit -l: $(ulimit -l)"
printf 'baseline /bin/true:          '
"$WORK/benchtool" time -n "$N" -- /bin/true
printf 'tgsession --version:         '
"$WORK/benchtool" time -n "$N" -- "$WORK/tgsession" --version
printf 'tgsession open (X25519):     '
"$WORK/benchtool" time -n "$N" -stdin "$WORK/sealed.txt" -- "$WORK/tgsession" open
printf 'examples/bot (OpenEnv):      '
"$WORK/benchtool" time -n "$N" -- "$WORK/bot"
