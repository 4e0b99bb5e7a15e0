#!/usr/bin/env bash
# Prints the free disk where Bazel keeps its outputs and where this checkout
# is, and exits non-zero, saying why, when any of them has less than
# NABLA_MIN_FREE_GIB (default 8) GiB free. .ci/run calls it before it
# builds. What needs the space, measured on clean clones on 2026-12-01:
# - with a warm disk cache (18:00 UTC; df sampled every 5 s): 2.7 GB at
#   the peak;
# - with no cache at all (18:45-19:12 UTC, a fresh HOME and TMPDIR): 7.8
#   GB in the output base at the end, of which 2.3 GB were the normal and
#   ASan outputs and 5.6 GB the sandboxes Bazel 4.2 had left behind, plus
#   0.4 GB of fuzzer objects. .ci/run now removes the sandboxes after each
#   step, which leaves the outputs, one step's sandboxes and the fuzzers'
#   objects, and without a disk cache nothing else; with one (~/.bazelrc),
#   the cache's copy of the outputs comes on top.
set -euo pipefail
need_gib="${NABLA_MIN_FREE_GIB:-8}"
if ! [[ "$need_gib" =~ ^[0-9]+$ ]]; then
  echo "disk_check: NABLA_MIN_FREE_GIB must be a whole number of GiB, got '$need_gib'" >&2
  exit 2
fi
status=0
for dir in "$HOME/.cache" "${TMPDIR:-/tmp}" "$PWD"; do
  mkdir -p "$dir"
  avail_kib=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  avail_gib=$((avail_kib / 1024 / 1024))
  echo "disk_check: $dir: ${avail_gib} GiB free (need ${need_gib})"
  if (( avail_gib < need_gib )); then
    echo "disk_check: not enough free disk under $dir: ${avail_gib} GiB free," \
         "a full CI run needs about ${need_gib} GiB (old Bazel output bases" \
         "under ~/.cache/bazel/_bazel_root, and the sandbox/ folders that" \
         "Bazel 4.2 leaves inside them, are the usual culprits)" >&2
    status=1
  fi
done
exit $status
