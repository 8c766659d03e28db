#!/usr/bin/env bash
# Installs what the test suites need when it is missing: Debian packages
# (redis-server for store/redis, chromium for e2e, postgresql, nodejs and npm
# for cognito) with apt-get when run as root, and the npm packages of the
# Node suites from their committed lockfiles (npm ci). Safe to run again: it
# installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# initdb and postgres are not on PATH in Debian's package.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
{ command -v node && command -v npm; } >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing ${need[*]}; run this script as root (apt-get) or install them" >&2
		exit 1
	fi
	echo "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The Node suites' packages, from their lockfiles (never node_modules in git).
for lock in $(find . -name package-lock.json -not -path '*/node_modules/*' -not -path './.git/*' | sort); do
	dir=$(dirname "$lock")
	if [ ! -d "$dir/node_modules" ] || [ "$lock" -nt "$dir/node_modules" ]; then
		echo "deps: npm ci in $dir"
		(cd "$dir" && npm ci --no-audit --no-fund >/dev/null)
	fi
done
