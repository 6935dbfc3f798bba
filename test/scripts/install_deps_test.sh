#!/usr/bin/env bash
# install_deps_test.sh SOURCE_DIR — third_party/install-deps.sh escalates only the package
# installation: as root it runs apt-get directly; otherwise through sudo when there is one;
# without sudo it prints the exact apt-get command and exits 1. Runs the script against stub
# commands (id, dpkg-query, apt-get, sudo) on a PATH of their own: nothing is installed.
set -euo pipefail
script="$1/third_party/install-deps.sh"
work=$(mktemp -d "${TEST_TMPDIR:-/tmp}/mk-deps-XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# A PATH holding only the stubs and the few real tools the script needs.
stubs() {  # stubs DIR UID WITH_SUDO
  mkdir -p "$1"
  for tool in env grep cat; do ln -s "$(command -v $tool)" "$1/$tool"; done
  printf '#!/bin/sh\n[ "$1" = -u ] && echo %s\n' "$2" >"$1/id"
  printf '#!/bin/sh\nexit 1\n' >"$1/dpkg-query"  # nothing is installed
  printf '#!/bin/sh\necho "apt-get $*" >>"%s/calls"\n' "$1" >"$1/apt-get"
  if [ "$3" = yes ]; then
    printf '#!/bin/sh\necho "sudo $1" >>"%s/calls"\nexec "$@"\n' "$1" >"$1/sudo"
  fi
  chmod +x "$1"/*
}
run() {  # run DIR: status, output in DIR/out
  local status=0
  PATH="$1" /bin/bash "$script" >"$1/out" 2>&1 || status=$?
  echo "$status"
}

stubs "$work/root" 0 no
[ "$(run "$work/root")" = 0 ] || fail "as root: $(cat "$work/root/out")"
grep -q '^apt-get install .*libcpp-httplib-dev' "$work/root/calls" || fail "root: no apt-get install"
grep -q '^sudo' "$work/root/calls" && fail "root: used sudo"

stubs "$work/user" 1000 yes
[ "$(run "$work/user")" = 0 ] || fail "user with sudo: $(cat "$work/user/out")"
grep -q '^sudo env' "$work/user/calls" || fail "user with sudo: apt-get not run through sudo"
grep -q '^apt-get install' "$work/user/calls" || fail "user with sudo: no apt-get install"

stubs "$work/nosudo" 1000 no
status=$(run "$work/nosudo")
[ "$status" = 1 ] || fail "user without sudo: exit $status, expected 1: $(cat "$work/nosudo/out")"
grep -q 'as root, run:' "$work/nosudo/out" || fail "user without sudo: no instructions"
grep -qE '^  apt-get update && apt-get install -y --no-install-recommends build-essential .*python3' \
  "$work/nosudo/out" || fail "user without sudo: not the exact command: $(cat "$work/nosudo/out")"
[ -e "$work/nosudo/calls" ] && fail "user without sudo: ran $(cat "$work/nosudo/calls")"

[ "$failures" = 0 ] && echo "install-deps: root, sudo and no-sudo cases behave"
exit "$failures"
