#!/usr/bin/env bash
# Static check of the AWS Cognito terraform (no terraform, no network needed
# once the Python packages are installed):
#   1. cloud/check.py   - python-hcl2 parse + assertions on the GoBlitz setup
#   2. checkov          - security scan; any unsuppressed finding fails
# Usage: bash cloud/check.sh   (from any directory)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

REQ="cloud/requirements.txt"
TF_DIR="cloud/aws/terraform"
VENV="$ROOT/.venv"            # python-hcl2 (check.py)
CK_VENV="$VENV/checkov"       # checkov, kept apart: see cloud/requirements.txt

PYTHON="${PYTHON:-python3}"

# ensure_env VENV_DIR STAMP_NAME REQUIREMENT_LINES...
ensure_env() {
  local venv="$1" name="$2"; shift 2
  local reqs sha stamp
  reqs="$(printf '%s\n' "$@")"
  sha="$(printf '%s' "$reqs" | sha256sum | cut -c1-16)"
  stamp="$venv/.cloud-req-$name-$sha"
  if [[ ! -x "$venv/bin/python" ]]; then
    echo "cloud: creating virtualenv $venv"
    "$PYTHON" -m venv "$venv"
  fi
  if [[ -f "$stamp" ]]; then
    return 0
  fi
  echo "cloud: installing into $venv: $(echo "$reqs" | tr '\n' ' ')"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r /dev/stdin <<<"$reqs"
  rm -f "$venv"/.cloud-req-"$name"-*
  touch "$stamp"
}

# Requirement lines without comments/blank lines, split by tool.
mapfile -t ALL_REQS < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$REQ" | grep -v '^$')
HCL_REQS=(); CK_REQS=()
for line in "${ALL_REQS[@]}"; do
  if [[ "$line" =~ ^checkov([^A-Za-z0-9_.-]|$) ]]; then
    CK_REQS+=("$line")
  else
    HCL_REQS+=("$line")
  fi
done
if [[ ${#CK_REQS[@]} -eq 0 || ${#HCL_REQS[@]} -eq 0 ]]; then
  echo "cloud: $REQ must pin both checkov and python-hcl2" >&2
  exit 1
fi

ensure_env "$VENV" hcl2 "${HCL_REQS[@]}"
ensure_env "$CK_VENV" checkov "${CK_REQS[@]}"

echo "cloud: check.py"
"$VENV/bin/python" cloud/check.py "$TF_DIR"

echo "cloud: checkov"
# Offline: --skip-download (no Prisma Cloud policies/guidelines), no API
# key, no external module download, no results upload, no PyPI version
# check (CKV_SKIP_PACKAGE_UPDATE_CHECK), no BC id mapping fetch.
export BC_SKIP_MAPPING=TRUE
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
unset BC_API_KEY PRISMA_API_URL
"$CK_VENV/bin/checkov" \
  -d "$TF_DIR" \
  --framework terraform \
  --quiet --compact \
  --skip-download \
  --download-external-modules false \
  --skip-results-upload
echo "cloud: checkov passed"
