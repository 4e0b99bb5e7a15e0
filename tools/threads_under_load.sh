#!/usr/bin/env bash
# Training time of `nabla train --threads 1`, `2` and `0` (automatic) with
# 0, 1 and 2 competing busy processes, under each OpenMP wait policy: the
# measurement behind --threads 0 counting idle cores (AutoThreads,
# tools/cli/common.h). Run it while nothing else uses the CPUs (hold
# /tmp/nabla-cpu.lock on shared machines):
#
#   bazel build //tools:nabla
#   flock /tmp/nabla-cpu.lock bash tools/threads_under_load.sh [REPEATS]
#
# Prints one line per configuration: policy, busy competitors, --threads
# (0: the CLI's automatic choice) and the wall seconds of each run (the
# whole command: 10 epochs of 2048 samples).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repeats="${1:-3}"
nabla="$PWD/bazel-bin/tools/nabla"
model="$PWD/examples/mnist/mlp_leaky.pbtxt"
work=$(mktemp -d)
trap 'kill ${busy:-} 2>/dev/null || true; rm -rf "$work"' EXIT
# "busy" is the number of competing single-threaded busy loops.
python3 tests/integration/cli_make_idx.py "$work/data" --train 2048 --test 256

train_seconds() {  # POLICY THREADS
  local policy_env=()
  [[ "$1" != default ]] && policy_env=(OMP_WAIT_POLICY="$1")
  local start end
  start=$(date +%s%N)
  env "${policy_env[@]}" "$nabla" train "$model" --data "$work/data" --epochs 10 \
    --batch-size 256 --threads "$2" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}

echo "policy   busy  threads  wall seconds per run (10 epochs of 2048 samples)"
for load in 0 1 2; do
  busy=""
  for _ in $(seq "$load"); do
    bash -c 'while :; do :; done' &
    busy+=" $!"
  done
  for policy in ${POLICIES:-default ACTIVE PASSIVE}; do
    for threads in ${THREADS:-1 2 0}; do
      times=()
      for _ in $(seq "$repeats"); do times+=("$(train_seconds "$policy" "$threads")"); done
      printf "%-8s %-5s %-8s %s\n" "$policy" "$load" "$threads" "${times[*]}"
    done
  done
  # shellcheck disable=SC2086  # a list of pids
  [[ -n "$busy" ]] && kill $busy && wait $busy 2>/dev/null || true
done
