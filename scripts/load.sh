#!/usr/bin/env bash
# Load figures for /api/v1/ping with a valid token, beside the same server with verification off
# (INSECURE_DISABLE_AUTH=1). Measured, never asserted. Loopback only; stops everything it started.
#   bash scripts/load.sh                 # DURATION=10s CONNECTIONS=50 THREADS=2 by default
# Needs wrk (apt-get install -y wrk) and the moto venv (scripts/ensure_venv.sh is called).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "load.sh: wrk not found (apt-get install -y wrk)" >&2; exit 1; }
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

run() { # name, extra env...
    local name=$1; shift
    local port; port=$(free_port)
    (cd "$WORK" && exec env APP_HOST=127.0.0.1 APP_PORT="$port" RUST_LOG=warn "$@" "$BIN/server") \
        >"$WORK/server-$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/ping")
    echo "== $name: one request answers $status; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/ping" | tee "$WORK/wrk-$name.txt"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
run verified
run unverified INSECURE_DISABLE_AUTH=1

echo
echo "== summary (/api/v1/ping, $(nproc) cores shared by wrk and the server)"
for name in verified unverified; do
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$name.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$name.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk-$name.txt")
    printf '%-11s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
done
