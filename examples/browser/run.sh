#!/usr/bin/env bash
# The example server's web pages in a real browser (called by `make test-browser`, part of
# `make test`): Debian's headless Chromium, driven by playwright-core (pinned in package.json and
# package-lock.json), walks sign-in, sign-out and a cross-site sign-out attempt at
# http://localhost:PORT and http://127.0.0.1:PORT against a stand-in Hosted UI (hosted_ui.mjs).
# Installs what it needs only when missing (chromium through apt, node_modules through npm ci),
# builds the server example, and prints each step; screenshots go to
# ${CARGO_TARGET_DIR:-target}/browser-test/<host>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
case "$target" in /*) ;; *) target="$repo/$target" ;; esac
chromium=${CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
# CARGO_FLAGS: `make test` passes the flags of its `cargo test`, so the server built there is
# reused here (a build of this package alone resolves other features and rebuilds dependencies).
# shellcheck disable=SC2086
(cd "$repo" && CARGO_TARGET_DIR="$target" ${CARGO:-cargo} build -q ${CARGO_FLAGS:--p cognito-verify-examples} --example server)
CHROMIUM="$chromium" SERVER_BIN="$target/debug/examples/server" SCREENSHOTS="$target/browser-test" \
    node browser.test.mjs
