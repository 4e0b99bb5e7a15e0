#!/bin/bash
# The benchmark binaries behind bench/RESULTS.md still run and agree with
# themselves (a smoke test, not a measurement): nabla_bench trains model C
# (the conv net) on 512 Fashion-MNIST images through the C++ API and the
# graph file, which start from the same weights and so report the same
# loss; NABLA_PROFILE=1 prints the per-op table (graph/profile.h) and
# another value is named and ignored; gemm_bound runs with and without
# --accumulate and refuses bad values; an unknown model is a usage error;
# augment_bench prints its timing; cpu_gaps reports every CPU and refuses
# bad flags; micro_bench's bytes and forkjoin modes print their rows and an
# unknown mode is refused. (conv_bench also times bf16, which not
# every CPU has.)
set -u
bin="$TEST_SRCDIR/$TEST_WORKSPACE/bench"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -d /usr/share/datasets/fashion-mnist ]] || fail "no Fashion-MNIST (tools/setup.sh installs dataset-fashion-mnist)"
cd "$TEST_SRCDIR/$TEST_WORKSPACE"
loss() {
  "$bin/nabla_bench" --model C --mode train --threads 1 --samples 512 --warmup 1 --path "$1" --json |
    /usr/bin/python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["timed_samples"] == 512, d; print(d["final_loss"])'
}
api=$(loss api) || fail "nabla_bench --model C --path api"
graph=$(loss graph) || fail "nabla_bench --model C --path graph"
[[ "$api" == "$graph" ]] || fail "model C: C++ API loss $api, graph file loss $graph"
echo "ok: model C trains on both paths, mean loss $api"
NABLA_PROFILE=1 "$bin/nabla_bench" --model C --mode train --threads 1 --samples 512 --warmup 1 \
  >out 2>err || fail "NABLA_PROFILE=1 nabla_bench: $(tail -3 err)"
for row in "nabla profile" "Conv2D (forward) [256, 1, 28, 28] [32, 1, 5, 5] [32]" \
           "Conv2D (backward)" "optimizer step (scope)" "batch gather (scope)"; do
  grep -qF "$row" err || fail "NABLA_PROFILE=1: no '$row' in: $(cat err)"
done
echo "ok: NABLA_PROFILE=1 prints the op table"
NABLA_PROFILE=yes "$bin/nabla_bench" --model C --mode train --threads 1 --samples 512 --warmup 1 \
  >out 2>err || fail "NABLA_PROFILE=yes nabla_bench: $(tail -3 err)"
grep -qF "NABLA_PROFILE='yes' ignored" err || fail "NABLA_PROFILE=yes: no warning in: $(cat err)"
! grep -q "nabla profile" err || fail "NABLA_PROFILE=yes printed a profile: $(cat err)"
echo "ok: NABLA_PROFILE=yes is named and ignored"
for acc in 0 1; do
  "$bin/gemm_bound" --model A --threads 1 --reps 1 --accumulate $acc >out 2>err ||
    fail "gemm_bound --accumulate $acc: $(cat err)"
  /usr/bin/python3 -c 'import json, sys; d = json.load(open("out")); assert d["accumulate"] == (sys.argv[1] == "1") and d["float32_samples_per_s"] > 0, d' $acc ||
    fail "gemm_bound --accumulate $acc: $(cat out)"
done
echo "ok: gemm_bound runs overwriting and accumulating"
for bad in "--accumulate yes" "--accumulate 2" "--threads two" "--reps"; do
  "$bin/gemm_bound" --model A $bad >out 2>err && fail "gemm_bound $bad accepted"
  [[ $? == 2 && -s err ]] || fail "gemm_bound $bad: want exit 2 and a message"
done
echo "ok: gemm_bound refuses bad flag values: $(head -1 err)"
"$bin/nabla_bench" --model D --mode train --threads 1 >out 2>err && fail "--model D accepted"
grep -q "expected one of A, B, C" err || fail "--model D: $(cat err)"
echo "ok: --model D refused: $(head -1 err)"
"$bin/augment_bench" 1 | grep -q "median [0-9]* us" || fail "augment_bench"
echo "ok: augment_bench runs"
"$bin/cpu_gaps" --seconds 0.1 --gap-us 10 >out 2>err || fail "cpu_gaps: $(cat err)"
/usr/bin/python3 -c 'import json; d = json.load(open("out")); assert d["cpus"] and all(0 <= c["lost_fraction"] <= 1 for c in d["cpus"]), d' ||
  fail "cpu_gaps: $(cat out)"
for bad in "--seconds" "--seconds soon" "--seconds 0" "--gap-us 0.5" "--every 1"; do
  "$bin/cpu_gaps" $bad >out 2>err && fail "cpu_gaps $bad accepted"
  [[ $? == 2 && -s err ]] || fail "cpu_gaps $bad: want exit 2 and a message"
done
echo "ok: cpu_gaps measures every CPU and refuses bad flags: $(head -1 err)"
"$bin/micro_bench" bytes >out 2>err || fail "micro_bench bytes: $(cat err)"
for row in "no prefetch" "prefetching 2 ahead" "NextInto, 1 thread" "NextInto, 2 thread"; do
  grep -F "$row" out | grep -q "median *[0-9.]* us" || fail "micro_bench bytes: no '$row' timing in: $(cat out)"
done
"$bin/micro_bench" forkjoin >out 2>err || fail "micro_bench forkjoin: $(cat err)"
[[ $(grep -c "parallel region after .* median .* p99 .* mean" out) == 6 ]] ||
  fail "micro_bench forkjoin: want 6 rows: $(cat out)"
"$bin/micro_bench" nonsense >out 2>err && fail "micro_bench nonsense accepted"
[[ $? == 2 ]] && grep -q "usage: micro_bench" err || fail "micro_bench nonsense: $(cat err)"
echo "ok: micro_bench bytes and forkjoin run, an unknown mode is refused"
