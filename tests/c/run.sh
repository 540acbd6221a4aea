#!/usr/bin/env bash
# Every test of the C ABI (called by `make test`): header drift, the shared vectors from C and C++
# (static and shared library, AddressSanitizer + UBSan, valgrind), hostile calls, threads,
# revocation, sign-out, key refresh through the verifier (testdata/refresh.jsonl), per-pool rules
# (testdata/pools.jsonl), the verdict memo after the world changed (testdata/memo.jsonl), the
# allocation count, the README examples, the pkg-config file.
#   tests/c/run.sh            honours CARGO_TARGET_DIR (default: target/), CC, CXX
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
lib="$target/release"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
cd "$root"

# ------------------------------------------------------------------ tools (installed only if missing)
missing=()
command -v "$CC" >/dev/null || missing+=(gcc)
command -v "$CXX" >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
passed=0
failed=0
failures=()

# step NAME COMMAND...: runs a check, indents its output, counts it.
step() {
    local name="$1"
    shift
    echo "== $name"
    if "$@" > "$out/step.log" 2>&1; then
        sed 's/^/    /' "$out/step.log"
        passed=$((passed + 1))
    else
        sed 's/^/    /' "$out/step.log" | tail -n 40
        echo "   FAILED: $name"
        failed=$((failed + 1))
        failures+=("$name")
    fi
}

# ------------------------------------------------------------------ static checks
step "header is up to date (cbindgen, pinned)" ffi/gen-header.sh --check

unsafe_outside_cast() {
    # Every unsafe block, fn and impl of the library lives in ffi/src/cast.rs.
    local hits
    hits="$(grep -nE 'unsafe[[:space:]]*(\{|fn|impl)' ffi/src/*.rs | grep -v '^ffi/src/cast.rs:' || true)"
    if [ -n "$hits" ]; then
        echo "$hits"
        return 1
    fi
    echo "unsafe code only in ffi/src/cast.rs ($(grep -cE 'unsafe[[:space:]]*(\{|fn|impl)' ffi/src/cast.rs) sites, each with a SAFETY comment)"
}
step "unsafe confined to cast.rs" unsafe_outside_cast

# ------------------------------------------------------------------ build
echo "== building libcognito_verify (release) into $lib"
cargo build --release --quiet -p cognito-verify-ffi
python3 tests/c/vectors.py "$out/vectors" | sed 's/^/    /'
V="$out/vectors"
VECTORS=("$V/tokens.txt" "$V/real-world.txt" "$V/jwks.txt")
# The pool rule, per-pool key sets: C only.
CONFORMANCE=("$V/conformance.txt")
DOC=(testdata/doc/jwks.json testdata/doc/token.txt)
REVOCATION=("$V/revocation.txt")
REFRESH=("$V/refresh.txt")
POOLS=("$V/pools.txt")
MEMO=("$V/memo.txt")
ALB=("$V/alb.txt")

CFLAGS=(-std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -Iinclude -Itests/c)
CXXFLAGS=(-std=c++17 -Wall -Wextra -Werror -pedantic -g -O1 -Iinclude -Itests/c)
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
STATIC=("$lib/libcognito_verify.a" -lpthread -ldl -lm)
SHARED=(-L"$lib" -lcognito_verify -Wl,-rpath,"$lib" -lpthread)
WRAP=(-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc)

build() {
    local name="$1"
    shift
    echo "    build $name"
    "$@" -o "$out/$name"
}
compile_all() {
    for prog in vectors hostile threads sigcache revocation sign_out refresh pools memo_table alb; do
        build "$prog-static" "$CC" "${CFLAGS[@]}" "tests/c/$prog.c" "${STATIC[@]}"
        build "$prog-shared" "$CC" "${CFLAGS[@]}" "tests/c/$prog.c" "${SHARED[@]}"
        build "$prog-asan" "$CC" "${CFLAGS[@]}" "${SAN[@]}" "tests/c/$prog.c" "${STATIC[@]}"
    done
    build vectors_cpp-static "$CXX" "${CXXFLAGS[@]}" tests/c/vectors.cpp "${STATIC[@]}"
    build vectors_cpp-shared "$CXX" "${CXXFLAGS[@]}" tests/c/vectors.cpp "${SHARED[@]}"
    build vectors_cpp-asan "$CXX" "${CXXFLAGS[@]}" "${SAN[@]}" tests/c/vectors.cpp "${STATIC[@]}"
    build alloc_count "$CC" "${CFLAGS[@]}" tests/c/alloc_count.c "${STATIC[@]}" "${WRAP[@]}"
}
step "compile tests with -Wall -Wextra -Werror (C11, C++17; static, shared, ASan+UBSan)" compile_all

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
VALGRIND=(valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible)

