#!/bin/bash
# Issue 12's classes of hostile input through the real binary: each case
# asserts the exit code, the first stderr line (what and where), an empty
# stdout, and that nothing was written (out/ stays empty, no temporary).
#   crashes and hangs: wrapping shapes, outputs with fewer rows than the
#     batch, broken plugins, quadratic validation, endless files;
#   accepted silently: non-UTF-8 names, unchecked options, NaN weights,
#     colliding paths, unknown convert targets, empty --partial, NaN JSON;
#   lost work: bad output paths refused before the first step, stale
#     temporaries removed;
#   unclear messages: unfed loss inputs, empty/directory checkpoints,
#     divergence naming its flags.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"
plugins="$root/plugins/testing"
make_data data --train 64 --test 16
"$nabla" train "$model" --data data --epochs 1 --batch-size 32 --threads 1 --save valid.ckpt \
  >/dev/null 2>train.err || fail "train: $(cat train.err)"
mkdir out
train_args=(--data data --epochs 1 --batch-size 32 --threads 1 --save out/x.ckpt --metrics out/x.csv)

# --- Element and byte counts that wrap -----------------------------------------
for command in describe train; do
  args=()
  [[ "$command" == train ]] && args=("${train_args[@]}")
  expect_failure 3 "nabla $command: error: " "$nabla" "$command" "$model" "${args[@]}" \
    --set fc1.out_features=4611686018427387904
  expect_contains "$(first_stderr_line)" \
    "node 'fc1' (Linear): parameter 'weight': shape [4611686018427387904, 784] has more elements than 64 bits can count" \
    "2^62 out_features"
done
# Fits in 64 bits but not in this machine: refused before allocating.
expect_failure 3 "nabla describe: error: " "$nabla" describe "$model" --set fc1.out_features=1099511627776
expect_contains "$(first_stderr_line)" "parameter 'weight': shape [1099511627776, 784] of float32 needs 3448068464705536 bytes, more than this machine's" \
  "a parameter larger than memory"
# A Reshape whose product wraps to exactly the input's 784 elements.
cat >wrap.pbtxt <<'PB'
format_version: 1
name: "Wrap"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
nodes { name: "r" op: "Reshape" inputs: "image"
        attrs { key: "shape" value { ints { values: 0 values: 4611686018427388100 values: 4 } } } }
nodes { name: "act" op: "ReLU" inputs: "r" }
outputs: "act"
PB
expect_failure 3 "nabla describe: error: wrap.pbtxt:" "$nabla" describe wrap.pbtxt
expect_contains "$(cat "$work/stderr")" \
  "node 'r' (Reshape): shape mismatch: reshape target: 4611686018427388100 x 4 overflows 64 bits; no machine can hold it" \
  "wrapping Reshape"
expect_empty_dir out
pass "wrapping element counts are refused before anything is allocated"

# --- eval on an output with fewer rows than the batch --------------------------
# The declared output is fc3 reshaped to [?, 20]: half a row per label.
python3 - "$model" <<'PY' >half_rows.pbtxt
import sys
text = open(sys.argv[1]).read()
text = text.replace('outputs: "fc3"',
    'nodes { name: "half" op: "Reshape" inputs: "fc3" attrs { key: "shape" value { ints { values: -1 values: 20 } } } }\noutputs: "half"')
print(text)
PY
grep -q 'outputs: "half"' half_rows.pbtxt || fail "making half_rows.pbtxt"
# (--partial: the extra node changes the fingerprint, not the weights.)
expect_failure 3 "nabla eval: partial load:" \
  "$nabla" eval half_rows.pbtxt --weights valid.ckpt --data data --partial
expect_contains "$(grep 'error' "$work/stderr")" \
  "nabla eval: error: model 'MNISTNetwork': output 'half' has shape [8, 20] for a batch of 16 labels; a classifier's output must be [batch, 20]" \
  "output rows checked against the labels"
pass "eval checks the output rows against the labels"

# --- Plugins: untrusted files and results ---------------------------------------
head -c 3000 "$root/plugins/swish/libswish.so" >truncated.so
expect_failure 5 "nabla ops: error: cannot load plugin 'truncated.so': not a valid shared library: truncated" \
  "$nabla" ops --plugin truncated.so
