#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs the samples against real services
# (python3 http.server, redis-server, postgresql, a cpp-httplib service), printing what started,
# where, how long readiness took, and that everything was cleaned up.
set -euo pipefail
cd "$(dirname "$0")/.."
third_party/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
export MIRAKURU_LOG="${MIRAKURU_LOG:-info}"
ctest --preset release -L sample --output-on-failure -V
