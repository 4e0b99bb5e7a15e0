#!/bin/bash
# nabla plot: non-empty PNG and SVG learning curves of several runs, the
# legend naming each run's train, validation and test series and its step
# losses; bad input is named and writes nothing.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

command -v gnuplot >/dev/null || fail "gnuplot is not installed (tools/setup.sh installs gnuplot-nox)"
model="$root/examples/mnist/mlp_leaky.pbtxt"
make_data data --train 256 --test 64
flags=(--data data --seed 1 --threads 1 --batch-size 64 --lr 0.05 --epochs 3)
"$nabla" train "$model" "${flags[@]}" --val-split 0.25 --log-every 1 --metrics val.csv >/dev/null 2>&1 ||
  fail "train with --val-split"
"$nabla" train "$model" "${flags[@]}" --eval-test --metrics test.csv >/dev/null 2>&1 ||
  fail "train with --eval-test"

"$nabla" plot val.csv test.csv -o curves.png >plot.out 2>plot.err || fail "plot png: $(cat plot.err)"
[[ $(cat plot.out) == "wrote curves.png (2 run(s))" ]] || fail "plot: $(cat plot.out)"
[[ $(head -c 8 curves.png | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "curves.png is not a PNG"
(( $(stat -c %s curves.png) > 5000 )) || fail "curves.png is only $(stat -c %s curves.png) bytes"
"$nabla" plot val.csv test.csv -o curves.svg --title "two runs" >/dev/null || fail "plot svg"
(( $(stat -c %s curves.svg) > 5000 )) || fail "curves.svg is only $(stat -c %s curves.svg) bytes"
python3 - curves.svg <<'PY' || fail "curves.svg"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()  # well-formed XML
assert root.tag.endswith("svg"), root.tag
text = " ".join(t.strip() for t in root.itertext())
for label in ["two runs", "val.csv train loss", "val.csv val loss", "val.csv train accuracy",
              "val.csv val accuracy", "val.csv step loss", "test.csv test loss",
              "test.csv test accuracy", "epoch", "step"]:
  assert label in text, (label, text[:2000])
# Neither run drew what it did not evaluate.
for absent in ["val.csv test loss", "test.csv val loss", "test.csv step loss"]:
  assert absent not in text, absent
PY
# One run alone, without step rows: two panels.
"$nabla" plot test.csv -o one.png >/dev/null || fail "plot one run"
(( $(stat -c %s one.png) > 5000 )) || fail "one.png is only $(stat -c %s one.png) bytes"
pass "plot writes PNG and SVG learning curves of two runs"

# --- bad input -------------------------------------------------------------------
mkdir out
echo old >out/keep.png
printf 'a,b\n1,2\n' >notmetrics.csv
sed '3s/^\([0-9]*\),[^,]*,/\1,abc,/' val.csv >badnumber.csv
expect_failure 3 "nabla plot: error: missing.csv: no such file" "$nabla" plot missing.csv -o out/keep.png
expect_failure 3 "notmetrics.csv:1: no column 'epoch'" "$nabla" plot val.csv notmetrics.csv -o out/keep.png
expect_failure 3 "badnumber.csv:3: column 'train_loss': 'abc' is not a number" "$nabla" plot badnumber.csv -o out/keep.png
expect_failure 2 "nabla plot: -o must end in .png or .svg, found 'out/x.jpg'" "$nabla" plot val.csv -o out/x.jpg
expect_failure 2 "nabla plot: missing METRICS.csv" "$nabla" plot -o out/x.png
expect_failure 2 "nabla plot: the option '--output' is required" "$nabla" plot val.csv
expect_failure 3 "nabla plot: error: -o: cannot write 'nodir/x.png'" "$nabla" plot val.csv -o nodir/x.png
[[ $(cat out/keep.png) == old && $(ls out) == keep.png ]] || fail "a failed plot touched out/: $(ls out)"
pass "plot names bad files, lines and options, and writes nothing"
