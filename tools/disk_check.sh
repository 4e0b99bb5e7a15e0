#!/usr/bin/env bash
# Prints the free disk where Bazel keeps its outputs and where this checkout
# is, and exits non-zero, saying why, when either has less than
# NABLA_MIN_FREE_GIB (default 8) GiB free. .ci/run calls it before it
# builds. What needs the space: Bazel's output trees for the normal and the
# ASan configurations, its sandboxes while actions run, its disk cache when
# ~/.bazelrc sets one, and the fuzzers' objects under
# ${TMPDIR:-/tmp}/nabla-fuzz. Measured on a clean clone at 18:00 UTC on
# 2026-12-01 (df sampled every 5 s during .ci/run): 2.7 GB at the peak with
# a warm disk cache; without one, the cache's own copy of every output
# (about as much again) adds to that, so about 6 GB. The default leaves 2
# GiB spare.
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
         "under ~/.cache/bazel/_bazel_root are the usual culprit)" >&2
    status=1
  fi
done
exit $status