head -c 40 "$root/plugins/swish/libswish.so" >header_only.so
expect_failure 5 "nabla ops: error: cannot load plugin 'header_only.so': not a valid shared library: truncated: 40 bytes, the ELF header alone needs 64" \
  "$nabla" ops --plugin header_only.so
expect_failure 5 "nabla ops: error: cannot load plugin '$plugins/libdata_entry_point.so': it exports nabla_plugin_info as a data object" \
  "$nabla" ops --plugin "$plugins/libdata_entry_point.so"
# Ops whose shape function or kernel misbehaves outside their own samples.
bad_op_graph() {  # OP ATTRS
  cat <<PB
format_version: 1
name: "Bad"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "b" op: "$1" inputs: "image" $2 }
nodes { name: "fc" op: "Linear" inputs: "b" attrs { key: "in_features" value { i: 784 } } attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: ["fc", "label"] }
outputs: "fc"
loss: "loss"
PB
}
bad_op_graph BadShapes 'attrs { key: "count" value { i: 0 } }' >no_shapes.pbtxt
bad_op_graph BadShapes 'attrs { key: "count" value { i: 2 } }' >two_shapes.pbtxt
bad_op_graph BadShapes 'attrs { key: "throw_int" value { b: true } }' >shape_throws.pbtxt
bad_op_graph ThrowingKernel '' >kernel_throws.pbtxt
misbehaving="$plugins/libmisbehaving.so"
expect_failure 3 "nabla describe: error: no_shapes.pbtxt:5:1: node 'b' (BadShapes): its shape function returned 0 shape(s) for 1 output(s) (y)" \
  "$nabla" describe no_shapes.pbtxt --plugin "$misbehaving"
expect_failure 3 "nabla describe: error: two_shapes.pbtxt:5:1: node 'b' (BadShapes): its shape function returned 2 shape(s) for 1 output(s) (y)" \
  "$nabla" describe two_shapes.pbtxt --plugin "$misbehaving"
expect_failure 3 "nabla describe: error: shape_throws.pbtxt:5:1: node 'b' (BadShapes): its shape function threw an exception that is not a std::exception" \
  "$nabla" describe shape_throws.pbtxt --plugin "$misbehaving"
expect_failure 5 "nabla train: Bad (7850 parameters)" \
  "$nabla" train kernel_throws.pbtxt --plugin "$misbehaving" "${train_args[@]}"
expect_contains "$(tail -n 1 "$work/stderr")" \
  "nabla train: error: an exception that is not a std::exception escaped (from a plugin's op kernel?)" \
  "a kernel that throws an int"
expect_empty_dir out
pass "broken plugin files and misbehaving plugin ops are errors, not crashes"

# --- Validation stays linear -----------------------------------------------------
# 25,000 nodes, each using the next one (every input a forward reference),
# and a 100,000-character misspelt name.
python3 - <<'PY'
n = 25000
with open("reversed.pbtxt", "w") as f:
    f.write('format_version: 1\nname: "Big"\n')
    f.write('inputs { name: "image" shape { dims: -1 dims: 4 } dtype: "float32" }\n')
    for i in range(n):
        src = "n%d" % (i + 1) if i + 1 < n else "image"
        f.write('nodes { name: "n%d" op: "ReLU" inputs: "%s" }\n' % (i, src))
    f.write('outputs: "n0"\n')
with open("long_name.pbtxt", "w") as f:
    f.write('format_version: 1\nname: "Big"\n')
    f.write('inputs { name: "image" shape { dims: -1 dims: 4 } dtype: "float32" }\n')
    for i in range(n):
        f.write('nodes { name: "n%d" op: "ReLU" inputs: "%s" }\n' % (i, "image" if i == 0 else "n%d" % (i - 1)))
    f.write('nodes { name: "x" op: "ReLU" inputs: "%s" }\n' % ("n" * 100000))
    f.write('outputs: "%s"\n' % ("m" * 100000))
PY
for file in reversed.pbtxt long_name.pbtxt; do
  start=$(date +%s%N)
  expect_failure 3 "nabla describe: error: $file:" timeout 60 "$nabla" describe "$file"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  ((ms < 10000)) || fail "$file took $ms ms to validate"
  pass "$file: $(wc -l <"$work/stderr") problem line(s) in $ms ms"
