#!/usr/bin/env bash
# Installs what is missing, builds mirakuru-cpp (release preset) and runs the whole test suite:
# unit, executors, service sets, GoogleTest layer, faults, samples, consumer builds and the
# benchmarks' smoke runs.
set -euo pipefail
cd "$(dirname "$0")/.."
third_party/install-deps.sh
cmake --preset release
cmake --build --preset release
ctest --preset release "$@"
