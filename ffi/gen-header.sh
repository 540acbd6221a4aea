#!/usr/bin/env bash
# Regenerates include/cognito_verify.h from ffi/src with the pinned cbindgen.
#   ffi/gen-header.sh            write include/cognito_verify.h
#   ffi/gen-header.sh --check    regenerate into a temp file and fail if the committed header differs
set -euo pipefail
CBINDGEN_VERSION=0.29.4
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
header="$root/include/cognito_verify.h"

if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    echo "installing cbindgen $CBINDGEN_VERSION" >&2
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet
fi

gen() { (cd "$root/ffi" && cbindgen --quiet --config cbindgen.toml --crate cognito-verify-ffi --output "$1" .); }

if [ "${1:-}" = "--check" ]; then
    tmp="$(mktemp)"
    trap 'rm -f "$tmp"' EXIT
    gen "$tmp"
    if ! diff -u "$header" "$tmp"; then
        echo "include/cognito_verify.h is out of date: run ffi/gen-header.sh and commit it" >&2
        exit 1
    fi
    echo "include/cognito_verify.h is up to date (cbindgen $CBINDGEN_VERSION)"
else
    gen "$header"
    echo "wrote $header"
fi