done
expect_contains "$(first_stderr_line)" "node 'x' input 0: unknown input 'nnnnnnnnnn" "long name"

# --- Readers that would read without bound ---------------------------------------
expect_failure 3 "nabla describe: error: /dev/zero: more than 67108864 bytes, the limit for a graph file" \
  "$nabla" describe /dev/zero
ln -s /dev/zero zero.ckpt.txt
expect_failure 3 "nabla eval: error: zero.ckpt.txt: more than 1073741824 bytes, the limit for a text checkpoint" \
  "$nabla" eval "$model" --weights zero.ckpt.txt --data data
pass "endless inputs are cut off"

# --- Non-UTF-8 names ---------------------------------------------------------------
printf '%s' "$(cat "$model")" | sed 's/name: "act1"/name: "act\xff1"/; s/inputs: "act1"/inputs: "act\xff1"/' >latin1.pbtxt
grep -q $'act\xff1' latin1.pbtxt || fail "making latin1.pbtxt"
expect_failure 3 "nabla train: error: latin1.pbtxt:" "$nabla" train latin1.pbtxt "${train_args[@]}"
expect_contains "$(cat "$work/stderr")" "node name 'act\\xff1' is not valid UTF-8" "non-UTF-8 node name"
sed 's/name: "MNISTNetwork"/name: "MNIST\xc3\x28"/' "$model" >badname.pbtxt
expect_failure 3 "nabla describe: error: badname.pbtxt:" "$nabla" describe badname.pbtxt
expect_contains "$(cat "$work/stderr")" "model name 'MNIST\\xc3(' is not valid UTF-8" "non-UTF-8 model name"
# The binary form too, and libprotobuf's own log lines stay out of stderr.
python3 - "$model" <<'PY'
import sys
# A ModelDef with format_version 1 and a node whose name is b"\xff":
# field 1 varint, field 4 (nodes) { field 1 (name) }.
node = b"\x0a\x01\xff\x12\x04ReLU"
open("latin1.pb", "wb").write(b"\x08\x01" + b"\x22" + bytes([len(node)]) + node)
PY
expect_failure 3 "nabla describe: error: latin1.pb" "$nabla" describe latin1.pb
if grep -q "libprotobuf" "$work/stderr"; then fail "libprotobuf logged: $(cat "$work/stderr")"; fi
expect_empty_dir out
pass "non-UTF-8 names are refused at load"

# --- Options ------------------------------------------------------------------------
while IFS='|' read -r flags message; do
  base=(--data data --save out/x.ckpt --metrics out/x.csv)
  [[ "$flags" == *--epochs* ]] || base+=(--epochs 1)
  # shellcheck disable=SC2086  # $flags is several words on purpose
  expect_failure 2 "nabla train: $message" "$nabla" train "$model" "${base[@]}" $flags
done <<'CASES'
--lr nan|--lr must be a finite number > 0, found nan
--lr -1|--lr must be a finite number > 0, found -1
--lr inf|--lr must be a finite number > 0, found inf
--momentum 5|--momentum must be in [0, 1), found 5
--weight-decay -1|--weight-decay must be a finite number >= 0, found -1
--epochs -1|--epochs must be in 1..2147483648, found -1
--epochs 0|--epochs must be in 1..2147483648, found 0
--batch-size 0|--batch-size must be in 1..16777216, found 0
--threads=-1|--threads must be in 0..
--threads=1000|--threads must be in 0..
--seed -1|--seed must be a whole number in 0..18446744073709551615, found '-1'
--seed 1e3|--seed must be a whole number in 0..18446744073709551615, found '1e3'
--optimizer sgdd|--optimizer must be sgd or adam, found 'sgdd'
--lr-schedule linear|--lr-schedule must be constant or cosine, found 'linear'
--save-every 0|--save-every must be >= 1 (epochs), found 0
--override-config|--override-config only applies with --resume
CASES
expect_failure 2 "nabla eval: --threads must be in 0.." "$nabla" eval "$model" --weights valid.ckpt --data data --threads 1000
expect_failure 2 "nabla eval: --batch-size must be in 1..16777216, found 0" "$nabla" eval "$model" --weights valid.ckpt --data data --batch-size 0
for value in 0x10 inf nan 1e; do
  expect_failure 3 "nabla train: error: override 'act1.slope=$value': attribute 'slope' of LeakyReLU: expected float, found '$value'" \
    "$nabla" train "$model" "${train_args[@]}" --set "act1.slope=$value"
