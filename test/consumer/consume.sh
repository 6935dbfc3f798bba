#!/usr/bin/env bash
# consume.sh MODE SOURCE_DIR BUILD_DIR — builds the downstream project against mirakuru the
# MODE way (find_package after cmake --install | subdirectory | fetchcontent) and runs its test.
set -euo pipefail
mode=$1 source=$2 build=$3
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/mk-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DMIRAKURU_CONSUME="$mode" -DMIRAKURU_SOURCE="$source"
      -DFETCHCONTENT_FULLY_DISCONNECTED=ON -DMIRAKURU_FETCH_DEPS=OFF)
if [ "$mode" = find_package ]; then
  cmake --install "$build" --prefix "$work/prefix" >/dev/null
  args+=(-DCMAKE_PREFIX_PATH="$work/prefix")
fi
cmake -S "$source/test/consumer/project" -B "$work/build" "${args[@]}" >/dev/null
cmake --build "$work/build" -j 2
ctest --test-dir "$work/build" --output-on-failure
