#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mirakuru-cpp needs to build, test and run its samples —
# only the missing ones. Runs as root, or through sudo.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev libcpp-httplib-dev libspdlog-dev nlohmann-json3-dev libre2-dev
  libcli11-dev
  redis-server redis-tools postgresql python3 procps iproute2
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
# The Debian packages start redis/postgresql system services where systemd runs; the samples
# start their own instances on free ports and never use those.