done
expect_empty_dir out
pass "options are validated before anything runs"

# --- NaN weights are never saved -------------------------------------------------------
# One step of lr 1e300: loss and gradients are finite, the update is not.
expect_failure 4 "nabla train: MNISTNetwork" \
  "$nabla" train "$model" --data data --epochs 1 --batch-size 64 --threads 1 --lr 1e300 --momentum 0 \
  --save out/x.ckpt
expect_contains "$(grep 'error:' "$work/stderr")" "nabla train: error: training diverged: parameter '" \
  "NaN weights after the last update"
expect_contains "$(grep 'error:' "$work/stderr")" \
  "is not finite after epoch 1 (global step 1) (training config: --lr 1e+300" "the message names the flag"
expect_empty_dir out
pass "a run whose weights went non-finite saves nothing"

# --- Paths that collide ----------------------------------------------------------------
cp "$model" mine.pbtxt
expect_failure 2 "nabla train: --save and --metrics name the same file 'out/x.ckpt'" \
  "$nabla" train mine.pbtxt --data data --epochs 1 --save out/x.ckpt --metrics out/./x.ckpt
expect_failure 2 "nabla train: --save 'mine.pbtxt' is the graph file: writing it would destroy it" \
  "$nabla" train mine.pbtxt --data data --epochs 1 --save mine.pbtxt
expect_failure 2 "nabla train: --metrics './mine.pbtxt' is the graph file" \
  "$nabla" train mine.pbtxt --data data --epochs 1 --metrics ./mine.pbtxt
expect_failure 2 "nabla train: --metrics 'valid.ckpt' is --resume" \
  "$nabla" train "$model" --data data --epochs 2 --resume valid.ckpt --metrics valid.ckpt
cmp mine.pbtxt "$model" || fail "the graph file was changed"
# convert: the output's extension must name a format convert writes.
expect_failure 2 "nabla convert: valid.ckpt is a checkpoint, so OUT must end in .ckpt (binary) or .ckpt.txt (text), found 'out/x.pb'" \
  "$nabla" convert valid.ckpt out/x.pb
expect_failure 2 "nabla convert: valid.ckpt is a checkpoint, so OUT must end in .ckpt (binary) or .ckpt.txt (text), found 'out/x.onnx'" \
  "$nabla" convert valid.ckpt out/x.onnx
expect_failure 2 "nabla convert: OUT must end in .pb or .pbtxt (graph files) or .ckpt or .ckpt.txt (checkpoints), found 'out/x.onnx'" \
  "$nabla" convert "$model" out/x.onnx
expect_failure 2 "is not a checkpoint, so OUT cannot be one" "$nabla" convert "$model" out/x.ckpt
expect_empty_dir out
pass "colliding paths and unknown convert targets are refused"

# --- eval --partial that matches nothing, eval --json with a NaN loss ------------------
sed 's/"fc\([0-9]\)"/"dense\1"/g' "$model" >renamed.pbtxt
expect_failure 3 "nabla eval: error: valid.ckpt: --partial matched no tensor of the model" \
  "$nabla" eval renamed.pbtxt --weights valid.ckpt --data data --partial
"$nabla" convert valid.ckpt nan.ckpt.txt >/dev/null
python3 - <<'PY'
import re
text = open("nan.ckpt.txt").read()
head, tensors = text.split("\ntensors {", 1)
tensors = re.sub(r"values: \S+", "values: nan", tensors, count=1)
open("nan.ckpt.txt", "w").write(head + "\ntensors {" + tensors)
PY
"$nabla" eval "$model" --weights nan.ckpt.txt --data data --json >nan.json 2>nan.err ||
  fail "eval --json on NaN weights: $(cat nan.err)"
