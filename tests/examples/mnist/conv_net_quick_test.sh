#!/usr/bin/env bash
# examples/mnist/conv_net.py --quick: both stages (tuning on the carved-out
# validation split with --augment, final run with checkpoint and
# `nabla eval --json`) run end to end and write their tables and figures.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/examples/mnist/mnist_test_lib.sh"

start=$SECONDS
python3 "$scripts/conv_net.py" --quick --official-test '' --nabla "$nabla" --threads 1 \
  --out quick >quick.log 2>&1 || { cat quick.log; fail "conv_net.py --quick failed"; }
echo "conv_net.py --quick: $((SECONDS - start)) s"

grep -q 'made .*val: 7000 train, 1000 validation' quick.log ||
  fail "validation split: $(cat quick.log)"
check_csv quick/tuning.csv \
  --header candidate,seed,epochs_done,final_train_loss,val_loss,val_accuracy,diverged_at,seconds \
  --rows 2 --finite epochs_done,final_train_loss,val_loss,val_accuracy,seconds \
  --range val_accuracy:0:1
[[ "$(grep -c ',yes$' quick/tuning_summary.csv)" == 1 ]] ||
  fail "exactly one candidate should be chosen: $(cat quick/tuning_summary.csv)"
# The chosen one has the best validation accuracy.
python3 - quick/tuning.csv quick/tuning_summary.csv <<'PY' || fail "choice"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
best = max(rows, key=lambda r: float(r["val_accuracy"]))["candidate"]
chosen = [r["candidate"] for r in csv.DictReader(open(sys.argv[2])) if r["chosen"] == "yes"]
assert chosen == [best], (chosen, best)
PY
grep -q -- '--augment shift=3,rotate=12,scale=0.1' quick/commands.txt ||
  fail "no augmented candidate: $(cat quick/commands.txt)"
check_final_stage quick
[[ -s quick/checkpoints/final_seed_0.ckpt ]] || fail "no checkpoints/final_seed_0.ckpt"
for f in tuning tuning_curves final final_error; do
  expect_image "quick/$f.png"
  expect_image "quick/$f.svg"
done

# --reuse-runs: a second run keeps the finished trainings (same options)
# and only evaluates again; the tables come out the same.
cp quick/final.csv final_first.csv
python3 "$scripts/conv_net.py" --quick --official-test '' --nabla "$nabla" --threads 1 \
  --out quick --reuse-runs >reuse.log 2>&1 || { cat reuse.log; fail "conv_net.py --reuse-runs failed"; }
[[ "$(grep -c '^  reused ' reuse.log)" == 3 ]] || fail "--reuse-runs should reuse 3 runs: $(cat reuse.log)"
[[ "$(grep -c '^# reused (--reuse-runs)' quick/commands.txt)" == 3 ]] ||
  fail "commands.txt should record 3 reused runs: $(cat quick/commands.txt)"
[[ "$(grep -c '^rc=0 .* train ' quick/commands.txt)" == 3 ]] ||
  fail "commands.txt should keep the first run's 3 trainings: $(cat quick/commands.txt)"
cmp <(cut -d, -f1-3,5- final_first.csv) <(cut -d, -f1-3,5- quick/final.csv) ||
  fail "final.csv changed on reuse: $(cat final_first.csv quick/final.csv)"
# A changed option is not the same run: it trains again.
sed -i 's/--lr 0.05/--lr 0.04/' quick/commands.txt
python3 "$scripts/conv_net.py" --quick --official-test '' --nabla "$nabla" --threads 1 \
  --out quick --reuse-runs >retrain.log 2>&1 || { cat retrain.log; fail "conv_net.py retrain failed"; }
grep -q '^  reused tune_const1_seed_0.csv' retrain.log && ! grep -q 'reused tune_strong_cos1' retrain.log ||
  fail "only the constant-lr candidate should be reused: $(cat retrain.log)"
echo PASS
