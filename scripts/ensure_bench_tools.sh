#!/usr/bin/env bash
# Installs what the peers in `make bench` build with, when missing: cmake (BoringSSL, under
# jwt-simple) and libclang (boring-sys's bindgen), from Debian's packages; prints nothing and
# returns at once when both are there.
#   bash scripts/ensure_bench_tools.sh
set -euo pipefail
have_libclang() { ls /usr/lib/llvm-*/lib/libclang.so* /usr/lib/x86_64-linux-gnu/libclang*.so* >/dev/null 2>&1; }
command -v cmake >/dev/null && have_libclang && exit 0
command -v apt-get >/dev/null || { echo "ensure_bench_tools: cmake or libclang missing and no apt-get: install them" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ensure_bench_tools: installing cmake and libclang-dev (apt-get)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends cmake libclang-dev >/dev/null
