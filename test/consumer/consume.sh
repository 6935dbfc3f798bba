#!/usr/bin/env bash
# consume.sh MODE SOURCE_DIR BUILD_DIR [BUILD_TYPE...] — builds the downstream project against
# mirakuru the MODE way (find_package after cmake --install | subdirectory | fetchcontent), once
# per BUILD_TYPE (default Release), and runs its tests.
set -euo pipefail
mode=$1 source=$2 build=$3
shift 3
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Release)
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/mk-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT
args=(-G Ninja -DMIRAKURU_CONSUME="$mode" -DMIRAKURU_SOURCE="$source"
      -DFETCHCONTENT_FULLY_DISCONNECTED=ON -DMIRAKURU_FETCH_DEPS=OFF)
if [ "$mode" = find_package ]; then
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  args+=(-DCMAKE_PREFIX_PATH="$work/prefix")
fi
for type in "${types[@]}"; do
  echo "consume.sh: $mode, CMAKE_BUILD_TYPE=$type"
  cmake -S "$source/test/consumer/project" -B "$work/build-$type" "${args[@]}" \
        -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$work/build-$type" -j 2
  ctest --test-dir "$work/build-$type" --output-on-failure --timeout 120
done
