#!/usr/bin/env bash
# Loads a tdata folder into the real Telegram Desktop (Debian's telegram-desktop
# package, 4.6.5 on Debian 12) under Xvfb with no network (unshare -n), and
# prints the lines of Telegram Desktop's log that say what it read:
#
#   reading accounts info… / reading map… / reading encrypted mtp data…
#   MTP Info: read keys, current: N, to destroy: M
#
# and, when something went wrong, "version too big", "could not decrypt
# pass-protected key…", "unknown key type…", "Could not read…".
#
#   apt-get install -y --no-install-recommends telegram-desktop xvfb xauth xdotool
#   tdata/testdata/tdesktop_load.sh TDATA_DIR
#
# Environment:
#   TDATA_PASSCODE  the local passcode, typed into the lock screen with xdotool
#                   (an environment variable, never an argument)
#   SECONDS_UP      how long Telegram Desktop runs after start-up (default 15)
#
# The folder is copied first: Telegram Desktop rewrites files older than
# itself. Files are loaded with the TDF version they carry (no retagging: the
# point is to check the tag tgsession writes). Exit status: 0 after a run
# (the caller judges the log), 2 when a tool is missing.
set -euo pipefail
src=${1:?usage: tdesktop_load.sh TDATA_DIR}
for tool in telegram-desktop xvfb-run xdotool unshare xauth; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "tdesktop_load.sh: $tool not installed (apt-get install -y --no-install-recommends telegram-desktop xvfb xauth xdotool)" >&2
		exit 2
	fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src" "$work/tdata"
export WORK=$work SECONDS_UP=${SECONDS_UP:-15}
echo "== telegram-desktop $(dpkg-query -W -f='${Version}' telegram-desktop 2>/dev/null || echo '?'), no network, ${SECONDS_UP}s"
# HOME and XDG dirs point into the work directory so that nothing of the
# machine's own Telegram setup is read or written.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share XDG_CACHE_HOME=$work/home/.cache
mkdir -p "$HOME"
unshare -n xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
	telegram-desktop -workdir "$WORK/" -many -debug >"$WORK/stdout.txt" 2>&1 &
	pid=$!
	for _ in $(seq 1 40); do
		sleep 0.5
		if ls "$WORK"/DebugLogs/log_*.txt >/dev/null 2>&1 && grep -q "reading accounts info" "$WORK"/DebugLogs/log_*.txt; then break; fi
	done
	sleep 3
	if [ -n "${TDATA_PASSCODE:-}" ]; then
		wid=$(xdotool search --onlyvisible --class telegram | head -n 1 || true)
		if [ -n "$wid" ]; then xdotool windowfocus --sync "$wid" || true; fi
		xdotool type --delay 60 -- "$TDATA_PASSCODE"
		xdotool key Return
	fi
	sleep "$SECONDS_UP"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true' || true
grep -hE "reading accounts info|version too big|pass-protected key|bad accounts count|no accounts read|reading map|could not decrypt|unknown key type|reading encrypted mtp data|MTP Info: read keys|Could not read|bad salt|bad encrypted|bad decrypt" \
	"$work"/DebugLogs/log_*.txt 2>/dev/null | sed -E 's/^\[[^]]*\] //' | uniq || true
