#!/bin/bash
# Bad input through the CLI: damaged and mismatched checkpoints, unknown ops
# and overrides, missing or partial data, command-line mistakes and plugins
# that cannot be loaded. Each case asserts the exit code (tools/cli/common.h:
# 2 usage, 3 invalid input, 5 plugin), the first stderr line, an empty
# stdout, and that no output file (nor a temporary one) was written.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"
make_data data --train 64 --test 16
"$nabla" train "$model" --data data --epochs 1 --batch-size 32 --threads 1 --save valid.ckpt \
  >/dev/null 2>train.err || fail "train: $(cat train.err)"
mkdir out  # every failing command below is pointed at out/, which must stay empty

# --- Damaged checkpoints, made from the valid one ---------------------------
size=$(stat -c %s valid.ckpt)
python3 - valid.ckpt <<'EOF' || fail "making damaged checkpoints"
import random, sys
valid = open(sys.argv[1], "rb").read()
rng = random.Random(20)
def write(name, data):
  open(name, "wb").write(data)
def flip(at):
  data = bytearray(valid)
  data[at] ^= 0xFF
  return bytes(data)
write("truncated.ckpt", valid[:1000])           # inside fc1.weight's data
write("truncated_trailer.ckpt", valid[:-1])     # one byte of the trailer CRC gone
write("empty.ckpt", b"")
write("random.ckpt", bytes(rng.randrange(256) for _ in range(4096)).replace(b"N", b"n"))
write("magic_then_random.ckpt", b"NABLACKP" + bytes(rng.randrange(256) for _ in range(4096)))
write("flipped_magic.ckpt", flip(0))
write("flipped_header.ckpt", flip(12))
write("flipped_data.ckpt", flip(5000))  # a float of fc1.weight, the first tensor
write("trailing_garbage.ckpt", valid + b"\0")
EOF

# eval CKPT must fail with exit 3 and FRAGMENT in its first stderr line.
expect_bad_checkpoint() {
  local ckpt="$1" fragment="$2"
  expect_failure 3 "nabla eval: error: $ckpt" "$nabla" eval "$model" --weights "$ckpt" --data data
  expect_contains "$(first_stderr_line)" "$fragment" "eval --weights $ckpt"
  # convert reads it the same way and writes nothing.
  expect_failure 3 "nabla convert: error: $ckpt" "$nabla" convert "$ckpt" out/x.ckpt.txt
  expect_contains "$(first_stderr_line)" "$fragment" "convert $ckpt"
  expect_empty_dir out
  pass "damaged checkpoint $ckpt: $(first_stderr_line)"
}
expect_bad_checkpoint truncated.ckpt "truncated: tensor 'fc1.weight' needs"
expect_bad_checkpoint truncated_trailer.ckpt "truncated: the trailer CRC needs 4 bytes, 3 remain"
expect_bad_checkpoint empty.ckpt "empty file, not a nabla checkpoint"
expect_bad_checkpoint random.ckpt 'is not a nabla checkpoint (magic "'
expect_bad_checkpoint magic_then_random.ckpt "at byte 8: "
expect_bad_checkpoint flipped_magic.ckpt 'is not a nabla checkpoint (magic "\xb1ABLACKP", expected "NABLACKP")'
expect_bad_checkpoint flipped_header.ckpt "header CRC mismatch"
expect_bad_checkpoint flipped_data.ckpt "tensor 'fc1.weight': CRC-32 mismatch"
expect_bad_checkpoint trailing_garbage.ckpt "at byte $size: 1 bytes of trailing data after the end of the checkpoint"
expect_bad_checkpoint missing.ckpt "missing.ckpt: no such checkpoint file"

# A valid checkpoint of another model: strict loading lists every node that
# differs; the first line says what happened.
mismatch="valid.ckpt (model 'MNISTNetwork'): the checkpoint was saved from a different model:"
expect_failure 3 "nabla eval: error: $mismatch" \
  "$nabla" eval "$root/examples/mnist/mlp_prelu.pbtxt" --weights valid.ckpt --data data
expect_contains "$(cat "$work/stderr")" "node 'act1': op LeakyReLU in the checkpoint, PReLU in the model" \
  "mismatch details"
expect_contains "$(cat "$work/stderr")" "node 'act2': op LeakyReLU in the checkpoint, PReLU in the model" \
  "mismatch details"
expect_failure 3 "nabla eval: error: $mismatch" \
  "$nabla" eval "$model" --set act1.slope=0.2 --weights valid.ckpt --data data
expect_contains "$(cat "$work/stderr")" "node 'act1'" "attribute mismatch names the node"
expect_failure 3 "nabla eval: error: valid.ckpt" \
  "$nabla" eval "$root/examples/mnist/deep_prelu.pbtxt" --weights valid.ckpt --data data
