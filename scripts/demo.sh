#!/usr/bin/env bash
# make demo: the GoBlitz flow end to end against a local Cognito (moto), on 127.0.0.1 only.
#   installs moto into .venv (scripts/ensure_venv.sh), starts it on a free port, provisions a pool,
#   client and user, starts the example server against it, fetches a token with fetch_jwt, calls
#   /api/v1/ping without and with the token, signs an access token out (POST /api/v1/logout) and
#   shows it refused with code revoked, and stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Python venv with moto (scripts/ensure_venv.sh)"
bash scripts/ensure_venv.sh

step "Building the examples"
$CARGO build --quiet -p cognito-verify-examples --example server --example fetch_jwt
BIN=$($CARGO metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples

MOTO_PORT=$(free_port)
step "Starting moto on 127.0.0.1:$MOTO_PORT"
.venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
.venv/bin/python scripts/moto_cognito.py wait --endpoint "http://127.0.0.1:$MOTO_PORT" --timeout 60

step "Provisioning user pool, app client and user"
.venv/bin/python scripts/moto_cognito.py provision --endpoint "http://127.0.0.1:$MOTO_PORT" >"$WORK/moto.env"
sed 's/^\(AWS_COGNITO_API_USER_PASSWORD\)=.*/\1=***/' "$WORK/moto.env"
set -a
# shellcheck disable=SC1091
. "$WORK/moto.env"
set +a
export APP_HOST=127.0.0.1 APP_PORT
APP_PORT=$(free_port)

step "Starting the server on http://127.0.0.1:$APP_PORT (JWKS and issuer from moto)"
(cd "$WORK" && exec "$BIN/server") >"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$APP_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$APP_PORT/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }

step "fetch_jwt: an ID token from moto (USER_PASSWORD_AUTH)"
TOKEN=$(cd "$WORK" && "$BIN/fetch_jwt")
echo "${TOKEN:0:40}... (${#TOKEN} characters)"

step "curl /api/v1/ping without a token"
curl -sS -i "http://127.0.0.1:$APP_PORT/api/v1/ping" | grep -Ei '^(HTTP|www-authenticate)|^\{'
echo

step "curl /api/v1/ping with the token"
curl -sS -i -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$APP_PORT/api/v1/ping" | grep -Ei '^HTTP|^\{'
echo

step "Sign out: POST /api/v1/logout with an access token (GlobalSignOut at moto), then the same token"
ACCESS=$(cd "$WORK" && "$BIN/fetch_jwt" --access)
curl -sS -i -H "Authorization: Bearer $ACCESS" "http://127.0.0.1:$APP_PORT/api/v1/ping" | grep -Ei '^HTTP'
curl -sS -i -X POST -H "Authorization: Bearer $ACCESS" "http://127.0.0.1:$APP_PORT/api/v1/logout" | grep -Ei '^HTTP|^\{'
echo
AFTER=$(curl -sS -i -H "Authorization: Bearer $ACCESS" "http://127.0.0.1:$APP_PORT/api/v1/ping")
echo "$AFTER" | grep -Ei '^(HTTP|www-authenticate)|^\{'
echo
grep -q '"code": "revoked"' <<<"$AFTER" || { echo "demo: the signed-out token was not refused" >&2; exit 1; }

step "Server log"
sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log"
step "Done; stopping moto and the server"
