#!/bin/bash
# nabla import and export on bad input, through the real binary: each case
# exits 3 (invalid input) with a first stderr line that says what and
# where, prints nothing on stdout and leaves no file behind. The ONNX files
# are made by make_bad_onnx.py (python3-onnx); the data set by
# cli_make_idx.py, so only python3-onnx comes from set-up.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/onnx/onnx_test_lib.sh"
require_setup onnx
"$py" "$here/make_bad_onnx.py" bad || fail "make_bad_onnx.py"
mkdir out

import_fails() {  # FILE FRAGMENT
  expect_failure 3 "$2" "$nabla" import "$1" -o out/m.pbtxt --weights out/m.ckpt
  expect_empty_dir out
  pass "import $(basename "$1"): $(first_stderr_line)"
}

run "$nabla" import bad/ok.onnx -o ok.pbtxt --weights ok.ckpt
[[ $rc == 0 ]] || fail "import of the valid tiny model"
run "$nabla" import bad/ok.onnx -o ok.pb --weights ok2.ckpt
[[ $rc == 0 ]] || fail "import to a binary graph file"
"$nabla" convert ok.pb ok_from_pb.pbtxt >/dev/null && cmp -s ok.pbtxt ok_from_pb.pbtxt ||
  fail "the .pb and .pbtxt imports differ"
# The checkpoint cannot be written: the graph file is not written either.
expect_failure 3 "out/no_such_dir/m.ckpt" \
  "$nabla" import bad/ok.onnx -o out/m.pbtxt --weights out/no_such_dir/m.ckpt
expect_empty_dir out
pass "import writes .pb or .pbtxt, and neither file when one cannot be written"

import_fails bad/random.onnx "bad/random.onnx: not an ONNX model: its 4096 bytes do not parse as onnx.ModelProto"
import_fails bad/opset18.onnx "bad/opset18.onnx: opset 18 is not supported: import reads opsets 11 to 17"
import_fails bad/cycle.onnx "bad/cycle.onnx: the graph has a cycle: node 'add' (Add), node 'relu' (Relu)"
import_fails bad/wrong_size.onnx "bad/wrong_size.onnx: initializer 'w': dims [3, 4] need 12 floats (48 bytes), raw_data has 44 bytes"
import_fails bad/absurd_dims.onnx "bad/absurd_dims.onnx: initializer 'w': dims [1099511627776, 1099511627776]: dim 1099511627776 is out of range"
import_fails bad/dynamic.onnx "bad/dynamic.onnx: graph input 'x': dynamic shape: dim 1 is 'features'"
[[ $(wc -l <"$work/stderr") == 1 ]] || fail "dynamic.onnx: one cause, one line: $(cat "$work/stderr")"
import_fails bad/unsupported.onnx "bad/unsupported.onnx: node 'elu' (Elu): unsupported op Elu"
for line in "bad/unsupported.onnx: node 'leaky' (LeakyRelu): attribute 'mystery' is not supported" \
    "bad/unsupported.onnx: node 'softplus' (Softplus): unsupported op Softplus"; do
  grep -qxF "$line" "$work/stderr" || fail "not listed: $line in $(cat "$work/stderr")"
done
: >empty.onnx
import_fails empty.onnx "empty.onnx: the file is empty, not an ONNX model"
import_fails missing.onnx "missing.onnx: cannot open the ONNX file"

# A real model cut short, at several lengths.
make_data data --train 64 --test 16
run "$nabla" train "$root/examples/mnist/mlp_leaky.pbtxt" --data data --epochs 1 --save leaky.ckpt
[[ $rc == 0 ]] || fail "train"
run "$nabla" export "$root/examples/mnist/mlp_leaky.pbtxt" --weights leaky.ckpt -o leaky.onnx
[[ $rc == 0 ]] || fail "export"
size=$(stat -c %s leaky.onnx)
for keep in 1 100 $((size / 2)) $((size - 1)); do
  head -c "$keep" leaky.onnx >cut.onnx
  expect_failure 3 "cut.onnx: " "$nabla" import cut.onnx -o out/m.pbtxt --weights out/m.ckpt
  expect_empty_dir out
done
pass "import of leaky.onnx cut to 1, 100, $((size / 2)) and $((size - 1)) of $size bytes: exit 3"

# Usage errors: exit 2.
run "$nabla" import bad/ok.onnx --weights out/m.ckpt
[[ $rc == 2 ]] || fail "import without -o: exit $rc, expected 2"
run "$nabla" import bad/ok.onnx -o out/m.ckpt --weights out/m.ckpt
[[ $rc == 2 ]] || fail "import with -o = --weights: exit $rc, expected 2"
run "$nabla" export "$root/examples/mnist/mlp_leaky.pbtxt" -o out/m.onnx
[[ $rc == 2 ]] || fail "export without --weights: exit $rc, expected 2"
expect_empty_dir out
pass "usage errors exit 2"

# Export refuses what it cannot write, and writes nothing.
expect_failure 3 "leaky.ckpt (model 'MNISTNetwork'): the checkpoint was saved from a different model" \
  "$nabla" export "$root/examples/mnist/mlp_prelu.pbtxt" --weights leaky.ckpt -o out/m.onnx
expect_failure 3 "no_such_dir/m.onnx" \
  "$nabla" export "$root/examples/mnist/mlp_leaky.pbtxt" --weights leaky.ckpt -o no_such_dir/m.onnx
plugin="$root/plugins/swish/libswish.so"
cat >swish.pbtxt <<'PBEOF'
format_version: 1
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "fc1" op: "Linear" inputs: "image"
        attrs { key: "in_features" value { i: 784 } } attrs { key: "out_features" value { i: 8 } } }
nodes { name: "act1" op: "Swish" inputs: "fc1" }
nodes { name: "act2" op: "Swish" inputs: "act1" }
nodes { name: "fc2" op: "Linear" inputs: "act2"
        attrs { key: "in_features" value { i: 8 } } attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc2" inputs: "label" }
outputs: "fc2"
loss: "loss"
PBEOF
run "$nabla" train swish.pbtxt --plugin "$plugin" --data data --epochs 1 --save swish.ckpt
[[ $rc == 0 ]] || fail "train swish"
expect_failure 3 "swish.pbtxt: node 'act1' (Swish): op Swish (plugin $plugin) has no ONNX form" \
  "$nabla" export swish.pbtxt --plugin "$plugin" --weights swish.ckpt -o out/m.onnx
grep -qxF "swish.pbtxt: node 'act2' (Swish): op Swish (plugin $plugin) has no ONNX form" "$work/stderr" ||
  fail "act2 not listed: $(cat "$work/stderr")"
grep -qF "swish.pbtxt: export supports the nabla ops Add, AvgPool2D, BatchNorm, Concat, Conv2D, Dropout, " "$work/stderr" ||
  fail "the supported ops are not listed: $(cat "$work/stderr")"
expect_empty_dir out
pass "export refuses a checkpoint of another model, a missing directory and plugin ops (each Swish node listed)"
