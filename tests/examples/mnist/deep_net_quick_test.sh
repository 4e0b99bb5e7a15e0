#!/usr/bin/env bash
# examples/mnist/deep_net.py --quick: the three stages (baseline, tuning on
# the carved-out validation split, final run with checkpoint and
# `nabla eval --json`) run end to end and write their tables and figures.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/examples/mnist/mnist_test_lib.sh"

start=$SECONDS
python3 "$scripts/deep_net.py" --quick --official-test '' --nabla "$nabla" --threads 1 \
  --out quick >quick.log 2>&1 || { cat quick.log; fail "deep_net.py --quick failed"; }
echo "deep_net.py --quick: $((SECONDS - start)) s"

check_csv quick/baseline_per_epoch.csv \
  --header stage,seed,epoch,train_loss,test_loss,test_accuracy --rows 1 \
  --finite seed,epoch,train_loss,test_loss,test_accuracy --range test_accuracy:0:1
check_csv quick/tuning.csv \
  --header candidate,seed,epochs_done,final_train_loss,val_loss,val_accuracy,diverged_at,seconds \
  --rows 2 --finite epochs_done,final_train_loss,val_loss,val_accuracy,seconds
[[ "$(grep -c ',yes$' quick/tuning_summary.csv)" == 1 ]] ||
  fail "exactly one candidate should be chosen: $(cat quick/tuning_summary.csv)"
grep -q 'made .*val: 7000 train, 1000 validation' quick.log ||
  fail "validation split: $(cat quick.log)"
check_final_stage quick
[[ -s quick/checkpoints/best.ckpt ]] || fail "no checkpoints/best.ckpt"
for f in baseline tuning final; do
  expect_image "quick/$f.png"
  expect_image "quick/$f.svg"
done
echo PASS
