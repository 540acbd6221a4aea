#!/usr/bin/env bash
# Builds the C library and installs it with its headers and a pkg-config file.
#   ffi/install.sh PREFIX      e.g. /usr/local; honours CARGO_TARGET_DIR (default: target/)
# Installs PREFIX/lib/libcognito_verify.{a,so}, PREFIX/include/cognito_verify.{h,hpp},
# PREFIX/lib/pkgconfig/cognito_verify.pc.
set -euo pipefail
prefix="${1:?usage: ffi/install.sh PREFIX}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
cd "$root"
cargo build --release --quiet -p cognito-verify-ffi
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
# The system libraries the static library needs, as rustc reports them for this platform.
native="$(cargo rustc --release --quiet -p cognito-verify-ffi --crate-type staticlib -- \
    --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -n 1)"
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 "$target/release/libcognito_verify.a" "$prefix/lib/"
install -m 755 "$target/release/libcognito_verify.so" "$prefix/lib/"
install -m 644 include/cognito_verify.h include/cognito_verify.hpp "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@NATIVE_STATIC_LIBS@|${native:--lpthread -ldl -lm}|" \
    ffi/cognito_verify.pc.in > "$prefix/lib/pkgconfig/cognito_verify.pc"
echo "installed cognito_verify $version into $prefix"
