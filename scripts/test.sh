#!/usr/bin/env bash
# Install everything the test suite needs, then run it on two workers.
#
# Python test extras, the JavaScript SDK packages of tests/js, and Debian's
# Chromium for the HTML report test (when run as root on a Debian-based
# machine; elsewhere that one test is skipped with the reason).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet -e '.[test]'
npm ci --prefix tests/js --no-audit --no-fund
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium not found: the HTML report browser test will be skipped" >&2
    fi
fi
exec python3 -m pytest -n 2 "$@"
