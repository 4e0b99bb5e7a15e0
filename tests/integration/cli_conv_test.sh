#!/bin/bash
# Conv nets through the real binary (issue 11):
#  1. a conv net with BatchNorm (running statistics are op state, saved as
#     state/<node>.running_mean and .running_var) trained with --augment
#     for 2 epochs straight, and for 1 epoch then --resume to 2, gives
#     bit-identical checkpoints (tensors and header; only wall-clock
#     seconds may differ);
#  2. bad --augment values exit 2 naming the bad item;
#  3. graph files with bad conv inputs make `nabla describe` and
#     `nabla train` exit 3 with a message naming the node and both shapes
#     (or, for a bad attribute, the attribute and the value found).
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

make_data data --train 256 --test 64
model="$root/examples/mnist/cnn_bn_small.pbtxt"
# 256 samples in batches of 48: five full batches and a last one of 16.
flags=(--data data --seed 5 --batch-size 48 --lr 0.02 --threads 2
       --augment shift=2,rotate=10,scale=0.1)

# --- 1. resume is bit-exact with BatchNorm state and augmentation ----------
"$nabla" train "$model" "${flags[@]}" --epochs 2 --save straight.ckpt \
  >straight.out 2>straight.err || fail "2 epochs: $(cat straight.err)"
"$nabla" train "$model" "${flags[@]}" --epochs 1 --save half.ckpt \
  >half.out 2>half.err || fail "1 epoch: $(cat half.err)"
"$nabla" train "$model" "${flags[@]}" --epochs 2 --resume half.ckpt --save resumed.ckpt \
  >resumed.out 2>resumed.err || fail "resume: $(cat resumed.err)"
expect_contains "$(cat resumed.err)" "resumed from half.ckpt at epoch 1, step 6" "resume message"

straight=$(ckpt_text straight.ckpt)
tensor_section "$straight" >straight.tensors
tensor_section "$(ckpt_text resumed.ckpt)" >resumed.tensors
tensor_section "$(ckpt_text half.ckpt)" >half.tensors
grep -q '^  name: "state/bn1.running_mean"$' straight.tensors ||
  fail "no BatchNorm running mean in the checkpoint: $(grep '^  name:' straight.tensors | head -20)"
grep -q '^  name: "state/bn2.running_var"$' straight.tensors ||
  fail "no BatchNorm running variance in the checkpoint"
grep -q 'shift=2,rotate=10,scale=0.1' "$straight" || fail "--augment not in the training config"
cmp straight.tensors resumed.tensors || fail "1 epoch + --resume 1 epoch differs from 2 epochs"
diff <(header_section straight.ckpt.txt) <(header_section resumed.ckpt.txt) ||
  fail "resumed checkpoint header differs from 2 epochs straight"
# The comparison can fail: the second epoch changes the tensors, the
# running statistics among them.
if cmp -s half.tensors straight.tensors; then fail "1 and 2 epochs give the same tensors"; fi
diff <(sed -n '/"state\/bn1.running_mean"/,/^}/p' half.tensors) \
  <(sed -n '/"state\/bn1.running_mean"/,/^}/p' straight.tensors) >/dev/null &&
  fail "running mean of bn1 did not change in epoch 2"
# Augmentation changes what is trained on: without it the weights differ.
noaug=("${flags[@]:0:${#flags[@]}-2}")
"$nabla" train "$model" "${noaug[@]}" --epochs 1 --save noaug.ckpt >/dev/null 2>noaug.err ||
  fail "1 epoch without --augment: $(cat noaug.err)"
if cmp -s half.tensors <(tensor_section "$(ckpt_text noaug.ckpt)"); then
  fail "--augment had no effect on the weights"
fi
pass "conv net with BatchNorm and --augment: 1 epoch + --resume == 2 epochs, bit for bit"

# --- 2. bad --augment values -----------------------------------------------
bad_augment() {
  local value="$1" fragment="$2"
  expect_failure 2 "$fragment" "$nabla" train "$model" --data data --epochs 1 --augment "$value"
  expect_contains "$(first_stderr_line)" "--augment" "names the flag"
}
bad_augment "shift=2,blur=1" "item 'blur=1': unknown key 'blur'"
bad_augment "shift=-1" "item 'shift=-1'"
bad_augment "rotate=-5" "item 'rotate=-5'"
bad_augment "rotate=abc" "item 'rotate=abc': 'abc' is not a finite number"
bad_augment "scale=0.1x" "item 'scale=0.1x'"
bad_augment "scale=nan" "item 'scale=nan'"
bad_augment "shift" "item 'shift' is not KEY=VALUE"
pass "bad --augment values exit 2 naming the item"

