#!/usr/bin/env bash
# Installs Debian's redis-server (built with TLS) and the openssl CLI when either is missing (the
# replica tests of examples/tests/ start their own redis-server on 127.0.0.1, one of them with a
# certificate the test makes with openssl, and stop it); prints nothing and returns at once when
# both are there.
#   bash scripts/ensure_redis.sh
set -euo pipefail
command -v redis-server >/dev/null && command -v openssl >/dev/null && exit 0
command -v apt-get >/dev/null || { echo "ensure_redis: redis-server or openssl missing and no apt-get: install them" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ensure_redis: installing redis-server and openssl (apt-get)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server openssl >/dev/null
# The package may start a system-wide instance on 6379; the tests never use it (they start their own
# on a free port), and it is left as the package manager set it up.
redis-server --version
