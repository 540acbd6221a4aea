#!/usr/bin/env bash
# Load figures of one server: the authenticated /api/v1/ping beside its unauthenticated /healthz.
# Measured, never asserted. Loopback only; stops everything it started.
#   bash scripts/load.sh      # DURATION=10s CONNECTIONS=32 THREADS=1 TOKENS=1000 by default
# Runs, each with wrk:
#   healthz      GET /healthz, no token: what the server answers without any verification
#   healthz-tokens  GET /healthz with the working set's requests (scripts/tokens.lua, the same
#                bytes on the wire and the same wrk script as the rows below): the floor the
#                authenticated rows are compared with, verification aside
#   one-token    /api/v1/ping, one valid token again and again (a verdict memo hit after the first)
#   working-set  /api/v1/ping, TOKENS distinct valid tokens from moto in turn (scripts/tokens.lua):
#                verdict memo hits
#   sigcache     the same tokens, verdict memo off: signature cache hits
#   all-new      the same tokens against a server whose caches hold 8 entries: every request
#                misses and is stored, as if every token were new (moto cannot sign a new token
#                for each of ~100,000 requests)
#   all-new-memo-off  all-new with the verdict memo off (the signature cache of 8 entries kept):
#                what the memo costs a new token is all-new beside it
#   no-cache     the same tokens, memo and cache off (VERDICT_MEMO_CAPACITY=0,
#                SIGNATURE_CACHE_CAPACITY=0)
# Needs wrk (installed with apt-get when missing) and the moto venv (scripts/ensure_venv.sh is called).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
TOKENS=${TOKENS:-1000}
# wrk from Debian, installed here when missing (as the other scripts install what they need).
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq wrk >/dev/null
    fi
    command -v wrk >/dev/null || { echo "load.sh: wrk not found (apt-get install -y wrk)" >&2; exit 1; }
fi
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

bash scripts/ensure_venv.sh
$CARGO build --quiet --release -p cognito-verify-examples --example server --example fetch_jwt
BIN=$($CARGO metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples

MOTO_PORT=$(free_port)
.venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
.venv/bin/python scripts/moto_cognito.py wait --endpoint "http://127.0.0.1:$MOTO_PORT" --timeout 60
.venv/bin/python scripts/moto_cognito.py provision --endpoint "http://127.0.0.1:$MOTO_PORT" >"$WORK/moto.env"
set -a
# shellcheck disable=SC1091
. "$WORK/moto.env"
set +a
TOKEN=$(cd "$WORK" && "$BIN/fetch_jwt")
echo "== minting $TOKENS distinct tokens with moto (InitiateAuth)"
.venv/bin/python scripts/moto_cognito.py tokens --endpoint "http://127.0.0.1:$MOTO_PORT" \
    --client-id "$AWS_COGNITO_APP_CLIENT_ID" --count "$TOKENS" >"$WORK/tokens.txt"
export TOKENS_FILE="$WORK/tokens.txt"
echo "   $(sort -u "$TOKENS_FILE" | wc -l) distinct tokens"

run() { # name, path, wrk args (token or script), -- server env...
    local name=$1 path=$2; shift 2
    local wrk_args=()
    while [ "$1" != "--" ]; do wrk_args+=("$1"); shift; done
    shift
    local port; port=$(free_port)
    (cd "$WORK" && exec env APP_HOST=127.0.0.1 APP_PORT="$port" RUST_LOG=warn "$@" "$BIN/server") \
        >"$WORK/server-$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/ping")
    echo "== $name: GET $path (/api/v1/ping with one token answers $status); wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${wrk_args[@]}" \
        "http://127.0.0.1:$port$path" | tee "$WORK/wrk-$name.txt"
    curl -s "http://127.0.0.1:$port/metrics" | grep -v '^#' | tee "$WORK/metrics-$name.txt"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
run healthz /healthz --
run healthz-tokens /healthz -s scripts/tokens.lua --
run one-token /api/v1/ping -H "Authorization: Bearer $TOKEN" --
run working-set /api/v1/ping -s scripts/tokens.lua --
run sigcache /api/v1/ping -s scripts/tokens.lua -- VERDICT_MEMO_CAPACITY=0
run all-new /api/v1/ping -s scripts/tokens.lua -- SIGNATURE_CACHE_CAPACITY=8 VERDICT_MEMO_CAPACITY=8
run all-new-memo-off /api/v1/ping -s scripts/tokens.lua -- SIGNATURE_CACHE_CAPACITY=8 VERDICT_MEMO_CAPACITY=0
run no-cache /api/v1/ping -s scripts/tokens.lua -- SIGNATURE_CACHE_CAPACITY=0 VERDICT_MEMO_CAPACITY=0

echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared by wrk and the server)"
base=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-healthz.txt")
same=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-healthz-tokens.txt")
for name in healthz healthz-tokens one-token working-set sigcache all-new all-new-memo-off no-cache; do
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$name.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$name.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk-$name.txt")
    memo=$(awk '/^cognito_verdict_memo_hits_total/ {print $2}' "$WORK/metrics-$name.txt")
    hits=$(awk '/^cognito_signature_cache_hits_total/ {print $2}' "$WORK/metrics-$name.txt")
    misses=$(awk '/^cognito_signature_cache_misses_total/ {print $2}' "$WORK/metrics-$name.txt")
    ratio=$(python3 -c "print(f'{float($rps)/float($base):.2f}x')")
    # The rows driven by tokens.lua beside the /healthz row driven by it too.
    case $name in one-token|healthz) vs=-;; *) vs=$(python3 -c "print(f'{float($rps)/float($same):.2f}x')");; esac
    printf '%-17s %10s req/s  %6s of /healthz  %6s of healthz-tokens   p99 %8s   non-2xx %-6s memo hits %-9s signature hits %-9s misses %s\n' \
        "$name" "$rps" "$ratio" "$vs" "$p99" "${non2xx:-0}" "${memo:-0}" "${hits:-0}" "${misses:-0}"
done
on=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-all-new.txt")
off=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-all-new-memo-off.txt")
echo "a new token with the verdict memo on: $(python3 -c "print(f'{float($on)/float($off):.3f}x')") of the same with the memo off"
