#!/bin/bash
# nabla train --val-split, --eval-test and --log-every: the validation set
# is carved from the training split by the seed, the test split is only
# evaluated when asked, step rows and the new epoch columns land in the
# metrics, and --resume continues all of it exactly.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"
make_data data --train 512 --test 128
common=(--data data --threads 1 --batch-size 64 --lr 0.05)
flags=("${common[@]}" --seed 6)

# --- a run with all three ------------------------------------------------------
"$nabla" train "$model" "${flags[@]}" --epochs 3 --val-split 0.25 --log-every 2 \
  --save straight.ckpt --metrics straight.csv >straight.out 2>straight.err ||
  fail "train: $(cat straight.err)"
expect_contains "$(head -n 1 straight.err)" "on 384 samples of data" "training samples"
expect_contains "$(head -n 1 straight.err)" "128 held out for validation" "validation samples"
grep -Eq '^epoch 3/3  train_loss [0-9.]+  train_acc [0-9.]+%  val_loss [0-9.]+  val_acc [0-9.]+%  lr 0.05  ' straight.out ||
  fail "epoch line: $(cat straight.out)"
if grep -q test_ straight.out; then fail "the test split was evaluated without --eval-test"; fi
python3 - straight.csv <<'PY' || fail "metrics: $(cat straight.csv)"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
epochs = [r for r in rows if r["row"] == "epoch"]
steps = [r for r in rows if r["row"] == "step"]
assert [int(r["epoch"]) for r in epochs] == [1, 2, 3], epochs
# 384 samples / 64 = 6 steps an epoch; every second one logged.
assert [int(r["step"]) for r in steps] == list(range(2, 19, 2)), steps
assert [int(r["epoch"]) for r in steps] == [1, 1, 1, 2, 2, 2, 3, 3, 3], steps
for r in steps:
  assert float(r["lr"]) == 0.05 and math.isfinite(float(r["train_loss"])), r
  assert r["test_loss"] == r["val_loss"] == r["seconds"] == "", r
# Step rows come before their epoch's row.
assert [r["row"] for r in rows[:4]] == ["step"] * 3 + ["epoch"], rows[:4]
for r in epochs:
  acc = float(r["train_accuracy"])
  assert 0 < acc < 1 and abs(acc * 384 - round(acc * 384)) < 1e-6, r  # a count of 384
  assert 0 < float(r["val_accuracy"]) < 1 and abs(float(r["val_accuracy"]) * 128 - round(float(r["val_accuracy"]) * 128)) < 1e-6, r
  assert math.isfinite(float(r["val_loss"])) and math.isnan(float(r["test_loss"])), r
  assert float(r["lr"]) == 0.05, r
# The model learns: validation loss falls.
assert float(epochs[-1]["val_loss"]) < float(epochs[0]["val_loss"]), epochs
PY
pass "--val-split 0.25 --log-every 2: 3 epoch rows, 9 step rows, no test evaluation"

# The split is the seed's: the same seed gives the same validation numbers,
# another seed another split (and so other numbers).
"$nabla" train "$model" "${flags[@]}" --epochs 1 --val-split 0.25 --metrics again.csv >/dev/null 2>&1 ||
  fail "train again"
"$nabla" train "$model" "${common[@]}" --seed 7 --epochs 1 --val-split 0.25 \
  --metrics other.csv >/dev/null 2>&1 || fail "train with another seed"
val_of() { python3 -c 'import csv, sys; r = [r for r in csv.DictReader(open(sys.argv[1])) if r["row"] == "epoch"][0]; print(r["val_loss"], r["val_accuracy"])' "$1"; }
[[ $(val_of again.csv) == $(val_of straight.csv) ]] ||
  fail "same seed, other validation numbers: $(val_of again.csv)"
[[ $(val_of other.csv) != $(val_of again.csv) ]] || fail "another seed gave the same validation numbers"
pass "the validation split is a function of --seed"

# --- --eval-test --------------------------------------------------------------------
"$nabla" train "$model" "${flags[@]}" --epochs 2 --eval-test --save test.ckpt --metrics test.csv \
  >test.out 2>test.err || fail "train --eval-test: $(cat test.err)"
grep -Eq '^epoch 2/2  train_loss [0-9.]+  train_acc [0-9.]+%  test_loss [0-9.]+  test_acc [0-9.]+%  lr 0.05  ' test.out ||
  fail "epoch line with --eval-test: $(cat test.out)"