# ------------------------------------------------------------------ the vectors, C and C++
step "C vectors, static library" "$out/vectors-static" "${VECTORS[@]}" "${CONFORMANCE[@]}"
step "C vectors, shared library" "$out/vectors-shared" "${VECTORS[@]}" "${CONFORMANCE[@]}"
step "C vectors, AddressSanitizer + UBSan" "$out/vectors-asan" "${VECTORS[@]}" "${CONFORMANCE[@]}"
step "C vectors, valgrind (shared library)" "${VALGRIND[@]}" "$out/vectors-shared" "${VECTORS[@]}" "${CONFORMANCE[@]}"
step "C++ vectors, static library" "$out/vectors_cpp-static" "${DOC[@]}" "${VECTORS[@]}"
step "C++ vectors, shared library" "$out/vectors_cpp-shared" "${DOC[@]}" "${VECTORS[@]}"
step "C++ vectors, AddressSanitizer + UBSan" "$out/vectors_cpp-asan" "${DOC[@]}" "${VECTORS[@]}"
step "C++ vectors, valgrind (static library)" "${VALGRIND[@]}" "$out/vectors_cpp-static" "${DOC[@]}" "${VECTORS[@]}"

# ------------------------------------------------------------------ hostile calls, threads, allocations
step "hostile calls, static library" "$out/hostile-static" "${DOC[@]}"
step "hostile calls, AddressSanitizer + UBSan" "$out/hostile-asan" "${DOC[@]}"
step "hostile calls, valgrind (shared library)" "${VALGRIND[@]}" "$out/hostile-shared" "${DOC[@]}"
step "threads: 4 verifiers + JWKS writer, shared library" "$out/threads-shared" "${DOC[@]}" 2000
step "threads, AddressSanitizer + UBSan" "$out/threads-asan" "${DOC[@]}" 2000
step "threads, valgrind (static library)" "${VALGRIND[@]}" "$out/threads-static" "${DOC[@]}" 200
step "signature cache, static library" "$out/sigcache-static" "${DOC[@]}"
step "signature cache, AddressSanitizer + UBSan" "$out/sigcache-asan" "${DOC[@]}"
step "signature cache, valgrind (shared library)" "${VALGRIND[@]}" "$out/sigcache-shared" "${DOC[@]}"
step "revocation: 23 vectors, full, expiry, capacity 0, 1000 from a thread; static library" "$out/revocation-static" "${REVOCATION[@]}"
step "revocation, shared library" "$out/revocation-shared" "${REVOCATION[@]}"
step "revocation, AddressSanitizer + UBSan" "$out/revocation-asan" "${REVOCATION[@]}"
step "revocation, valgrind (shared library)" "${VALGRIND[@]}" "$out/revocation-shared" "${REVOCATION[@]}"
step "sign-out: one user 10,000 times, another user, a replica, a nearly full list, arguments; static library" "$out/sign_out-static" "${REVOCATION[@]}"
step "sign-out, shared library" "$out/sign_out-shared" "${REVOCATION[@]}"
step "sign-out, AddressSanitizer + UBSan" "$out/sign_out-asan" "${REVOCATION[@]}"
step "sign-out, valgrind (shared library)" "${VALGRIND[@]}" "$out/sign_out-shared" "${REVOCATION[@]}"
step "key refresh: testdata/refresh.jsonl through the verifier; static library" "$out/refresh-static" "${REFRESH[@]}"
step "key refresh, shared library" "$out/refresh-shared" "${REFRESH[@]}"
step "key refresh, AddressSanitizer + UBSan" "$out/refresh-asan" "${REFRESH[@]}"
step "key refresh, valgrind (shared library)" "${VALGRIND[@]}" "$out/refresh-shared" "${REFRESH[@]}"
step "pools with rules of their own: testdata/pools.jsonl, setter errors; static library" "$out/pools-static" "${POOLS[@]}"
step "pools, shared library" "$out/pools-shared" "${POOLS[@]}"
step "pools, AddressSanitizer + UBSan" "$out/pools-asan" "${POOLS[@]}"
step "pools, valgrind (shared library)" "${VALGRIND[@]}" "$out/pools-shared" "${POOLS[@]}"
step "verdict memo: testdata/memo.jsonl, the world changed after a verification; static library" "$out/memo_table-static" "${MEMO[@]}"
step "verdict memo table, shared library" "$out/memo_table-shared" "${MEMO[@]}"
step "verdict memo table, AddressSanitizer + UBSan" "$out/memo_table-asan" "${MEMO[@]}"
step "verdict memo table, valgrind (shared library)" "${VALGRIND[@]}" "$out/memo_table-shared" "${MEMO[@]}"
step "ALB tokens: testdata/alb.jsonl, key URL, keys, arguments; static library" "$out/alb-static" "${ALB[@]}"
step "ALB tokens, shared library" "$out/alb-shared" "${ALB[@]}"
step "ALB tokens, AddressSanitizer + UBSan" "$out/alb-asan" "${ALB[@]}"
step "ALB tokens, valgrind (shared library)" "${VALGRIND[@]}" "$out/alb-shared" "${ALB[@]}"
step "no allocation per verification (malloc family wrapped)" "$out/alloc_count" "${DOC[@]}"

