#!/bin/bash
# Divergence through `nabla train`: LeakyReLU with slope 5 in both hidden
# layers blows up; the run exits with code 4 naming epoch and step, writes
# no checkpoint, and --check-numerics names the first non-finite node.
# The same command with the default slope trains, so the slope is the cause.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

make_data data
model="$root/examples/mnist/mlp_leaky.pbtxt"
flags=(--data data --seed 3 --threads 1 --batch-size 64 --epochs 3)
steep=(--set act1.slope=5 --set act2.slope=5)
error_line() { grep '^nabla train: error: ' "$work/stderr" || true; }

# Control: slope 0.01 (the file's) at the same learning rate converges.
mkdir control
run "$nabla" train "$model" "${flags[@]}" --lr 0.1 --save control/run.ckpt
[[ "$rc" == 0 ]] || fail "slope 0.01, lr 0.1 should train"
[[ -s control/run.ckpt ]] || fail "the control run saved no checkpoint"

# Diverges within the first epoch.
mkdir out
run "$nabla" train "$model" "${flags[@]}" "${steep[@]}" --lr 0.1 --save out/run.ckpt
[[ "$rc" == 4 ]] || fail "slope 5, lr 0.1: exit code $rc, expected 4"
[[ $(grep -c '^nabla train: error: ' "$work/stderr") == 1 ]] || fail "expected one error line"
where="step [0-9]+ \(global step [0-9]+\)"
# The message names the flags that set the step size.
config=" \(training config: --lr 0\.[0-9]+, --momentum 0\.9, --optimizer sgd\)"
diverged="^nabla train: error: training diverged: (loss is [^ ]+|gradient of '[^']+' is not finite)"
[[ $(error_line) =~ $diverged" at epoch 1, "$where$config$ ]] ||
  fail "unexpected divergence message: $(error_line)"
[[ ! -s "$work/stdout" ]] || fail "an epoch finished before the divergence: $(cat "$work/stdout")"
expect_empty_dir out
pass "diverged: $(error_line)"

# Diverges in a later epoch: the message names that epoch, the epochs before
# it were reported, the metrics file records them and the divergence, and
# still no checkpoint is written.
run "$nabla" train "$model" "${flags[@]}" "${steep[@]}" --lr 0.05 --save out/run.ckpt \
  --metrics metrics.csv
[[ "$rc" == 4 ]] || fail "slope 5, lr 0.05: exit code $rc, expected 4"
done_epochs=$(grep -c '^epoch ' "$work/stdout" || true)
[[ "$done_epochs" -ge 1 ]] || fail "expected a completed epoch before the divergence at lr 0.05"
[[ $(error_line) =~ $diverged" at epoch $((done_epochs + 1)), "$where$config$ ]] ||
  fail "after $done_epochs epoch(s), the message should name epoch $((done_epochs + 1)): $(error_line)"
[[ $(tail -n 1 metrics.csv) == *'"training diverged: '*'at epoch '$((done_epochs + 1))* ]] ||
  fail "metrics.csv does not record the divergence: $(cat metrics.csv)"
[[ $(grep -c '^[0-9]' metrics.csv) == "$done_epochs" ]] || fail "metrics.csv: $(cat metrics.csv)"
expect_empty_dir out
pass "diverged later: $(error_line)"

# --check-numerics stops at the first node whose output is not finite and
# names it, with the step.
run "$nabla" train "$model" "${flags[@]}" "${steep[@]}" --lr 0.1 --save out/run.ckpt --check-numerics
[[ "$rc" == 4 ]] || fail "--check-numerics: exit code $rc, expected 4"
node="node '(fc1|act1|fc2|act2|fc3|loss)' \((Linear|LeakyReLU|SoftmaxCrossEntropy)\)"
[[ $(error_line) =~ ^"nabla train: error: training diverged at epoch 1, "$where": "$node": output 0 is not finite" ]] ||
  fail "--check-numerics should name the node and step: $(error_line)"
expect_empty_dir out
pass "--check-numerics: $(error_line)"

echo PASS
