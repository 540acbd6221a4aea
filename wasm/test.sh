#!/usr/bin/env bash
# The JS tests of wasm/ (called by `make test`): builds wasm/pkg/, packs it with `npm pack` and
# installs the tarball into an empty temporary folder, as a user would; the tests then import
# `cognito-verify-wasm` from there. Installs the test tools (npm ci from the committed
# package-lock.json; Debian's chromium only if missing), then runs Node's test runner over
# tests/*.test.mjs: the shared vectors on every signature path, hostile arguments, the refresh
# policy, a differential run against aws-jwt-verify, the package's contents, the example Worker
# in workerd, and chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

./build.sh

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi

install_dir=$(mktemp -d "${TMPDIR:-/tmp}/cognito-verify-wasm-install.XXXXXX")
trap 'rm -rf "$install_dir"' EXIT
tarball=$(npm pack --silent --pack-destination "$install_dir" "$here/pkg" | tail -n 1)
(cd "$install_dir" && echo '{"name":"install-check","private":true,"type":"module"}' > package.json &&
    npm install --no-audit --no-fund --silent "./$tarball")
# The tests import the package by its name: from the installed tarball, not from pkg/.
ln -sfn "$install_dir/node_modules/cognito-verify-wasm" node_modules/cognito-verify-wasm
export COGNITO_VERIFY_WASM_TARBALL="$install_dir/$tarball"

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

status=0
node --test --test-concurrency=2 tests/ || status=$?
# Leave the link on the build for bench.mjs and editors (the temporary install is removed).
ln -sfn ../pkg node_modules/cognito-verify-wasm
exit "$status"
