#!/bin/bash
# `nabla describe` prints a graph file's layout with inferred shapes and
# parameter counts; `nabla ops` lists every built-in op with its origin
# (the file that registers it) and its schema.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

mnist="$root/examples/mnist"

# --- describe ----------------------------------------------------------------------
"$nabla" describe "$mnist/mlp_leaky.pbtxt" >leaky.txt 2>leaky.err || fail "describe: $(cat leaky.err)"
[[ ! -s leaky.err ]] || fail "describe wrote to stderr: $(cat leaky.err)"
diff - leaky.txt <<'EOF' || fail "describe mlp_leaky.pbtxt: unexpected layout (diff above)"
MNISTNetwork
  (network): Sequential
    (fc1): Linear (784, 1000)        output [?, 1000]   params 785,000
    (act1): LeakyReLU (slope=0.01)   output [?, 1000]
    (fc2): Linear (1000, 100)        output [?, 100]    params 100,100
    (act2): LeakyReLU (slope=0.01)   output [?, 100]
    (fc3): Linear (100, 10)          output [?, 10]     params 1,010
  (loss): SoftmaxCrossEntropy        output []
Total parameters: 886,110
EOF
pass "describe mlp_leaky.pbtxt"

# Overrides show in the layout; nothing else changes (but the column
# alignment, which follows the widest name).
"$nabla" describe "$mnist/mlp_leaky.pbtxt" --set act1.slope=0.2 --set act2.slope=5 >slopes.txt ||
  fail "describe --set"
squeeze() { sed -E 's/ +/ /g' "$1"; }
squeeze leaky.txt |
  sed 's/(act1): LeakyReLU (slope=0.01)/(act1): LeakyReLU (slope=0.2)/; s/(act2): LeakyReLU (slope=0.01)/(act2): LeakyReLU (slope=5)/' |
  diff - <(squeeze slopes.txt) || fail "describe --set: unexpected layout (diff above)"
grep -q '^    (act2): LeakyReLU (slope=5) ' slopes.txt || fail "describe --set: $(cat slopes.txt)"
pass "describe --set"

# PReLU adds one learnable slope per layer.
"$nabla" describe "$mnist/mlp_prelu.pbtxt" >prelu.txt || fail "describe mlp_prelu.pbtxt"
grep -qE '^    \(act1\): PReLU \(num_parameters=1, init=[0-9.]+\) +output \[\?, 1000\] +params 1$' prelu.txt ||
  fail "describe mlp_prelu.pbtxt: $(cat prelu.txt)"
grep -qxF "Total parameters: 886,112" prelu.txt || fail "describe mlp_prelu.pbtxt: $(cat prelu.txt)"
"$nabla" describe "$mnist/deep_prelu.pbtxt" >deep.txt || fail "describe deep_prelu.pbtxt"
[[ $(head -n 2 deep.txt | tail -n 1) == "  (network): Sequential" ]] || fail "describe deep_prelu.pbtxt: $(cat deep.txt)"
[[ $(tail -n 1 deep.txt) =~ ^"Total parameters: "[0-9,]+$ ]] || fail "describe deep_prelu.pbtxt: $(cat deep.txt)"
pass "describe mlp_prelu.pbtxt and deep_prelu.pbtxt"

# The conv net (issue 11): image-shaped input, conv and pool layers.
"$nabla" describe "$mnist/cnn.pbtxt" >cnn.txt || fail "describe cnn.pbtxt"
grep -qE "^    \(conv2\): Conv2D \(32, 64, kernel 5x5, padding 2x2\) +output \[\?, 64, 14, 14\] +params 51,264$" cnn.txt ||
  fail "describe cnn.pbtxt: conv2: $(cat cnn.txt)"
grep -qE "^    \(pool2\): MaxPool2D \(kernel 2x2\) +output \[\?, 64, 7, 7\]$" cnn.txt ||
  fail "describe cnn.pbtxt: pool2: $(cat cnn.txt)"
grep -qxF "Total parameters: 1,663,370" cnn.txt || fail "describe cnn.pbtxt: $(cat cnn.txt)"
pass "describe cnn.pbtxt"

