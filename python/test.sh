#!/usr/bin/env bash
# make test-python: builds the wheel with maturin, installs it into a fresh venv (as a user
# would, never the source tree) and runs python/tests there with pytest, moto included.
#   bash python/test.sh [pytest args]
# Tools: python/.venv (maturin), installed once from python/requirements.txt (pinned) and kept
# while that file is unchanged; the test venv's packages come from python/.wheelhouse, downloaded
# once from the same file, so each run's fresh venv installs offline in seconds.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd .. && pwd)
req=requirements.txt
want=$(sha256sum "$req" | cut -d' ' -f1)

if [[ ! -x .venv/bin/maturin || "$(cat .venv/.stamp 2>/dev/null)" != "$want" ]]; then
    echo "test-python: installing $req into python/.venv" >&2
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" > .venv/.stamp
fi
if [[ "$(cat .wheelhouse/.stamp 2>/dev/null)" != "$want" ]]; then
    echo "test-python: downloading $req into python/.wheelhouse" >&2
    .venv/bin/python -m pip download -q --disable-pip-version-check -r "$req" -d .wheelhouse
    echo "$want" > .wheelhouse/.stamp
fi
# moto (the Cognito stand-in of the end-to-end tests) lives in the repo's .venv.
bash "$repo/scripts/ensure_venv.sh"

out="$repo/target/python-test"
rm -rf "$out/wheels" "$out/venv"
# Release: the suite and bench.py measure what users get. CARGO_TARGET_DIR is honoured.
.venv/bin/maturin build --release --quiet -o "$out/wheels" 2>&1 | grep -v '^📦\|^🔗\|^🐍\|^📡' || true
wheel=$(ls "$out"/wheels/cognito_verify-*-abi3-*.whl)
echo "test-python: built $(basename "$wheel")"

python3 -m venv "$out/venv"
"$out/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index \
    --find-links .wheelhouse -r "$req" "$wheel"

# From the tests' folder, so that python/ (the source tree) is not on sys.path.
cd tests
E2E_REQUIRE_MOTO=1 "$out/venv/bin/python" -I -m pytest -p no:cacheprovider -s -q "$@"
