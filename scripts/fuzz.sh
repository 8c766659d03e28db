#!/usr/bin/env bash
# Runs every Fuzz target of the root module for FUZZTIME each (default 3s).
# FUZZMINIMIZETIME (default 1s) bounds the minimization of each new input,
# which go test otherwise allows 60s: without it a 3s run can take minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-3s}
m=${FUZZMINIMIZETIME:-1s}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/func //' | sort -u); do
		echo "== fuzz $pkg $f ($t, minimize $m)"
		if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -fuzzminimizetime "$m" "$pkg" >/tmp/fuzz.$$.log 2>&1; then
			tail -30 /tmp/fuzz.$$.log
			status=1
		else
			grep -E 'execs:' /tmp/fuzz.$$.log | tail -1 || true
		fi
	done
done
rm -f /tmp/fuzz.$$.log
exit $status
