#!/bin/bash
# nabla predict: one CSV row per sample whose labels are the data's own, in
# order, whose probabilities are a distribution with the predicted class on
# top, and whose accuracy is eval's; bad input writes nothing.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"
make_data data --train 512 --test 300
"$nabla" train "$model" --data data --seed 4 --threads 1 --batch-size 64 --lr 0.05 --epochs 3 \
  --save run.ckpt >train.out 2>train.err || fail "train: $(cat train.err)"

for split in test train; do
  "$nabla" eval "$model" --weights run.ckpt --data data --split "$split" --threads 1 --json \
    >"eval_$split.json" || fail "eval --split $split"
  # An odd batch size, so batches end at other places than eval's.
  "$nabla" predict "$model" --weights run.ckpt --data data --split "$split" --threads 1 \
    --batch-size 37 --out "preds_$split.csv" >"predict_$split.out" 2>"predict_$split.err" ||
    fail "predict --split $split: $(cat "predict_$split.err")"
  [[ "$split" == test ]] && labels=data/t10k-labels-idx1-ubyte || labels=data/train-labels-idx1-ubyte
  python3 - "preds_$split.csv" "eval_$split.json" "$labels" <<'PY' || fail "predict --split $split disagrees"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
want = json.load(open(sys.argv[2]))
labels = open(sys.argv[3], "rb").read()[8:]  # IDX labels: 8-byte header, one byte each
assert rows[0] == ["index", "label", "predicted"] + ["prob_%d" % k for k in range(10)], rows[0]
rows = rows[1:]
assert len(rows) == want["samples"] == len(labels), (len(rows), want["samples"], len(labels))
correct = 0
for i, row in enumerate(rows):
  index, label, predicted = int(row[0]), int(row[1]), int(row[2])
  probs = [float(p) for p in row[3:]]
  assert index == i and label == labels[i], (i, row[:3], labels[i])
  assert abs(sum(probs) - 1) < 1e-5 and min(probs) >= 0, (i, probs)
  assert probs[predicted] == max(probs), (i, predicted, probs)
  correct += predicted == label
accuracy = "%.6f" % (correct / len(rows))
assert accuracy == "%.6f" % want["accuracy"], (accuracy, want["accuracy"])
assert 0.0 < correct < len(rows), correct   # the test can tell rows apart
print("%s: %d of %d correct, eval says %s" % (sys.argv[1], correct, len(rows), want["accuracy"]))
PY
  samples=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['samples'])" "eval_$split.json")
  grep -q "^wrote preds_$split.csv: $samples samples of $split" "predict_$split.out" ||
    fail "predict's summary: $(cat "predict_$split.out")"
done
pass "predict: labels in data order, probabilities sum to 1, accuracy equals eval's on both splits"

# --- bad input writes nothing ---------------------------------------------------
mkdir out
echo old >out/preds.csv
head -c 100000 run.ckpt >truncated.ckpt
expect_failure 3 "nabla predict: error: truncated.ckpt" \
  "$nabla" predict "$model" --weights truncated.ckpt --data data --out out/preds.csv
expect_failure 3 "nabla predict: error: missing.ckpt" \
  "$nabla" predict "$model" --weights missing.ckpt --data data --out out/preds.csv
expect_failure 3 "nabla predict: error: --out: cannot write 'nodir/preds.csv'" \
  "$nabla" predict "$model" --weights run.ckpt --data data --out nodir/preds.csv
expect_failure 2 "nabla predict: the option '--out' is required" \
  "$nabla" predict "$model" --weights run.ckpt --data data
expect_failure 2 "nabla predict: --out 'run.ckpt' is --weights" \
  "$nabla" predict "$model" --weights run.ckpt --data data --out run.ckpt
expect_failure 2 "nabla predict: --split must be test or train, found 'val'" \
  "$nabla" predict "$model" --weights run.ckpt --data data --split val --out out/preds.csv
expect_failure 3 "nabla predict: error: " \
  "$nabla" predict "$model" --weights run.ckpt --data nodata --out out/preds.csv
expect_failure 2 "nabla predict: unrecognised option '--bogus'" \
  "$nabla" predict "$model" --weights run.ckpt --data data --out out/preds.csv --bogus
[[ $(cat out/preds.csv) == old ]] || fail "a failed predict changed out/preds.csv"
[[ $(ls out) == preds.csv ]] || fail "a failed predict left files: $(ls out)"
pass "predict refuses bad input and leaves --out untouched"