# ------------------------------------------------------------------ README example, pkg-config
readme_example() {
    # The first ```c block of ffi/README.md, built through the installed pkg-config file,
    # against the shared and the static library.
    awk '/^```c$/ {on = 1; next} /^```$/ && on {exit} on' ffi/README.md > "$out/verify_token.c"
    CARGO_TARGET_DIR="$target" ffi/install.sh "$out/prefix"
    export PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig"
    echo "pkg-config: $(pkg-config --cflags --libs cognito_verify) | static: $(pkg-config --static --libs cognito_verify)"
    # shellcheck disable=SC2046
    "$CC" -std=c11 -Wall -Wextra -Werror -pedantic "$out/verify_token.c" \
        $(pkg-config --cflags --libs cognito_verify) -Wl,-rpath,"$out/prefix/lib" -o "$out/verify_token"
    # shellcheck disable=SC2046
    "$CC" -std=c11 -Wall -Wextra -Werror -pedantic -static-libgcc "$out/verify_token.c" \
        $(pkg-config --cflags cognito_verify) "$out/prefix/lib/libcognito_verify.a" \
        $(pkg-config --static --libs-only-l cognito_verify | sed 's/-lcognito_verify//') \
        -o "$out/verify_token_static"
    local want="valid: sub=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee username=alice exp=1700003600 admin=yes tenant=none"
    for exe in verify_token verify_token_static; do
        got="$("$out/$exe" testdata/doc/jwks.json us-east-1_Example1 3n4b5urk1ft4fl3mg5e62d9ado 1700000100 < testdata/doc/token.txt)"
        echo "$exe: $got"
        [ "$got" = "$want" ] || return 1
        got="$("$out/$exe" testdata/doc/jwks.json us-east-1_Example1 3n4b5urk1ft4fl3mg5e62d9ado < testdata/doc/token.txt || true)"
        echo "$exe (system clock): $got"
        [ "$got" = "invalid: expired (token has expired)" ] || return 1
    done
}
step "README example via pkg-config (shared and static)" readme_example

readme_revocation() {
    # The two ```c blocks of ffi/README.md's "Revocation" section (revoke, then sign-out), run
    # inside tests/c/readme_revocation.c (AddressSanitizer + UBSan).
    local n
    for n in 1 2; do
        awk -v n="$n" '/^## Revocation$/ {sec = 1} sec && /^```c$/ && ++k == n {on = 1; next}
            on && /^```$/ {exit} on' ffi/README.md > "$out/readme_revocation_$n.inc"
        [ -s "$out/readme_revocation_$n.inc" ] || return 1
    done
    "$CC" "${CFLAGS[@]}" "${SAN[@]}" -I"$out" tests/c/readme_revocation.c "${STATIC[@]}" \
        -o "$out/readme_revocation"
    "$out/readme_revocation" "${DOC[@]}"
}
step "README revocation example (ASan + UBSan)" readme_revocation

readme_refresh() {
    # The ```c block of ffi/README.md's "Key refresh" section, run inside
    # tests/c/readme_refresh.c with a stub HTTP client (AddressSanitizer + UBSan).
    awk '/^## Key refresh$/ {sec = 1} sec && /^```c$/ {on = 1; next} on && /^```$/ {exit} on' \
        ffi/README.md > "$out/readme_refresh.inc"
    [ -s "$out/readme_refresh.inc" ] || return 1
    "$CC" "${CFLAGS[@]}" "${SAN[@]}" -I"$out" tests/c/readme_refresh.c "${STATIC[@]}" \
        -o "$out/readme_refresh"
    "$out/readme_refresh" "${DOC[@]}"
}
step "README key refresh example (ASan + UBSan)" readme_refresh

readme_pools() {
    # The ```c block of ffi/README.md's "Pools" section, run inside tests/c/readme_pools.c
    # (AddressSanitizer + UBSan).
    awk '/^## Pools$/ {sec = 1} sec && /^```c$/ {on = 1; next} on && /^```$/ {exit} on' \
        ffi/README.md > "$out/readme_pools.inc"
    [ -s "$out/readme_pools.inc" ] || return 1
    "$CC" "${CFLAGS[@]}" "${SAN[@]}" -I"$out" tests/c/readme_pools.c "${STATIC[@]}" \
        -o "$out/readme_pools"
    "$out/readme_pools" "${DOC[@]}"
}
step "README pools example (ASan + UBSan)" readme_pools

echo
echo "tests/c: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then
    printf '  failed: %s\n' "${failures[@]}"
    exit 1
fi
