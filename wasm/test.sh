#!/usr/bin/env bash
# The JS tests of wasm/ (called by `make test`): builds wasm/pkg/, installs the test tools
# (npm ci from the committed package-lock.json; Debian's chromium only if missing), then runs
# Node's test runner over tests/*.test.mjs: the shared vectors, hostile arguments, the refresh
# policy, a differential run against aws-jwt-verify, the example Worker in workerd, and chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

./build.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
# The tests import the package by its name, as users do.
ln -sfn ../pkg node_modules/cognito-verify-wasm

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

node --test --test-concurrency=2 tests/