python3 -c 'import json,sys; v = json.load(open("nan.json")); assert v["loss"] is None, v' ||
  fail "eval --json is not JSON with null for NaN: $(cat nan.json)"
pass "--partial that matches nothing fails; --json stays JSON: $(cat nan.json)"

# --- Output paths are checked before the first step -----------------------------------
start=$(date +%s%N)
expect_failure 3 "nabla train: error: --save: cannot write 'no/such/dir/x.ckpt': cannot create a temporary file in 'no/such/dir': No such file or directory" \
  "$nabla" train "$model" --data data --epochs 1000 --save no/such/dir/x.ckpt --metrics out/m.csv
expect_failure 3 "nabla train: error: --metrics: cannot write 'no/such/dir/m.csv'" \
  "$nabla" train "$model" --data data --epochs 1000 --save out/x.ckpt --metrics no/such/dir/m.csv
expect_failure 2 "nabla train: --save-every needs --save" "$nabla" train "$model" --data data --epochs 1 --save-every 1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
((ms < 10000)) || fail "bad output paths were reported only after $ms ms (1000 epochs?)"
expect_empty_dir out
mkdir out/dir.ckpt
expect_failure 3 "nabla train: error: --save: cannot write 'out/dir.ckpt': it is a directory" \
  "$nabla" train "$model" --data data --epochs 1 --save out/dir.ckpt
rmdir out/dir.ckpt
pass "bad output paths are refused before training ($ms ms for three)"

# --- Stale temporaries of our own naming are removed on the next write ----------------
mkdir stale
head -c 100000 /dev/urandom >stale/x.ckpt.tmp-4194000-0      # a pid that does not run
echo keep >stale/x.ckpt.tmp-notours
sleep 30 & live=$!
echo live >"stale/x.ckpt.tmp-$live-0"                         # a writer still running
"$nabla" train "$model" --data data --epochs 1 --batch-size 32 --threads 1 --save stale/x.ckpt \
  >/dev/null 2>stale.err || fail "train into stale/: $(cat stale.err)"
kill "$live"
[[ ! -e stale/x.ckpt.tmp-4194000-0 ]] || fail "a dead process's temporary was left"
[[ -e stale/x.ckpt.tmp-notours && -e "stale/x.ckpt.tmp-$live-0" ]] ||
  fail "a file that is not a stale temporary was removed: $(ls stale)"
pass "stale temporaries removed, others kept: $(ls stale | tr '\n' ' ')"

# --- Messages that say what and where ------------------------------------------------
# A loss that needs an input the trainer does not feed.
sed 's/inputs { name: "label"/inputs { name: "weight" shape { dims: 1 } dtype: "float32" }\ninputs { name: "label"/; s/outputs: "fc3"/nodes { name: "weighted" op: "Mul" inputs: ["loss", "weight"] }\noutputs: "fc3"/' \
  "$model" >unfed.pbtxt
sed -i 's/loss: "loss"/loss: "weighted"/' unfed.pbtxt
if "$nabla" describe unfed.pbtxt >/dev/null 2>unfed.err; then
  expect_failure 3 "nabla train: MNISTNetwork" "$nabla" train unfed.pbtxt "${train_args[@]}"
  expect_contains "$(grep 'error:' "$work/stderr")" \
    "nabla train: error: model 'MNISTNetwork': loss 'weighted' cannot be computed from the inputs the trainer feeds ('image' and 'label')" \
    "a loss on an unfed input"
  pass "unfed loss input: $(first_stderr_line)"
else
  fail "the unfed-input model does not load: $(head -n 3 unfed.err)"
fi
: >empty.ckpt.txt
expect_failure 3 "nabla eval: error: empty.ckpt.txt: empty file, not a text checkpoint" \
  "$nabla" eval "$model" --weights empty.ckpt.txt --data data
mkdir dir.ckpt.txt dir.ckpt
expect_failure 3 "nabla eval: error: dir.ckpt.txt: is a directory, expected a text checkpoint" \
  "$nabla" eval "$model" --weights dir.ckpt.txt --data data
expect_failure 3 "nabla eval: error: dir.ckpt is not a regular file" \
  "$nabla" eval "$model" --weights dir.ckpt --data data
expect_empty_dir out
pass "unclear messages now say what and where"

echo PASS
