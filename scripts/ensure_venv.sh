#!/usr/bin/env bash
# Creates or updates the repo's .venv with scripts/requirements.txt (moto server, boto3), idempotently.
# Fast when nothing changed: a stamp file records the hash of the requirements it was built from.
#   bash scripts/ensure_venv.sh          # prints nothing when already up to date
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
REQ=scripts/requirements.txt
STAMP="$VENV/.stamp-moto"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [[ -x "$VENV/bin/moto_server" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    exit 0
fi
command -v python3 >/dev/null || { echo "ensure_venv: python3 is required" >&2; exit 1; }
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "ensure_venv: creating $VENV" >&2
    python3 -m venv "$VENV"
fi
echo "ensure_venv: installing $REQ into $VENV" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
"$VENV/bin/moto_server" --help >/dev/null
echo "$want" > "$STAMP"
