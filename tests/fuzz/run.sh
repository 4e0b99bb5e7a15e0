#!/usr/bin/env bash
# Builds the libFuzzer harnesses with Debian's clang 14 (ASan + UBSan,
# libfuzzer-14-dev) outside Bazel, seeds their corpora from the test
# inputs, and runs each for a bounded time. Exits non-zero when a build
# fails or any harness finds a crash, leak, timeout or sanitizer report.
#
#   bash tests/fuzz/run.sh [SECONDS_PER_HARNESS] [BUILD_DIR]
#
# Needs bazel-bin/tools/nabla and the test plugins (bazel build //tools:nabla
# //plugins/...) for the checkpoint and plugin seeds; .ci/run builds them.
# Prints one "fuzz: HARNESS: N executions in S s, no crash" line each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
seconds="${1:-10}"
out="${2:-${TMPDIR:-/tmp}/nabla-fuzz}"
jobs=$(nproc)
# Objects are cached between runs, keyed by every header and the flags: a
# .cc's own time stamp alone misses a changed header (or another checkout
# sharing $out), and a stale object breaks the class layouts.
stamp=$(cat $(find graph ops train data plugins proto -name '*.h' -o -name '*.proto' | sort) \
          "$0" | sha1sum | cut -c1-16)
obj_dir="$out/obj-$stamp"
mkdir -p "$out/gen" "$obj_dir"
touch "$obj_dir"
# Each header change makes a new object folder (about 100 MB); older ones
# not touched for an hour (so not a concurrent checkout's) are removed, so
# $out stays one build's size instead of filling the disk.
find "$out" -maxdepth 1 -name 'obj-*' ! -name "obj-$stamp" -mmin +60 \
  -exec rm -rf {} +
CXX=clang++-14
flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -fopenmp=libgomp -DEIGEN_NO_DEBUG
       -I. -I"$out/gen" -I/usr/include/eigen3 -w)

protoc -I. --cpp_out="$out/gen" proto/model.proto proto/checkpoint.proto
sources=(graph/*.cc $(find ops -name '*.cc' | sort) "$out"/gen/proto/*.pb.cc
         train/checkpoint.cc train/checkpoint_read.cc train/checkpoint_write.cc
         train/checkpoint_text.cc train/fingerprint.cc train/optimizer.cc
         data/idx.cc data/idx_write.cc data/byte_stream.cc plugins/loader.cc)
# Library code: coverage instrumentation without libFuzzer's main.
compile() {
  local src="$1" obj="$obj_dir/$(echo "$1" | tr '/' '_').o"
  if [[ ! -e "$obj" || "$src" -nt "$obj" ]]; then
    $CXX "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
  fi
}
export -f compile
export CXX out obj_dir
export FLAGS="${flags[*]}"
printf '%s\n' "${sources[@]}" | xargs -P "$jobs" -I{} bash -c \
  'flags=($FLAGS); compile "$1"' _ {}
objects=()
for src in "${sources[@]}"; do objects+=("$obj_dir/$(echo "$src" | tr '/' '_').o"); done
libs=(-lprotobuf -lboost_iostreams -lboost_filesystem -lz -ldl -lpthread)

# Seed corpora: a selector byte (see each harness) before each test input.
seed() {  # DIR SELECTOR FILE...
  local dir="$1" selector="$2"
  shift 2
  mkdir -p "$dir"
  for f in "$@"; do
    { printf "\\x$selector"; cat "$f"; } >"$dir/$selector-$(basename "$f")"
  done
}
corpus="$out/corpus"
rm -rf "$corpus"
graphs=(examples/mnist/*.pbtxt tests/graph/bad_graphs/*.pbtxt)
seed "$corpus/graph_file" 00 "${graphs[@]}"
seed "$corpus/graph_file" 01 "${graphs[@]}"
printf '\x00%s\n--set\nact1.slope=0.2\nfc1.out_features=4611686018427387904\n' \
  "$(cat examples/mnist/mlp_leaky.pbtxt)" >"$corpus/graph_file/set"
tiny="$out/tiny"
rm -rf "$tiny"
python3 tests/integration/cli_make_idx.py "$tiny/data" --train 32 --test 8
seed "$corpus/idx" 00 "$tiny"/data/*images*
seed "$corpus/idx" 01 "$tiny"/data/*labels*
seed "$corpus/idx" 02 "$tiny"/data/*images*
seed "$corpus/idx" 03 "$tiny"/data/*labels*
python3 tests/integration/cli_make_idx.py "$tiny/gz" --train 32 --test 8 --gzip
seed "$corpus/idx" 04 "$tiny"/gz/*images*
seed "$corpus/idx" 05 "$tiny"/gz/*labels*
mkdir -p "$corpus/checkpoint" "$corpus/plugin_info"
if [[ -x bazel-bin/tools/nabla ]]; then
  cat >"$tiny/tiny.pbtxt" <<'PB'
format_version: 1
name: "Tiny"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "fc" op: "Linear" inputs: "image"
        attrs { key: "in_features" value { i: 784 } } attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: ["fc", "label"] }
outputs: "fc"
loss: "loss"
PB
  bazel-bin/tools/nabla train "$tiny/tiny.pbtxt" --data "$tiny/data" --epochs 1 --threads 1 \
    --batch-size 16 --save "$tiny/tiny.ckpt" >/dev/null 2>&1
  bazel-bin/tools/nabla convert "$tiny/tiny.ckpt" "$tiny/tiny.ckpt.txt" >/dev/null
  seed "$corpus/checkpoint" 00 "$tiny/tiny.ckpt"
  seed "$corpus/checkpoint" 01 "$tiny/tiny.ckpt.txt"
  cp bazel-bin/plugins/swish/libswish.so bazel-bin/plugins/testing/*.so "$corpus/plugin_info/" 2>/dev/null || true
fi
printf '\x01NABLACKP' >"$corpus/checkpoint/magic"
printf '\x7fELF\x02\x01\x01' >"$corpus/plugin_info/elf_header"

# Inputs that once crashed a harness stay in its corpus.
for dir in tests/fuzz/regressions/*/; do
  mkdir -p "$corpus/$(basename "$dir")"
  cp "$dir"* "$corpus/$(basename "$dir")/"
done

status=0
for harness in graph_file checkpoint idx plugin_info; do
  $CXX "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/${harness}_fuzzer.cc" "${objects[@]}" \
    "${libs[@]}" -o "$out/${harness}_fuzzer"
  log="$out/$harness.log"
  mkdir -p "$out/crashes/$harness"
  if ASAN_OPTIONS=detect_leaks=1 "$out/${harness}_fuzzer" -max_total_time="$seconds" \
      -rss_limit_mb=4096 -timeout=10 -max_len=131072 -print_final_stats=1 \
      -artifact_prefix="$out/crashes/$harness/" "$corpus/$harness" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    echo "fuzz: $harness: ${runs:-?} executions in $seconds s, no crash"
  else
    echo "fuzz: $harness: FAILED; see $log and $out/crashes/$harness" >&2
    grep -E "ERROR|SUMMARY|==[0-9]+==" "$log" | head -n 20 >&2
    status=1
  fi
done
exit "$status"
