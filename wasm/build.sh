#!/usr/bin/env bash
# Builds wasm/pkg/, the npm package `cognito-verify-wasm`: the default RS256-only module at the top,
# and the same API with ES256 in pkg/es256/ (`import ... from "cognito-verify-wasm/es256"`).
# Idempotent: installs the wasm32 target, the wasm-bindgen CLI of the crate's pinned version and
# the npm devDependencies (binaryen's wasm-opt) only when missing.
#   WASM_OPT_LEVEL=3|s|z   rustc opt-level of this build. Default 3: measured both smaller and faster
#                          here than s (+5% size, -11% speed) and z (+6% gzipped, -25% speed)
#   WASM_OPT=0             skip binaryen's wasm-opt (it runs by default: see the README's table)
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
if [ "${WASM_OPT:-1}" != 0 ] && { [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; }; then
    (cd "$here" && npm ci --no-audit --no-fund)
fi

# One module: cargo (features $1) -> wasm-bindgen -> wasm-opt, into folder $2.
build() {
    local features=$1 out=$2
    # The profile is overridden for this build only, not the workspace: LTO, one codegen unit, no
    # debug info. simd128: the RSA column sums take four products a step (core/src/rsa/quad.rs
    # and limb.rs; wasm SIMD is in every runtime we target: Node 20, Chromium, Firefox,
    # Safari 16.4, workerd), and LLVM's own vectorisers stay off: measured no faster here and 40%
    # more bytes.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=${WASM_OPT_LEVEL:-3} \
    CARGO_PROFILE_RELEASE_LTO=true \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    CARGO_PROFILE_RELEASE_DEBUG=0 \
    CARGO_PROFILE_RELEASE_PANIC=abort \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128 -C no-vectorize-loops -C no-vectorize-slp" \
    CARGO_TARGET_DIR="$target_dir" \
        cargo build --release --target wasm32-unknown-unknown -p cognito-verify-wasm \
        --manifest-path "$root/Cargo.toml" --no-default-features --features "$features"
    mkdir -p "$out"
    wasm-bindgen --target web --omit-default-module-path --no-typescript \
        --remove-name-section --remove-producers-section \
        --out-dir "$out" --out-name cognito_verify_wasm \
        "$target_dir/wasm32-unknown-unknown/release/cognito_verify_wasm.wasm"
    if [ "${WASM_OPT:-1}" != 0 ]; then
        # -O3: 1% fewer gzipped bytes at the same speed (-Os and -Oz measured no smaller);
        # --converge (repeat until nothing changes): 0.7% fewer again, no slower. -O4 was no
        # faster; --flexible-inline-max-function-size 2000 2% slower and 16% more gzipped bytes.
        "$here/node_modules/.bin/wasm-opt" -O3 --converge --enable-simd --enable-bulk-memory --enable-sign-ext \
            --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
            --enable-reference-types \
            -o "$out/cognito_verify_wasm_bg.wasm" "$out/cognito_verify_wasm_bg.wasm"
    fi
    # Every JS module (the entries, api.mjs and the modules it re-exports) and the hand-written types.
    cp "$here"/js/*.mjs "$here"/js/index.d.ts "$here"/js/testing.d.ts "$out/"
    echo "build.sh: $out ($(wc -c < "$out/cognito_verify_wasm_bg.wasm") bytes of wasm, $(gzip -9 -c "$out/cognito_verify_wasm_bg.wasm" | wc -c) gzipped)"
}

rm -rf "$pkg"
build "" "$pkg"
build es256 "$pkg/es256"
cp "$here/README.md" "$pkg/README.md"
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$pkg/"
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")
sed "s/@VERSION@/$version/" "$here/js/package.json" > "$pkg/package.json"
