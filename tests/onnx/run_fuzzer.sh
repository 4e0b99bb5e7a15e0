#!/bin/bash
# Builds the ONNX reader's fuzz harness (onnx_import_fuzzer.cc) as a libFuzzer
# binary with clang-14 (clang-14, libfuzzer-14-dev) and AddressSanitizer, and
# runs it on a seed corpus from make_bad_onnx.py (python3-onnx).
#
#   tests/onnx/run_fuzzer.sh [SECONDS]      # default 60; from the repository root
#
# Builds in its own output base ($NABLA_FUZZ_OUTPUT_BASE, default
# ~/.cache/nabla-fuzz-bazel) so the gcc build's cache is untouched, without
# bazel-* symlinks. Wrap it in the shared CPU lock like any build. Crashing
# inputs are written to $out_base/artifacts/.
set -euo pipefail
seconds="${1:-60}"
out_base="${NABLA_FUZZ_OUTPUT_BASE:-$HOME/.cache/nabla-fuzz-bazel}"
flags=(
  --repo_env=CC=clang-14
  --copt=-fsanitize=fuzzer-no-link,address --copt=-g --copt=-O1
  --linkopt=-fsanitize=fuzzer,address
  --symlink_prefix=/
)
bazel --output_base="$out_base" build "${flags[@]}" //tests/onnx:onnx_import_fuzzer
bin="$(bazel --output_base="$out_base" info "${flags[@]}" bazel-bin)/tests/onnx/onnx_import_fuzzer"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_bad_onnx.py" "$corpus"
mkdir -p "$out_base/artifacts"
"$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$out_base/artifacts/" "$corpus"
