#!/usr/bin/env bash
# Runs every test of every module in this repository under the race detector,
# then the Node suites (node --test), after installing what they need when it
# is missing (scripts/deps.sh: Debian packages as root, npm ci from lockfiles).
# The shared vectors are read from WEBAUTHN_VECTORS / WEBAUTHN_WYCHEPROOF when set,
# else from ../shared beside the repository (tests skip loudly when that is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
status=0
while IFS= read -r mod; do
	dir=$(dirname "$mod")
	echo "== go test -race ./... in $dir"
	if ! (cd "$dir" && go test -race -count=1 ./...); then
		status=1
	fi
done < <(find . -name go.mod -not -path './.git/*' -not -path '*/node_modules/*' | sort)
while IFS= read -r pkg; do
	dir=$(dirname "$pkg")
	grep -q '"test"' "$pkg" || continue
	echo "== npm test in $dir"
	if ! (cd "$dir" && npm test); then
		status=1
	fi
done < <(find . -name package.json -not -path '*/node_modules/*' -not -path './.git/*' | sort)
exit $status
