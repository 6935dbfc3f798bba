#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages mirakuru-cpp needs to build, test and run its samples —
# only the missing ones. Only the installation itself escalates: as root it runs apt-get
# directly, otherwise through sudo when there is one; without sudo it prints the exact command
# to run as root and exits 1.
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

install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
         "${missing[@]}")
update=(env DEBIAN_FRONTEND=noninteractive apt-get update -qq)
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: not root and no sudo; as root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}${as_root:+ (through sudo)}"
"${as_root[@]}" "${update[@]}"
"${as_root[@]}" "${install[@]}" >/dev/null
# The Debian packages start redis/postgresql system services where systemd runs; the samples
# start their own instances on free ports and never use those.
