#!/usr/bin/env bash
# Memory-dump test: does a process holding an opened session leave its auth
# key readable in a core dump?
#
#   bash fuzz/memdump/run.sh
#
# 1. `holder seal` (its own process) makes a random session and seals it to
#    a fresh age identity; the raw key, the sealed value and the identity go
#    to 0600 files in a private temporary directory (deleted on exit).
# 2. `holder open` gets the sealed value and the identity through its
#    environment and opens it with vault.OpenEnv: the key lives in a
#    memguard enclave. It uses the key once, runs the garbage collector,
#    prints "ready" and waits. gcore (Debian gdb) dumps it, and
#    `holder search` looks for the key as raw bytes, lowercase and uppercase
#    hex, and standard and URL-safe base64 (padded or not, at every byte
#    alignment), in whole and in 32-byte pieces. Any hit fails the test and
#    is reported with its address and memory mapping.
# 3. The negative control, `holder plain`, opens the same value but keeps
#    the key in ordinary memory in each of those forms. Its dump MUST have
#    hits for each form, or the search is broken and the test fails.
#
# MEMDUMP_RUNS (default 3) is the number of sealed-mode processes dumped.
# MEMDUMP_GOEXPERIMENT=runtimesecret builds the holder with that experiment
# (vault then decrypts under runtime/secret.Do). Needs gdb's gcore and
# ptrace rights over a child process (root, or kernel.yama.ptrace_scope=0).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--buildvcs=false}

if ! command -v gcore >/dev/null; then
	echo "memdump: gcore not found; install Debian's gdb (apt-get install -y gdb)" >&2
	exit 2
fi

umask 077
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

holder="$tmp/holder"
GOEXPERIMENT=${MEMDUMP_GOEXPERIMENT:-${GOEXPERIMENT:-}} CGO_ENABLED=0 go build -o "$holder" ./fuzz/memdump/holder
"$holder" seal "$tmp"

# start MODE: start `holder MODE` and wait up to 60 s for "ready". Sets
# $pid. Returns 1 (after printing the holder's goroutines) if it is not
# ready in time.
start() {
	local mode=$1 out="$tmp/$1.out" i
	GOTRACEBACK=crash TGSESSION_AGE_KEY=$(cat "$tmp/identity.txt") TGSESSION_MEMDUMP_SEALED=$(cat "$tmp/sealed.txt") \
		"$holder" "$mode" >"$out" 2>"$tmp/$mode.err" &
	pid=$!
	pids+=("$pid")
	for i in $(seq 1 600); do
		if grep -qx ready "$out" 2>/dev/null; then return 0; fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "memdump: holder $mode exited early:" >&2
			cat "$tmp/$mode.err" >&2
			exit 2
		fi
		sleep 0.1
	done
	echo "memdump: holder $mode not ready after 60 s; its state and goroutines:" >&2
	grep -E '^(State|VmLck)' "/proc/$pid/status" >&2 || true
	kill -QUIT "$pid" 2>/dev/null || true # a Go program prints its goroutines on SIGQUIT
	sleep 1
	grep -vE '^(r[a-z0-9]+|eflags|[cdefgs]s|fault|trap|err|oldmask|cr2)[[:space:]]+0x' "$tmp/$mode.err" | head -n 80 >&2
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 1
}

# dump MODE: start `holder MODE` (up to three attempts: on this project's
# 2-core CI VM a fresh Go process has been seen to stall for minutes in
# the runtime at start-up), dump it with gcore, copy its memory map, stop
# it, and print the search report. Sets $hits_file.
dump() {
	local mode=$1 out="$tmp/$1.out" attempt
	for attempt in 1 2 3; do
		if start "$mode"; then break; fi
		if [ $attempt -eq 3 ]; then
			echo "memdump: holder $mode never got ready" >&2
			exit 2
		fi
		echo "memdump: retrying holder $mode" >&2
	done
	cp "/proc/$pid/maps" "$tmp/$mode.maps"
	gcore -o "$tmp/$mode.core" "$pid" >"$tmp/$mode.gcore.log" 2>&1 || {
		echo "memdump: gcore failed:" >&2
		cat "$tmp/$mode.gcore.log" >&2
		exit 2
	}
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	echo "== holder $mode ($(head -n 1 "$out" | cut -d' ' -f1))"
	set +e
	"$holder" search "$tmp/$mode.core.$pid" "$tmp/key.bin" "$tmp/$mode.maps" "$tmp/identity.txt" >"$tmp/$mode.report"
	local rc=$?
	set -e
	if [ $rc -gt 1 ]; then
		echo "memdump: search failed" >&2
		exit 2
	fi
	grep -v $'^HITS\t' "$tmp/$mode.report"
	hits_file="$tmp/$mode.report"
	rm -f "$tmp/$mode.core.$pid"
}

hits() { awk -F'\t' -v rep="$2" '$1 == "HITS" && $2 == rep { print $3 }' "$1"; }

status=0

dump plain
control=$hits_file
for rep in raw hex HEX base64-std base64-url "base64-url (key at payload offset ≡ 1 mod 3)"; do
	n=$(hits "$control" "$rep")
	if [ "${n:-0}" -eq 0 ]; then
		echo "memdump: FAIL: negative control has no hit for $rep: the search cannot be trusted" >&2
		status=1
	fi
done

# Heap reuse makes a leftover copy come and go between runs: dump several
# fresh processes and fail if any dump has a hit.
runs=${MEMDUMP_RUNS:-3}
dirty=0
for i in $(seq 1 "$runs"); do
	dump open
	n=$(awk -F'\t' '$1 == "HITS" { s += $3 } END { print s + 0 }' "$hits_file")
	if [ "$n" -ne 0 ]; then dirty=$((dirty + 1)); fi
done
if [ $dirty -ne 0 ]; then
	echo "memdump: FAIL: $dirty of $runs dumps of a process holding a sealed session contain the auth key (see the hits above)" >&2
	status=1
else
	echo "memdump: sealed mode: no copy of the auth key in $runs dumps"
fi
# The CLI's mode (vault.KeySearch.Ephemeral): the key lives in plain text in
# one locked memguard buffer, which memguard marks MADV_DONTDUMP: a dump
# must not contain it either.
dirty=0
for i in $(seq 1 "$runs"); do
	dump ephemeral
	n=$(awk -F'\t' '$1 == "HITS" { s += $3 } END { print s + 0 }' "$hits_file")
	if [ "$n" -ne 0 ]; then dirty=$((dirty + 1)); fi
done
if [ $dirty -ne 0 ]; then
	echo "memdump: FAIL: $dirty of $runs dumps of a process holding an ephemeral session contain the auth key (see the hits above)" >&2
	status=1
else
	echo "memdump: ephemeral mode: no copy of the auth key in $runs dumps"
fi
if [ $status -eq 0 ]; then
	echo "memdump: ok (control found every representation; sealed and ephemeral modes found none)"
fi
exit $status
