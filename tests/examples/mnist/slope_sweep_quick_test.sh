#!/usr/bin/env bash
# examples/mnist/slope_sweep.py --quick runs end to end against the real
# binary and writes well-formed tables and both figures; a sweep where a
# run diverges keeps that run, marked, and still plots.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/examples/mnist/mnist_test_lib.sh"

results_header=slope,seed,epochs_done,final_train_loss,test_loss,test_accuracy,diverged_at,seconds
summary_header=slope,runs,diverged_runs,train_loss_mean,train_loss_std,train_loss_min,train_loss_max,test_loss_mean,test_loss_std,test_loss_min,test_loss_max,test_accuracy_mean,test_accuracy_std,test_accuracy_min,test_accuracy_max

start=$SECONDS
python3 "$scripts/slope_sweep.py" --quick --nabla "$nabla" --threads 1 --out quick \
  >quick.log 2>&1 || { cat quick.log; fail "slope_sweep.py --quick failed"; }
echo "slope_sweep.py --quick: $((SECONDS - start)) s"

check_csv quick/results.csv --header "$results_header" --rows 4 \
  --numeric slope,seed,epochs_done,final_train_loss,test_loss,test_accuracy,seconds \
  --finite slope,seed,epochs_done,final_train_loss,test_loss,test_accuracy,seconds \
  --range test_accuracy:0:1 --range epochs_done:1:1
[[ "$(cut -d, -f1 quick/results.csv | tail -n +2 | tr '\n' ' ')" == "-0.5 0.01 1 3 " ]] ||
  fail "quick slopes: $(cut -d, -f1 quick/results.csv | tr '\n' ' ')"
check_csv quick/summary.csv --header "$summary_header" --rows 4 \
  --numeric "${summary_header}" --range diverged_runs:0:0
for f in quick/sweep.png quick/sweep.svg; do expect_image "$f"; done
[[ "$(grep -c '^rc=0 ' quick/commands.txt)" == 4 ]] || fail "commands.txt: $(cat quick/commands.txt)"

# Slope 5 at lr 0.2 goes non-finite within the first epoch (nabla train
# exits 4): the sweep goes on, keeps the row with diverged_at EPOCH/STEP,
# leaves it out of the mean and marks it on the plot.
python3 "$scripts/slope_sweep.py" --slopes 0.01,5 --seeds 1 --epochs 1 --lr 0.2 \
  --nabla "$nabla" --threads 1 --out diverge >diverge.log 2>&1 ||
  { cat diverge.log; fail "slope_sweep.py failed on a diverging run"; }
check_csv diverge/results.csv --header "$results_header" --rows 2 \
  --numeric slope,seed,epochs_done,final_train_loss,test_loss,test_accuracy,seconds \
  --finite final_train_loss,test_loss,test_accuracy --allow-nan-if diverged_at \
  --pattern 'diverged_at:[0-9]+/[0-9]+'
row=$(grep '^5,' diverge/results.csv) || fail "no slope-5 row"
[[ "$row" =~ ^5,0,0,nan,nan,nan,1/[0-9]+, ]] || fail "slope-5 row not marked diverged: $row"
grep -q '^0.01,0,1,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*,,' diverge/results.csv ||
  fail "slope-0.01 row: $(grep '^0.01' diverge/results.csv)"
grep -q '^5,1,1,nan,nan' diverge/summary.csv || fail "summary: $(cat diverge/summary.csv)"
grep -q "1/1 diverged" diverge/sweep.gp || fail "sweep.gp does not mark slope 5"
grep -q '^rc=4 ' diverge/commands.txt || fail "commands.txt: $(cat diverge/commands.txt)"
for f in diverge/sweep.png diverge/sweep.svg; do expect_image "$f"; done
echo PASS
