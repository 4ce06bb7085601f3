#!/usr/bin/env bash
# Runs every native Go fuzz target in ./fuzz, one after the other, for
# DURATION each (default 8s), and prints a summary table: executions, new
# interesting inputs (coverage Go's fuzzer had not seen) and the corpus size
# per target. Exits non-zero if any target fails; the failing input is then
# in fuzz/testdata/fuzz/<Target>/ or fuzz/<pkg>/testdata/fuzz/<Target>/ (sqlite, tdata)
# (commit it: it becomes a regression test).
#
#   bash fuzz/run.sh                 # 8s per target, as CI does
#   bash fuzz/run.sh 5m              # longer campaign, with per-target detail
#   bash fuzz/run.sh 10m 'Open|Env'  # only targets matching a regexp
#
# Environment: FUZZ_INSTRUMENT_SQLITE=1 builds FuzzReadSQLite with coverage
# instrumentation even for short runs (the default from 1m up); FUZZ_PARALLEL sets the number of fuzzing workers (default:
# GOMAXPROCS); FUZZ_MINIMIZE the time spent minimizing each new input
# (default 3s); FUZZ_HANG_TIMEOUT the time one input may take before the
# target reports a hang (default 20s); FUZZ_LOG_DIR keeps each target's full
# log (default: a temporary directory, printed on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--buildvcs=false}

duration=${1:-8s}
filter=${2:-.}

# seconds DURATION: a Go duration (1h2m3s, 90s, 1.5m) in whole seconds, or
# 0 for an iteration count (1000x).
seconds() {
	local d=$1 total=0 num unit
	case $d in *x) echo 0; return ;; esac
	while [[ $d =~ ^([0-9]+(\.[0-9]+)?)(h|ms|m|s)(.*)$ ]]; do
		num=${BASH_REMATCH[1]} unit=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]}
		case $unit in
		h) total=$(awk -v t="$total" -v n="$num" 'BEGIN{print t+n*3600}') ;;
		m) total=$(awk -v t="$total" -v n="$num" 'BEGIN{print t+n*60}') ;;
		s) total=$(awk -v t="$total" -v n="$num" 'BEGIN{print t+n}') ;;
		ms) total=$(awk -v t="$total" -v n="$num" 'BEGIN{print t+n/1000}') ;;
		esac
	done
	if [ -n "$d" ]; then
		echo "fuzz/run.sh: bad duration $1 (want a Go duration such as 8s or 5m, or Nx)" >&2
		exit 2
	fi
	printf '%.0f\n' "$total"
}
secs=$(seconds "$duration")
long=0
if [ "$secs" -ge 60 ]; then long=1; fi

logdir=${FUZZ_LOG_DIR:-$(mktemp -d)}
mkdir -p "$logdir"