# --- ops ----------------------------------------------------------------------------
"$nabla" ops >ops.txt 2>ops.err || fail "ops: $(cat ops.err)"
[[ ! -s ops.err ]] || fail "ops wrote to stderr: $(cat ops.err)"
# Every built-in op and the file that registers it (ops/<family>/<op>.cc).
while read -r op file; do
  grep -qE "^$op  \[built-in \(ops/${file//./\\.}:[0-9]+\)\]$" ops.txt ||
    fail "ops: no '$op  [built-in (ops/$file:LINE)]' in: $(grep "^$op " ops.txt || echo nothing)"
done <<'EOF'
Add math/add.cc
AvgPool2D pool/avg_pool2d.cc
Concat shape/concat.cc
Conv2D conv/conv2d.cc
Dropout regularization/dropout.cc
Flatten shape/flatten.cc
GlobalAvgPool pool/global_avg_pool.cc
LeakyReLU activation/leaky_relu.cc
Linear linear/linear.cc
LogSoftmax activation/log_softmax.cc
MSE loss/mse.cc
MatMul math/mat_mul.cc
MaxPool2D pool/max_pool2d.cc
Mean reduce/mean.cc
Mul math/mul.cc
PReLU activation/prelu.cc
ReLU activation/relu.cc
Reshape shape/reshape.cc
Sigmoid activation/sigmoid.cc
Softmax activation/softmax.cc
SoftmaxCrossEntropy loss/softmax_cross_entropy.cc
Sub math/sub.cc
Sum reduce/sum.cc
Tanh activation/tanh.cc
EOF
# Every entry is a built-in op from ops/ (no plugin is loaded), listed once,
# sorted by name, and every line belongs to an entry.
# The op entries end at the blank line before the backends summary.
sed '/^$/,$d' ops.txt | grep -v '^  ' >headers.txt
grep -q '^backends: eigen (the reference' ops.txt || fail "ops: no backends line: $(tail -n 2 ops.txt)"
grep -A 20 '^Sigmoid  ' ops.txt | grep -qxF '  kernels: eigen (float32, float64)' ||
  fail "ops: Sigmoid's kernels: $(grep -A 20 '^Sigmoid  ' ops.txt | grep kernels)"
bad=$(grep -vE '^[A-Z][A-Za-z0-9]*  \[built-in \(ops/[a-z_]+/[a-z0-9_]+\.cc:[0-9]+\)\]$' headers.txt || true)
[[ -z "$bad" ]] || fail "ops: entries that are not built-in ops from ops/: $bad"
cut -d' ' -f1 headers.txt >names.txt
sort -c names.txt || fail "ops: names are not sorted"
[[ -z $(uniq -d names.txt) ]] || fail "ops: listed twice: $(uniq -d names.txt)"
[[ $(wc -l <names.txt) -ge 19 ]] || fail "ops: only $(wc -l <names.txt) ops"
# Schemas come with them: LeakyReLU's attribute and PReLU's parameter.
sed -n '/^LeakyReLU  /,/^[A-Z]/p' ops.txt >leaky_relu.txt
grep -qxF "  attr slope: float = 0.01, finite  -- multiplier for x <= 0" leaky_relu.txt ||
  fail "ops: LeakyReLU's schema: $(cat leaky_relu.txt)"
grep -qxF "  inputs: x" leaky_relu.txt || fail "ops: LeakyReLU's inputs: $(cat leaky_relu.txt)"
sed -n '/^PReLU  /,/^[A-Z]/p' ops.txt >prelu_op.txt
grep -q "^  param slope .*, no weight decay$" prelu_op.txt || fail "ops: PReLU's parameter: $(cat prelu_op.txt)"
grep -qxF "  attr num_parameters: int = 1, > 0  -- 1: one slope for the layer; C: one per channel (input dim 1)" prelu_op.txt ||
  fail "ops: PReLU's num_parameters: $(cat prelu_op.txt)"
sed -n '/^SoftmaxCrossEntropy  /,/^[A-Z]/p' ops.txt >sce.txt
grep -qxF "  inputs: logits labels (int32)" sce.txt || fail "ops: SoftmaxCrossEntropy's inputs: $(cat sce.txt)"
pass "ops lists $(wc -l <names.txt) built-in ops with their origins"

echo PASS