"$nabla" eval "$model" --weights test.ckpt --data data --threads 1 --json >eval.json || fail "eval"
python3 - test.csv eval.json <<'PY' || fail "--eval-test metrics vs eval: $(cat test.csv) $(cat eval.json)"
import csv, json, math, sys
last = [r for r in csv.DictReader(open(sys.argv[1])) if r["row"] == "epoch"][-1]
want = json.load(open(sys.argv[2]))
assert "%.6f" % float(last["test_accuracy"]) == "%.6f" % want["accuracy"], (last, want)
assert math.isnan(float(last["val_loss"])), last
PY
pass "--eval-test: the last epoch's test metrics are eval's"

# --- resume ------------------------------------------------------------------------
"$nabla" train "$model" "${flags[@]}" --epochs 1 --val-split 0.25 --log-every 2 --save one.ckpt \
  >/dev/null 2>&1 || fail "train 1 epoch"
# The checkpoint's --val-split and --log-every hold without the flags.
"$nabla" train "$model" --data data --threads 1 --epochs 3 --resume one.ckpt --save resumed.ckpt \
  --metrics resumed.csv >resumed.out 2>resumed.err || fail "resume: $(cat resumed.err)"
expect_contains "$(cat resumed.err)" "128 held out for validation" "resumed validation"
without_seconds() { python3 -c 'import csv, sys
for r in csv.reader(open(sys.argv[1])): print(",".join(r[:4] + r[5:]))' "$1"; }
diff <(without_seconds straight.csv) <(without_seconds resumed.csv) ||
  fail "the resumed run's metrics differ from the straight run's"
cmp <(tensor_section "$(ckpt_text straight.ckpt)") <(tensor_section "$(ckpt_text resumed.ckpt)") ||
  fail "the resumed run's weights differ from the straight run's"
"$nabla" inspect resumed.ckpt --json >resumed.json || fail "inspect resumed.ckpt"
python3 - resumed.json straight.csv <<'PY' || fail "inspect's metrics vs the CSV"
import csv, json, sys
got = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert got["config"]["val_split"] == 0.25 and got["config"]["log_every"] == 2, got["config"]
assert [s["step"] for s in got["step_metrics"]] == [int(r["step"]) for r in rows if r["row"] == "step"]
for m, r in zip(got["metrics"], [r for r in rows if r["row"] == "epoch"]):
  for key in ("train_accuracy", "val_loss", "val_accuracy", "lr"):
    assert abs(m[key] - float(r[key])) <= 1e-8 * abs(m[key]), (key, m[key], r[key])  # CSV: 9 digits
PY
pass "--resume keeps --val-split and --log-every: metrics and weights as the straight run"

mkdir out
expect_failure 2 "--val-split 0.5 (the checkpoint trained with 0.25)" \
  "$nabla" train "$model" --data data --threads 1 --epochs 3 --resume one.ckpt --val-split 0.5 --save out/x.ckpt
"$nabla" train "$model" --data data --threads 1 --epochs 2 --resume one.ckpt --log-every 3 \
  --metrics out/log3.csv >/dev/null 2>&1 || fail "resume with another --log-every"
python3 -c 'import csv, sys
steps = [int(r["step"]) for r in csv.DictReader(open(sys.argv[1])) if r["row"] == "step"]
assert steps == [2, 4, 6, 9, 12], steps' out/log3.csv || fail "--log-every 3 on resume: $(cat out/log3.csv)"
rm out/log3.csv
pass "--resume: --val-split conflicts, --log-every may change"

# --- bad input ---------------------------------------------------------------------
expect_failure 2 "nabla train: --val-split must be in [0, 1)" \
  "$nabla" train "$model" "${flags[@]}" --epochs 1 --val-split 1.5 --save out/x.ckpt
expect_failure 2 "nabla train: --val-split 0.9995 of the 512 training samples" \
  "$nabla" train "$model" "${flags[@]}" --epochs 1 --val-split 0.9995 --save out/x.ckpt --metrics out/x.csv
expect_failure 2 "nabla train: --log-every must be >= 0" \
  "$nabla" train "$model" "${flags[@]}" --epochs 1 --log-every -1 --save out/x.ckpt
expect_empty_dir out
pass "bad --val-split and --log-every are usage errors; nothing written"