# The targets live in two packages: ./fuzz (codec and vault) and
# ./fuzz/sqlite (compat's SQLite readers), kept apart because the fuzzing
# build instruments every linked package and modernc.org/sqlite is huge.
# Each package is built once (go test -fuzz would relink per target).
packages=(fuzz fuzz/sqlite fuzz/tdata fuzz/stores)
start=$(date +%s)
targets=() dirs=() bins=()
# Instrumenting modernc.org/sqlite for coverage takes minutes on a clean
# build cache, which a CI smoke run cannot afford: below one minute per
# target (unless FUZZ_INSTRUMENT_SQLITE=1), FuzzReadSQLite runs from a
# plain test binary, which mutates the seeds without coverage guidance
# (Go warns about it) but still checks every invariant.
instrument_sqlite=${FUZZ_INSTRUMENT_SQLITE:-$long}
for pkg in "${packages[@]}"; do
	# Skip building a package none of whose targets match.
	if ! grep -ho '^func Fuzz[A-Za-z0-9_]*' "$pkg"/*_test.go | sed 's/^func //' | grep -qE -- "$filter"; then
		continue
	fi
	bin="$logdir/$(tr / _ <<<"$pkg").test"
	if [ "$pkg" != fuzz ] && [ "$instrument_sqlite" != 1 ]; then
		go test -c -o "$bin" "./$pkg"
	else
		go test -c -fuzz=. -o "$bin" "./$pkg"
	fi
	while IFS= read -r t; do
		targets+=("$t") dirs+=("$pkg") bins+=("$bin")
	done < <(cd "$pkg" && "$bin" -test.list '^Fuzz' | grep '^Fuzz' | grep -E -- "$filter" || true)
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz/run.sh: no fuzz target matches $filter" >&2
	exit 2
fi
build_end=$(date +%s)
echo "fuzz/run.sh: ${#targets[@]} targets, $duration each (build $((build_end - start))s)"

# Go minimizes every new interesting input (default: up to 60s each), during
# which a worker reports no executions; on multi-KiB inputs (SQLite files)
# that stalls short runs completely. Keep it short (crashers are minimized
# with the same budget).
minimize=${FUZZ_MINIMIZE:-3s}
parallel=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then parallel=(-test.parallel "$FUZZ_PARALLEL"); fi
# A target that hangs is killed after its duration plus this margin (the
# baseline run over the seed corpus comes first).
margin=180

failed=()
flaked=()
rows=()
for i in "${!targets[@]}"; do
	t=${targets[$i]} pkg=${dirs[$i]} bin=${bins[$i]}
	cachedir="$(go env GOCACHE)/fuzz/github.com/tgsession/tgsession/$pkg"
	log="$logdir/$t.log"
	t0=$(date +%s)
	set +e
	# -fuzztime includes the baseline pass over the corpus (seeds plus the
	# cache), several milliseconds per entry: in short runs, add time for it
	# so that every target gets its DURATION of actual fuzzing.
	fuzztime=$duration
	if [ $long -eq 0 ] && [ "$secs" -gt 0 ]; then
		entries=$(find "$pkg/testdata/fuzz/$t" "$cachedir/$t" -type f 2>/dev/null | wc -l)
		fuzztime="$((secs + entries / 150))s"
	fi
	(cd "$pkg" && timeout --signal=INT --kill-after=30 $((secs + margin)) \
		"$bin" -test.run '^$' -test.fuzz "^${t}\$" -test.fuzztime "$fuzztime" \
		-test.fuzzcachedir "$cachedir" -test.fuzzminimizetime "$minimize" "${parallel[@]}" >"$log" 2>&1)
	rc=$?
	set -e
	t1=$(date +%s)
	# The last progress line has the totals:
	#   fuzz: elapsed: 8s, execs: 81234 (10154/sec), new interesting: 3 (total: 280)
	last=$(grep -E '^fuzz: elapsed: .*execs: ' "$log" | tail -n 1 || true)
	execs=$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")
	# Average rate over the fuzzing phase (the last line's own rate is
	# only its last interval's).
	fuzz_el=$(sed -nE 's/^fuzz: elapsed: ([0-9hms.]+), execs.*/\1/p' <<<"$last")
	base_el=$(grep -E 'now fuzzing' "$log" | sed -nE 's/^fuzz: elapsed: ([0-9hms.]+),.*/\1/p' | tail -n 1 || true)
	rate=
	if [ -n "$execs" ] && [ -n "$fuzz_el" ]; then
		fuzz_secs=$(seconds "$fuzz_el") base_secs=$(seconds "${base_el:-0s}")
		rate=$((execs / (fuzz_secs - base_secs > 0 ? fuzz_secs - base_secs : 1)))
	fi
	newint=$(sed -nE 's/.*new interesting: ([0-9]+).*/\1/p' <<<"$last")
	total=$(sed -nE 's/.*\(total: ([0-9]+)\).*/\1/p' <<<"$last")
	baseline=$(grep -Eo 'gathering baseline coverage: [0-9]+/[0-9]+' "$log" | tail -n 1 | sed -E 's/.*\///' || true)
	status=ok
	if [ $rc -ne 0 ]; then
		if grep -q 'context deadline exceeded' "$log" && ! grep -qE 'Failing input written|failure while testing seed corpus|_test\.go:[0-9]+:' "$log"; then
			# Go 1.26's fuzz coordinator can report its own -fuzztime
			# deadline as a failure, with no input (golang/go#75804,
			# fixed in Go 1.27): not a finding.
			status=flake
			flaked+=("$t")
			rc=0
		else
			status=FAIL
			failed+=("$t")
		fi
	fi
	rows+=("$(printf '%-26s %-5s %5ss %12s %8s %8s %8s %8s' "$t" "$status" $((t1 - t0)) \
		"${execs:--}" "${rate:--}" "${newint:--}" "${total:--}" "${baseline:--}")")
	if [ $long -eq 1 ] || [ "$status" = FAIL ]; then
		echo "--- $t: $status in $((t1 - t0))s, execs ${execs:--} (${rate:--}/s), new interesting ${newint:--}, corpus ${total:--} (seeds+cache ${baseline:--})"
	fi
	if [ "$status" = FAIL ]; then
		# Go prints the failure and the path of the saved input; never
		# more than that (inputs are synthetic, but keep logs short).
		grep -E -- '--- FAIL|Failing input written to|To re-run:|go test -run=|_test\.go:[0-9]+:|panic:|failure while|minimizing' "$log" | tail -n 20 || true
		echo "    full log: $log"
	fi
done

end=$(date +%s)
echo
printf '%-26s %-5s %6s %12s %8s %8s %8s %8s\n' target result time execs "execs/s" "new" corpus baseline
for r in "${rows[@]}"; do echo "$r"; done
echo "total $((end - start))s (build $((build_end - start))s)"
if [ ${#flaked[@]} -gt 0 ]; then
	echo "fuzz/run.sh: ignored Go's fuzztime deadline race (golang/go#75804, no input) in: ${flaked[*]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz/run.sh: FAILED: ${failed[*]}" >&2
	echo "fuzz/run.sh: the failing inputs are in fuzz/testdata/fuzz/<Target>/ (fuzz/sqlite/testdata/… for FuzzReadSQLite, fuzz/tdata/testdata/… for the tdata targets);" >&2
	echo "fuzz/run.sh: re-run one with: go test ./fuzz -run '<Target>/<file>'" >&2
	exit 1
fi
if [ -z "${FUZZ_LOG_DIR:-}" ]; then rm -rf "$logdir"; fi
