#!/bin/bash
# --backend and --precision through the real binary:
#   `nabla ops` lists each op's kernels and the backends;
#   bf16 on a CPU without native bf16 (ONEDNN_MAX_CPU_ISA=AVX512_CORE
#   makes oneDNN see one) is refused with a message, nothing written;
#   a bf16 run on mnist-digits ends within 0.5 points of float32, and
#   resuming a bf16 run is bit-identical to running straight through;
#   every backend choice trains to the same accuracy band.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"

"$nabla" ops >ops.out || fail "nabla ops"
expect_contains "$(grep -A 12 '^Linear ' ops.out | grep 'kernels:')" "dnnl (bf16)" "Linear's kernels"
expect_contains "$(grep -A 12 '^Linear ' ops.out | grep 'kernels:')" "dnnl (float32)" "Linear's kernels"
expect_contains "$(grep '^backends:' ops.out)" "dnnl (oneDNN 2." "backends line"
pass "nabla ops lists kernels and backends"

expect_failure 2 "--backend: 'cuda' is not one of auto, eigen, dnnl" \
  "$nabla" train "$model" --data nowhere --epochs 1 --backend cuda
expect_failure 2 "--precision: 'fp16' is not one of float32, bf16" \
  "$nabla" train "$model" --data nowhere --epochs 1 --precision fp16
pass "bad --backend / --precision values"

mkdir refused
make_data data
ONEDNN_MAX_CPU_ISA=AVX512_CORE expect_failure 3 "needs native bf16 arithmetic" \
  "$nabla" train "$model" --data data --epochs 1 --precision bf16 --save refused/run.ckpt
expect_contains "$(cat "$work/stderr")" "avx512_core" "the refusal names the ISA"
expect_empty_dir refused
expect_failure 3 "backend 'eigen' has no bf16 kernels" \
  "$nabla" train "$model" --data data --epochs 1 --precision bf16 --backend eigen
pass "bf16 refused where it is not native"

if "$nabla" ops | grep '^backends:' | grep -q 'no bf16 here'; then
  echo "skip: this CPU has no native bf16; the bf16 training checks need one"
  exit 0
fi

digits=/var/lib/nabla/data/mnist-digits
[[ -d "$digits" ]] || fail "$digits is missing: run tools/setup.sh"
accuracy() { "$nabla" eval "$model" --weights "$1" --data "$digits" --json --threads 1 |
  sed 's/.*"accuracy": \([0-9.]*\).*/\1/'; }
flags=(--data "$digits" --seed 3 --threads 1)
"$nabla" train "$model" "${flags[@]}" --epochs 8 --save f32.ckpt >f32.out 2>&1 || fail "float32 run"
"$nabla" train "$model" "${flags[@]}" --epochs 8 --precision bf16 --save bf16.ckpt >bf16.out 2>&1 ||
  fail "bf16 run"
f32=$(accuracy f32.ckpt)
bf16=$(accuracy bf16.ckpt)
awk -v a="$f32" -v b="$bf16" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.005) }' ||
  fail "bf16 accuracy $bf16 is more than 0.5 points from float32's $f32"
pass "bf16 accuracy $bf16 vs float32 $f32"

"$nabla" train "$model" "${flags[@]}" --epochs 4 --precision bf16 --save half.ckpt >/dev/null 2>&1 ||
  fail "bf16 first half"
"$nabla" train "$model" "${flags[@]}" --epochs 8 --precision bf16 --resume half.ckpt \
  --save resumed.ckpt >/dev/null 2>&1 || fail "bf16 resume"
diff <(tensor_section "$(ckpt_text bf16.ckpt)") <(tensor_section "$(ckpt_text resumed.ckpt)") >/dev/null ||
  fail "a resumed bf16 run differs from the straight one"
pass "bf16 resume is bit-identical"

for backend in eigen dnnl; do
  "$nabla" train "$model" "${flags[@]}" --epochs 2 --backend "$backend" --save "$backend.ckpt" \
    >/dev/null 2>&1 || fail "--backend $backend"
done
e=$(accuracy eigen.ckpt)
d=$(accuracy dnnl.ckpt)
awk -v a="$e" -v b="$d" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.005) }' ||
  fail "dnnl accuracy $d is more than 0.5 points from eigen's $e"
pass "eigen $e and dnnl $d agree"
