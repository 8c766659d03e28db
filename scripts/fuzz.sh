#!/usr/bin/env bash
# Runs every Fuzz target of the root module for FUZZTIME each (default 3s).
# FUZZMINIMIZETIME (default 1s) bounds the minimization of each new input,
# which go test otherwise allows 60s: without it a 3s run can take minutes.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime expires while a worker is mid-call (golang/go#75804,
# fixed in Go 1.27): no input is written and nothing is wrong with the target.
# Such a run is classified as that flake only when its log names no failing
# input, no panic and no other failure line; the target's corpus is then
# replayed deterministically (go test -run) and fuzzed once more. Any other
# failure, a failing replay, or the flake twice in a row fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-3s}
m=${FUZZMINIMIZETIME:-1s}
log=/tmp/fuzz.$$.log
status=0

# deadline_flake reports whether log $1 is golang/go#75804 and nothing else.
deadline_flake() {
	grep -q 'context deadline exceeded' "$1" &&
		! grep -qE 'Failing input written|panic:|_test\.go:[0-9]+:|fuzz: minimizing' "$1"
}

fuzz() { # pkg target
	go test -run '^$' -fuzz "^$2\$" -fuzztime "$t" -fuzzminimizetime "$m" "$1" >"$log" 2>&1
}

for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //' | sort -u); do
		echo "== fuzz $pkg $f ($t, minimize $m)"
		if fuzz "$pkg" "$f"; then
			grep -E 'execs:' "$log" | tail -1 || true
			continue
		fi
		if deadline_flake "$log" && go test -run "^$f\$" "$pkg" >/dev/null 2>&1; then
			echo "   fuzz coordinator deadline race (golang/go#75804): corpus replay passed; fuzzing again"
			if fuzz "$pkg" "$f"; then
				grep -E 'execs:' "$log" | tail -1 || true
				continue
			fi
		fi
		tail -30 "$log"
		status=1
	done
done
rm -f "$log"
exit $status
