#!/usr/bin/env bash
# Prints the statement coverage of codec, compat and vault: each package's
# own tests, then with every test in the module counted (-coverpkg, so the
# fuzz targets' seed corpora and the CLI tests count too), and the total.
# The README quotes these figures; the target is 90% of statements.
#
#   bash scripts/coverage.sh            # print the table
#   COVER_DIR=out bash scripts/coverage.sh   # keep the profiles in out/
#
# No build tags: the live interop suites (-tags interop) are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--buildvcs=false}

dir=${COVER_DIR:-$(mktemp -d)}
mkdir -p "$dir"
pkgs=(codec compat vault)
module=github.com/tgsession/tgsession

# percent PROFILE [PKG]: statement coverage in a profile, optionally only
# for the files of one package (blocks counted once, covered if any test
# covered them).
percent() {
	awk -v pkg="${2:-}" 'NR > 1 {
		split($1, a, ":")
		file = a[1]
		if (pkg != "") {
			n = split(file, parts, "/")
			d = parts[1]
			for (i = 2; i < n; i++) d = d "/" parts[i]
			if (d != pkg) next
		}
		key = $1
		stmts[key] = $2
		if ($3 > 0) hit[key] = 1
	} END {
		for (k in stmts) { total += stmts[k]; if (k in hit) covered += stmts[k] }
		if (total == 0) { print "n/a"; exit }
		printf "%.1f%% (%d/%d)\n", 100 * covered / total, covered, total
	}' "$1"
}

printf '%-10s %-26s %-26s\n' package "own tests" "all tests in the module"
# Tests that re-execute their own binary would otherwise see the child's
# "warning: GOCOVERDIR not set, no coverage data emitted" on stderr.
export GOCOVERDIR="$dir/gocoverdir"
mkdir -p "$GOCOVERDIR"
failed=0
for p in "${pkgs[@]}"; do
	if ! go test -count=1 -coverprofile="$dir/$p.own.out" "./$p" >"$dir/$p.own.log" 2>&1; then
		echo "coverage: note: go test ./$p had failures (see $dir/$p.own.log); figures count what ran" >&2
		failed=1
	fi
done
coverpkg=$(printf "$module/%s," "${pkgs[@]}")
coverpkg=${coverpkg%,}
# Every package's tests, with coverage counted in codec, compat and vault.
# A failing test elsewhere does not stop the figures (it is reported).
if ! go test -count=1 -coverpkg="$coverpkg" -coverprofile="$dir/all.out" ./... >"$dir/all.log" 2>&1; then
	echo "coverage: note: some tests failed in the all-tests run (see $dir/all.log); figures still count what ran" >&2
	failed=1
fi
for p in "${pkgs[@]}"; do
	printf '%-10s %-26s %-26s\n' "$p" "$(percent "$dir/$p.own.out")" "$(percent "$dir/all.out" "$module/$p")"
done
own_total=$(cat "$dir"/*.own.out | awk 'NR == 1 || !/^mode:/' >"$dir/own-merged.out"; percent "$dir/own-merged.out")
printf '%-10s %-26s %-26s\n' total "$own_total" "$(percent "$dir/all.out")"
if [ -z "${COVER_DIR:-}" ] && [ $failed -eq 0 ]; then rm -rf "$dir"; fi
