#!/usr/bin/env bash
# Builds wasm/pkg/, the npm package `cognito-verify-wasm` (ARCHITECTURE.md, "The parts"). Idempotent: installs the
# wasm32 target and the wasm-bindgen CLI of the crate's pinned version only when missing.
#   WASM_OPT_LEVEL=3|s|z   opt-level of this build. Default 3: measured both smaller and faster here than
#                          s (+5% size, -11% speed) and z (+6% gzipped, -25% speed)
#   CARGO_TARGET_DIR        honoured; defaults to the workspace's target/
#   WASM_PKG_DIR            output folder (default wasm/pkg; bench.mjs compares builds with PKG=)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target_dir=${CARGO_TARGET_DIR:-$root/target}
pkg="${WASM_PKG_DIR:-$here/pkg}"

wb_version=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' "$here/Cargo.toml")
[ -n "$wb_version" ] || { echo "build.sh: no pinned wasm-bindgen version in wasm/Cargo.toml" >&2; exit 1; }

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
    echo "build.sh: installing wasm-bindgen-cli $wb_version (several minutes, once)" >&2
    cargo install wasm-bindgen-cli --version "$wb_version" --locked
fi

# The profile is overridden for this build only, not the workspace: LTO, one codegen unit, no debug info.
CARGO_PROFILE_RELEASE_OPT_LEVEL=${WASM_OPT_LEVEL:-3} \
CARGO_PROFILE_RELEASE_LTO=true \
CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_DEBUG=0 \
CARGO_TARGET_DIR="$target_dir" \
    cargo build --release --target wasm32-unknown-unknown -p cognito-verify-wasm --manifest-path "$root/Cargo.toml"

rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --omit-default-module-path --no-typescript \
    --remove-name-section --remove-producers-section \
    --out-dir "$pkg" --out-name cognito_verify_wasm \
    "$target_dir/wasm32-unknown-unknown/release/cognito_verify_wasm.wasm"
cp "$here"/js/api.mjs "$here"/js/node.mjs "$here"/js/workerd.mjs "$here"/js/browser.mjs "$here"/js/index.d.ts "$pkg/"
cp "$here/README.md" "$pkg/README.md"
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")
sed "s/@VERSION@/$version/" "$here/js/package.json" > "$pkg/package.json"
echo "build.sh: $pkg ($(wc -c < "$pkg/cognito_verify_wasm_bg.wasm") bytes of wasm, $(gzip -9 -c "$pkg/cognito_verify_wasm_bg.wasm" | wc -c) gzipped)"
