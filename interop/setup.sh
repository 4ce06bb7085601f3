#!/usr/bin/env bash
# Installs the real-library peers used by tgsession's interop tests and vector
# generator, on a Debian machine, as root. Idempotent and non-interactive:
#
#   - Debian packages: python3-telethon (Telethon 1.25.1, imported by
#     /usr/bin/python3), age (the age CLI, for the vault suites), gdb
#     (gcore, for the memory-dump test), telegram-desktop 4.6.5 with xvfb,
#     xauth and xdotool (the tdata suite runs it headless and offline);
#   - npm packages pinned in interop/package.json + package-lock.json:
#     telegram (GramJS) 2.26.22, @mtcute/core 0.29.7, @mtcute/convert 0.29.7,
#     installed with `npm ci` into interop/node_modules.
#
# Usage: bash interop/setup.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need_apt=()
/usr/bin/python3 -c 'import telethon' >/dev/null 2>&1 || need_apt+=(python3-telethon)
command -v age >/dev/null 2>&1 || need_apt+=(age)
command -v gcore >/dev/null 2>&1 || need_apt+=(gdb)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# Real Telegram Desktop 4.6.5, run headless and offline by the tdata live suite.
command -v telegram-desktop >/dev/null 2>&1 || need_apt+=(telegram-desktop)
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb xauth)
command -v xdotool >/dev/null 2>&1 || need_apt+=(xdotool)

if ((${#need_apt[@]})); then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

/usr/bin/python3 -c 'import telethon, sys; print("interop/setup.sh: Telethon", telethon.__version__, "on Python", sys.version.split()[0])'

# npm ci (which wipes and reinstalls node_modules from the lock file) is
# skipped when the installed peers already report the pinned versions.
want='"telegram":"2.26.22","mtcute_core":"0.29.7","mtcute_convert":"0.29.7"'
have="$(node "$here/peers/node_peer.mjs" <<<'{"op":"version"}' 2>/dev/null || true)"
if [[ "${TGSESSION_NPM_CI:-}" == 1 || "$have" != *"$want"* ]]; then
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
	have="$(node "$here/peers/node_peer.mjs" <<<'{"op":"version"}')"
fi
if [[ "$have" != *"$want"* ]]; then
	echo "interop/setup.sh: node peer reports $have, want $want" >&2
	exit 1
fi
echo "interop/setup.sh: node peer $have"
