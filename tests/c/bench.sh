#!/usr/bin/env bash
# Verifications/s through the C ABI beside the Rust API, same token, same run (not a test).
#   tests/c/bench.sh [SECONDS]      honours CARGO_TARGET_DIR (default: target/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
secs="${1:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root"
cargo build --release --quiet -p cognito-verify-ffi --example bench_rust
gcc -std=c11 -O2 -Iinclude -Itests/c tests/c/bench.c "$target/release/libcognito_verify.a" \
    -lpthread -ldl -lm -o "$out/bench"
for round in 1 2; do
    echo "round $round:"
    "$out/bench" testdata/doc/jwks.json testdata/doc/token.txt "$secs"
    "$target/release/examples/bench_rust" testdata/doc/jwks.json testdata/doc/token.txt "$secs"
done
