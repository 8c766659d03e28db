#!/usr/bin/env bash
# Runs every test of every module in this repository under the race detector.
# The shared vectors are read from WEBAUTHN_VECTORS / WEBAUTHN_WYCHEPROOF when set,
# else from ../shared beside the repository (tests skip loudly when that is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r mod; do
	dir=$(dirname "$mod")
	echo "== go test -race ./... in $dir"
	if ! (cd "$dir" && go test -race -count=1 ./...); then
		status=1
	fi
done < <(find . -name go.mod -not -path './.git/*' | sort)
exit $status