# --- 3. graph files with bad conv inputs -----------------------------------
# A template: image [?, 1, H, H] -> conv1 (CIN -> 8, kernel K, padding P,
# stride S) -> bn1 (NF) -> pool (kernel PK) -> GlobalAvgPool -> Linear 8->10.
cat >template.pbtxt <<'EOF'
format_version: 1
name: "BadConv"
inputs { name: "image" shape { dims: -1 dims: 1 dims: @H dims: @H } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes {
  name: "conv1" op: "Conv2D" inputs: "image"
  attrs { key: "in_channels" value { i: @CIN } }
  attrs { key: "out_channels" value { i: 8 } }
  attrs { key: "kernel_size" value { ints { values: @K } } }
  attrs { key: "padding" value { ints { values: @P } } }
  attrs { key: "stride" value { ints { values: @S } } }
}
nodes { name: "bn1" op: "BatchNorm" inputs: "conv1" attrs { key: "num_features" value { i: @NF } } }
nodes { name: "pool" op: "MaxPool2D" inputs: "bn1" attrs { key: "kernel_size" value { ints { values: @PK } } } }
nodes { name: "gap" op: "GlobalAvgPool" inputs: "pool" }
nodes { name: "flatten" op: "Flatten" inputs: "gap" }
nodes {
  name: "fc" op: "Linear" inputs: "flatten"
  attrs { key: "in_features" value { i: 8 } }
  attrs { key: "out_features" value { i: 10 } }
}
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc" inputs: "label" }
outputs: "fc"
loss: "loss"
EOF
# make_graph NAME H CIN K P S NF PK
make_graph() {
  sed -e "s/@H/$2/g; s/@CIN/$3/; s/@K/$4/; s/@PK/$8/; s/@P/$5/; s/@S/$6/; s/@NF/$7/" \
    template.pbtxt >"$1.pbtxt"
}
make_graph good 28 1 3 1 1 8 2
run "$nabla" describe good.pbtxt
[[ "$rc" == 0 ]] || fail "the template's good graph should load"
expect_contains "$(cat stdout)" "output [?, 8, 14, 14]" "the good graph's pool shape"

# bad_graph NAME LINE FRAGMENT...: describe and train both exit 3; the first
# stderr line names the file and line and holds every fragment.
bad_graph() {
  local name="$1" line="$2"
  shift 2
  local cmd message
  for cmd in describe train; do
    if [[ "$cmd" == describe ]]; then
      expect_failure 3 "$name.pbtxt:$line:" "$nabla" describe "$name.pbtxt"
    else
      expect_failure 3 "$name.pbtxt:$line:" "$nabla" train "$name.pbtxt" --data data --epochs 1
    fi
    message=$(first_stderr_line)
    for fragment in "$@"; do expect_contains "$message" "$fragment" "$cmd $name"; done
  done
  pass "$name: $message"
}
make_graph kernel_too_big 4 1 7 1 1 8 2
bad_graph kernel_too_big 5 "node 'conv1' (Conv2D)" "kernel 7x7" "weight [8, 1, 7, 7]" \
  "padded input 6x6" "input [?, 1, 4, 4]"
make_graph channel_mismatch 28 3 3 1 1 8 2
bad_graph channel_mismatch 5 "node 'conv1' (Conv2D)" "input [?, 1, 28, 28]" \
  "weight [8, 3, 3, 3]" "in_channels 3"
make_graph negative_padding 28 1 3 -1 1 8 2
bad_graph negative_padding 10 "node 'conv1' (Conv2D)" "attribute 'padding'" ">= 0" "found [-1]"
make_graph stride_zero 28 1 3 1 0 8 2
bad_graph stride_zero 11 "node 'conv1' (Conv2D)" "attribute 'stride'" ">= 1" "found [0]"
make_graph bn_channels 28 1 3 1 1 16 2
bad_graph bn_channels 13 "node 'bn1' (BatchNorm)" "input [?, 8, 28, 28]" "weight [16]" \
  "num_features 16"
make_graph pool_too_big 4 1 3 1 1 8 5
bad_graph pool_too_big 14 "node 'pool' (MaxPool2D)" "kernel 5x5" "input [?, 8, 4, 4]"
echo PASS
