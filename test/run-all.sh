#!/usr/bin/env bash
# Installs what is missing, builds mirakuru-cpp (release preset) and runs the whole test suite:
# unit, executors, service sets, GoogleTest layer, faults, samples, consumer builds and the
# benchmarks' smoke runs. Then checks that the suite left no process behind. Also builds the
# library the way packagers do (no preset, -DCMAKE_BUILD_TYPE=Release) and a consumer of it.
set -euo pipefail
cd "$(dirname "$0")/.."
third_party/install-deps.sh
cmake --preset release
cmake --build --preset release

# The plain build: no preset, no -Werror, -O3. It must build, and without a warning (a false
# -Wrestrict at -O3 once broke it); then a find_package consumer builds and passes against it.
plain=build/plain-release
mkdir -p "$plain"
cmake -S . -B "$plain" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$plain" --target mirakuru_package -j 2 2>&1 | tee "$plain/package-build.log"
if grep -q 'warning:' "$plain/package-build.log"; then
  echo "run-all: the plain Release build warns (above)" >&2
  exit 1
fi
test/consumer/consume.sh find_package "$PWD" "$plain" Release

# Every process of the suite carries this marker in its environment (inherited by services and
# their daemons): the leak check below tells the suite's processes from anything else that
# started meanwhile by it (test/leaked-processes.sh).
MK_SUITE_RUN="run-all-$$-$(date +%s%N)"
export MK_SUITE_RUN
before=$(mktemp)
trap 'rm -f "$before"' EXIT
ps -eo pid= | sort -n >"$before"

status=0
ctest --preset release "$@" || status=$?

# Anything of the suite's that still runs is a leak: every service must be gone within a
# second of its runner's end.
leaks=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  leaks=$(test/leaked-processes.sh "$before" "$MK_SUITE_RUN" $$)
  [ -z "$leaks" ] && break
  sleep 0.3
done
if [ -n "$leaks" ]; then
  echo "run-all: processes left running after the suite:" >&2
  echo "$leaks" >&2
  status=1
else
  echo "run-all: no process left behind"
fi
exit $status
