#!/usr/bin/env bash
# Load figures of one server: the authenticated /api/v1/ping beside its unauthenticated /healthz.
# Measured, never asserted. Loopback only; stops everything it started.
#   bash scripts/load.sh      # DURATION=10s ROUNDS=5 CONNECTIONS=32 THREADS=1 TOKENS=1000 by default
# The first four rows are one server with the default configuration, measured in ROUNDS
# alternating rounds of DURATION/ROUNDS each (a burst of load elsewhere on the shared machine
# then hits every row alike; each row reports its median round, and the ratios are of medians).
# The other rows each start a server of their own configuration, for DURATION. Rows, with wrk:
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
#                what the memo costs a new token is all-new beside it; these two rows are two
#                servers measured in ROUNDS alternating rounds, as the first four
#   no-cache     the same tokens, memo and cache off (VERDICT_MEMO_CAPACITY=0,
#                SIGNATURE_CACHE_CAPACITY=0)
# Needs wrk (installed with apt-get when missing) and the moto venv (scripts/ensure_venv.sh is called).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
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

start() { # name, server env...: starts a server, sets $port and $pid
    local name=$1; shift
    port=$(free_port)
    (cd "$WORK" && exec env APP_HOST=127.0.0.1 APP_PORT="$port" RUST_LOG=warn "$@" "$BIN/server") \
        >"$WORK/server-$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/api/v1/ping")
    echo "== server $name on port $port: /api/v1/ping with one token answers $status"
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
metric() { # file, name
    awk -v m="$2" '$1 == m {print $2}' "$1"
}
wrk_row() { # name, path, duration, wrk args...: appends to $WORK/wrk-$name.txt, counts the metrics
    local name=$1 path=$2 duration=$3; shift 3
    curl -s "http://127.0.0.1:$port/metrics" | grep -v '^#' >"$WORK/before.txt"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency "$@" "http://127.0.0.1:$port$path" \
        | tee -a "$WORK/wrk-$name.txt" | grep -E 'Requests/sec|Non-2xx' | sed "s/^/   $name: /"
    curl -s "http://127.0.0.1:$port/metrics" | grep -v '^#' >"$WORK/after.txt"
    local m
    for m in cognito_verdict_memo_hits_total cognito_signature_cache_hits_total cognito_signature_cache_misses_total; do
        echo "$m $(( $(metric "$WORK/after.txt" $m) - $(metric "$WORK/before.txt" $m) ))" >>"$WORK/metrics-$name.txt"
    done
}
# One server: /healthz and the authenticated route in alternating rounds.
round_s=$(python3 -c "import re; d='$DURATION'; n=float(re.sub('[a-z]+', '', d)); print(max(1, round(n * (60 if d.endswith('m') else 1) / $ROUNDS)))")
start default
for r in $(seq "$ROUNDS"); do
    echo "== round $r of $ROUNDS (${round_s}s a row; wrk -t$THREADS -c$CONNECTIONS)"
    wrk_row healthz /healthz "${round_s}s"
    wrk_row healthz-tokens /healthz "${round_s}s" -s scripts/tokens.lua
    wrk_row one-token /api/v1/ping "${round_s}s" -H "Authorization: Bearer $TOKEN"
    wrk_row working-set /api/v1/ping "${round_s}s" -s scripts/tokens.lua
done
curl -s "http://127.0.0.1:$port/metrics" | grep -v '^#'
stop
run() { # name, path, wrk args (token or script), -- server env...
    local name=$1 path=$2; shift 2
    local wrk_args=()
    while [ "$1" != "--" ]; do wrk_args+=("$1"); shift; done
    shift
    start "$name" "$@"
    echo "== $name: GET $path; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
    wrk_row "$name" "$path" "$DURATION" "${wrk_args[@]}"
    stop
}
run sigcache /api/v1/ping -s scripts/tokens.lua -- VERDICT_MEMO_CAPACITY=0
# A new token with the memo on and off: two servers side by side, in alternating rounds, so a
# burst of load elsewhere does not decide the few per cent between them.
start all-new SIGNATURE_CACHE_CAPACITY=8 VERDICT_MEMO_CAPACITY=8
new_port=$port new_pid=$pid
start all-new-memo-off SIGNATURE_CACHE_CAPACITY=8 VERDICT_MEMO_CAPACITY=0
off_port=$port off_pid=$pid
for r in $(seq "$ROUNDS"); do
    echo "== new tokens, round $r of $ROUNDS (${round_s}s a row)"
    port=$new_port wrk_row all-new /api/v1/ping "${round_s}s" -s scripts/tokens.lua
    port=$off_port wrk_row all-new-memo-off /api/v1/ping "${round_s}s" -s scripts/tokens.lua
done
pid=$new_pid stop
pid=$off_pid stop
run no-cache /api/v1/ping -s scripts/tokens.lua -- SIGNATURE_CACHE_CAPACITY=0 VERDICT_MEMO_CAPACITY=0
echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared by wrk and the server)"
python3 - "$WORK" <<'PY'
import re, statistics, sys
work = sys.argv[1]
def rows(name):
    text = open(f"{work}/wrk-{name}.txt").read()
    rps = [float(x) for x in re.findall(r"Requests/sec:\s+([\d.]+)", text)]
    p99 = re.findall(r"^\s+99%\s+(\S+)", text, re.M)
    non2xx = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", text))
    counts = {}
    for line in open(f"{work}/metrics-{name}.txt"):
        k, v = line.split()
        counts[k] = counts.get(k, 0) + int(v)
    return statistics.median(rps), len(rps), (p99[len(p99) // 2] if p99 else "-"), non2xx, counts
r = {n: rows(n) for n in ["healthz", "healthz-tokens", "one-token", "working-set", "sigcache", "all-new", "all-new-memo-off", "no-cache"]}
base, same = r["healthz"][0], r["healthz-tokens"][0]
for n, (rps, k, p99, non2xx, c) in r.items():
    vs = "-" if n in ("healthz", "one-token") else f"{rps / same:.2f}x"
    print(f"{n:<17} {rps:>10.0f} req/s ({'median of ' + str(k) if k > 1 else 'one run':<12}) {rps / base:5.2f}x of /healthz {vs:>6} of healthz-tokens"
          f"   p99 {p99:>8}   non-2xx {non2xx:<4} memo hits {c.get('cognito_verdict_memo_hits_total', 0):<9}"
          f" signature hits {c.get('cognito_signature_cache_hits_total', 0):<9} misses {c.get('cognito_signature_cache_misses_total', 0)}")
print(f"a new token with the verdict memo on: {r['all-new'][0] / r['all-new-memo-off'][0]:.3f}x of the same with the memo off")
PY