# eval reads the text form of a checkpoint too, with the same result; a
# damaged one names the file, line and column.
"$nabla" convert valid.ckpt valid.ckpt.txt >/dev/null || fail "convert valid.ckpt"
from_binary=$("$nabla" eval "$model" --weights valid.ckpt --data data) || fail "eval valid.ckpt"
from_text=$("$nabla" eval "$model" --weights valid.ckpt.txt --data data) || fail "eval valid.ckpt.txt"
[[ "$from_text" == "$from_binary" ]] || fail "eval: text checkpoint gave '$from_text', binary '$from_binary'"
sed '3s/$/ }}/' valid.ckpt.txt >broken.ckpt.txt
expect_failure 3 "nabla eval: error: broken.ckpt.txt: not a text checkpoint" \
  "$nabla" eval "$model" --weights broken.ckpt.txt --data data
expect_contains "$(cat "$work/stderr")" "broken.ckpt.txt:3:" "text checkpoint error names the line"
# A file that is neither form.
expect_failure 3 "mlp_leaky.pbtxt is not a nabla checkpoint" \
  "$nabla" eval "$model" --weights "$model" --data data
pass "checkpoints of other models are refused"

# --- Graph files and overrides ----------------------------------------------
sed 's/op: "LeakyReLU"/op: "LeakyRelu"/' "$model" >typo.pbtxt
for args in "describe" "train --data data --epochs 1 --save out/x.ckpt"; do
  command=${args%% *}
  # shellcheck disable=SC2086  # $args is several words on purpose
  expect_failure 3 "nabla $command: error: typo.pbtxt:" "$nabla" $args typo.pbtxt
  expect_contains "$(first_stderr_line)" \
    "node 'act1': op 'LeakyRelu' is not registered; no plugin is loaded - did you forget --plugin? Close names: LeakyReLU." \
    "unknown op"
done
expect_failure 3 "nabla describe: error: no-such-model.pbtxt" "$nabla" describe no-such-model.pbtxt

# describe takes no --data; train does, so give both the same overrides.
while IFS='|' read -r override fragment; do
  expect_failure 3 "nabla describe: error: override '$override': $fragment" \
    "$nabla" describe "$model" --set "$override"
  expect_failure 3 "nabla train: error: override '$override': $fragment" \
    "$nabla" train "$model" --set "$override" --data data --epochs 1 --save out/x.ckpt
done <<'EOF'
act9.slope=1|no node 'act9' (close names: act1, act2)
act1.slop=1|op LeakyReLU has no attribute 'slop' (it has: slope)
act1.slope=abc|attribute 'slope' of LeakyReLU: expected float, found 'abc'
garbage|expected NODE.ATTR=VALUE, e.g. act1.slope=0.2
EOF
# An override that breaks a constraint is reported like the same mistake
# in the file.
expect_failure 3 "nabla describe: error: " "$nabla" describe "$model" --set fc1.out_features=0
expect_contains "$(first_stderr_line)" "node 'fc1' (Linear): attribute 'out_features': expected a value > 0, found 0" \
  "constraint via --set"
expect_empty_dir out
pass "unknown ops and bad overrides"

# --- Data ---------------------------------------------------------------------
expect_failure 3 "nabla train: error: data directory 'no/such/dir' does not exist" \
  "$nabla" train "$model" --data no/such/dir --epochs 1 --save out/x.ckpt
expect_failure 3 "nabla train: error: unknown dataset 'nosuchset': not a directory and not one of the known names: fashion-mnist, mnist, mnist-digits" \
  "$nabla" train "$model" --data nosuchset --epochs 1 --save out/x.ckpt
expect_failure 3 "nabla eval: error: data directory 'no/such/dir' does not exist" \
  "$nabla" eval "$model" --weights valid.ckpt --data no/such/dir

# Only the test split: train says what is missing, eval --split test works.
mkdir testonly
cp data/t10k-* testonly/
expect_failure 3 "nabla train: error: no training split in testonly: expected train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]" \
  "$nabla" train "$model" --data testonly --epochs 1 --save out/x.ckpt
"$nabla" eval "$model" --weights valid.ckpt --data testonly --split test --json >testonly.json ||
  fail "eval --split test on a test-only directory"
expect_contains "$(cat testonly.json)" '"samples": 16, "split": "test"' "eval on the test split"
"$nabla" eval "$model" --weights valid.ckpt --data data --split test --json | cmp - testonly.json ||
  fail "the test split evaluates differently alone"
expect_failure 3 "nabla eval: error: no training split in testonly" \
  "$nabla" eval "$model" --weights valid.ckpt --data testonly --split train

