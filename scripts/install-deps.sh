#!/usr/bin/env bash
# Installs the Debian packages Sluice needs to build and test, only those
# missing. Uses sudo when not root. Safe to run repeatedly.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libboost-dev libboost-system-dev librocksdb-dev rapidjson-dev libcli11-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libssl-dev libjemalloc-dev
  libgtest-dev libgmock-dev libcbor-dev zlib1g-dev libnghttp2-dev nghttp2-client
  awscli python3 python3-boto3 python3-pytest python3-cbor2 curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm may come from Debian or from another Debian-format source;
# only ask for them when the commands are absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
