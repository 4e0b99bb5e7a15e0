#!/usr/bin/env bash
# examples/mnist/prelu_slopes.py --quick: per-epoch slopes of act1 and act2
# per seed (from nabla train --track), their mean and std, and the figure.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/examples/mnist/mnist_test_lib.sh"

start=$SECONDS
python3 "$scripts/prelu_slopes.py" --quick --nabla "$nabla" --threads 1 --out quick \
  >quick.log 2>&1 || { cat quick.log; fail "prelu_slopes.py --quick failed"; }
echo "prelu_slopes.py --quick: $((SECONDS - start)) s"

# 2 seeds x (epoch 0 = the initial 0.1, epoch 1).
check_csv quick/trajectories.csv \
  --header seed,epoch,act1_slope,act2_slope,train_loss,test_loss,test_accuracy --rows 4 \
  --finite seed,epoch,act1_slope,act2_slope
[[ "$(grep -c '^[01],0,0.1,0.1,,,$' quick/trajectories.csv)" == 2 ]] ||
  fail "epoch-0 rows should hold the initial slope 0.1: $(cat quick/trajectories.csv)"
check_csv quick/trajectory_summary.csv \
  --header epoch,act1_slope_mean,act1_slope_std,act2_slope_mean,act2_slope_std,train_loss_mean,train_loss_std,test_loss_mean,test_loss_std,test_accuracy_mean,test_accuracy_std,runs \
  --rows 2 --finite epoch,act1_slope_mean,act1_slope_std,act2_slope_mean,act2_slope_std,runs
check_csv quick/final.csv \
  --header seed,act1_slope,act2_slope,final_train_loss,test_loss,test_accuracy,epochs_done,diverged_at \
  --rows 4 --finite act1_slope,act2_slope,final_train_loss,test_loss,test_accuracy \
  --range test_accuracy:0:1
# The slopes moved: they are trained, not frozen at the initial value.
python3 - quick/final.csv <<'PY' || fail "slopes did not change in training"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["seed"] in ("0", "1")]
assert all(abs(float(r["act1_slope"]) - 0.1) > 1e-4 for r in rows), rows
PY
for f in quick/prelu_slopes.png quick/prelu_slopes.svg; do expect_image "$f"; done
echo PASS