# Only the training split: train --eval-test goes on without test metrics.
mkdir trainonly
cp data/train-* trainonly/
"$nabla" train "$model" --data trainonly --epochs 1 --batch-size 32 --threads 1 --eval-test \
  >trainonly.out 2>trainonly.err || fail "train without a test split: $(cat trainonly.err)"
expect_contains "$(head -n 1 trainonly.err)" "nabla train: note: trainonly has no test split; test metrics are skipped" \
  "train-only note"

# Half a split, and a damaged IDX file.
mkdir halfsplit
cp data/train-images-idx3-ubyte halfsplit/
expect_failure 3 "nabla train: error: incomplete train split in halfsplit: found halfsplit/train-images-idx3-ubyte but not train-labels-idx1-ubyte[.gz]" \
  "$nabla" train "$model" --data halfsplit --epochs 1 --save out/x.ckpt
mkdir damaged
cp data/* damaged/
head -c 5000 data/train-images-idx3-ubyte >damaged/train-images-idx3-ubyte
expect_failure 3 "nabla train: error: damaged/train-images-idx3-ubyte: truncated: header claims 64 images of 28x28" \
  "$nabla" train "$model" --data damaged --epochs 1 --save out/x.ckpt
expect_empty_dir out
pass "missing, partial and damaged data"

# --- Command-line mistakes: exit code 2 ----------------------------------------
expect_failure 2 "nabla: unknown command 'frobnicate'" "$nabla" frobnicate
expect_contains "$(cat "$work/stderr")" "usage: nabla COMMAND" "usage after an unknown command"
expect_failure 2 "usage: nabla COMMAND [ARGS...]" "$nabla"
expect_failure 2 "nabla train: missing model" "$nabla" train --data data --epochs 1
expect_failure 2 "nabla train: the option '--data' is required but missing" "$nabla" train "$model"
expect_failure 2 "nabla train: the option '--epochs' is required but missing" \
  "$nabla" train "$model" --data data --save out/x.ckpt
expect_failure 2 "nabla train: the argument ('abc') for option '--epochs' is invalid" \
  "$nabla" train "$model" --data data --epochs abc --save out/x.ckpt
expect_failure 2 "nabla train: unrecognised option '--bogus'" \
  "$nabla" train "$model" --data data --epochs 1 --bogus --save out/x.ckpt
expect_failure 2 "nabla describe: missing model" "$nabla" describe
expect_failure 2 "nabla eval: the option '--weights' is required but missing" \
  "$nabla" eval "$model" --data data
expect_failure 2 "nabla eval: --split must be test or train, found 'validation'" \
  "$nabla" eval "$model" --weights valid.ckpt --data data --split validation
expect_failure 2 "nabla convert: missing out" "$nabla" convert valid.ckpt
expect_failure 2 "nabla convert: missing in" "$nabla" convert
expect_empty_dir out
# Asking for help is not a mistake.
"$nabla" help | grep -q '^usage: nabla COMMAND' || fail "nabla help"
"$nabla" train --help | grep -q '^usage: nabla train MODEL --data DATA --epochs N' || fail "train --help"
pass "usage errors"

# --- Plugins that cannot be loaded: exit code 5 ---------------------------------
echo "This is a text file named like a shared library." >out_of_tree_text.so
for command in ops describe train eval; do
  args=()
  case "$command" in
    describe) args=("$model") ;;
    train) args=("$model" --data data --epochs 1 --save out/x.ckpt) ;;
    eval) args=("$model" --weights valid.ckpt --data data) ;;
  esac
  expect_failure 5 "nabla $command: error: cannot load plugin 'no/such/libplugin.so': no such file" \
    "$nabla" "$command" "${args[@]}" --plugin no/such/libplugin.so
  expect_failure 5 "nabla $command: error: cannot load plugin 'out_of_tree_text.so': not a shared library (the file has no ELF header)" \
    "$nabla" "$command" "${args[@]}" --plugin out_of_tree_text.so
done
expect_failure 5 "nabla ops: error: cannot load plugin 'data': it is a directory" "$nabla" ops --plugin data
# A shared library that is not a nabla plugin: the C math library nabla
# itself links against.
libm=$(ldd "$nabla" | awk '$1 ~ /^libm\.so/ { print $3 }')
[[ -f "$libm" ]] || fail "cannot find the libm that nabla links: $(ldd "$nabla")"
expect_failure 5 "nabla ops: error: cannot load plugin '$libm': it does not export nabla_plugin_info(), so it is not a nabla plugin" \
  "$nabla" ops --plugin "$libm"
expect_empty_dir out
pass "plugins that cannot be loaded"

echo PASS
