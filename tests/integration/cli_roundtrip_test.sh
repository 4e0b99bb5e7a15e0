#!/bin/bash
# Round trips through the real `nabla` binary, each step in a new process:
#   graph files   text -> binary -> text gives the same text (and binary);
#   checkpoints   binary -> text -> binary gives the same bytes;
#   train -> save -> eval gives the end-of-training test loss and accuracy,
#   and loading the checkpoint into a freshly loaded model and saving it
#   again gives the same file.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

# --- Graph files ------------------------------------------------------------
for graph in "$root"/examples/mnist/*.pbtxt; do
  name=$(basename "$graph" .pbtxt)
  "$nabla" convert "$graph" "$name.canonical.pbtxt" >/dev/null || fail "convert $graph to text"
  "$nabla" convert "$graph" "$name.pb" >/dev/null || fail "convert $graph to binary"
  "$nabla" convert "$name.pb" "$name.back.pbtxt" >/dev/null || fail "convert $name.pb to text"
  cmp "$name.canonical.pbtxt" "$name.back.pbtxt" ||
    fail "$name: text -> binary -> text differs from the file's own text form"
  "$nabla" convert "$name.back.pbtxt" "$name.back.pb" >/dev/null || fail "convert back to binary"
  cmp "$name.pb" "$name.back.pb" || fail "$name: binary -> text -> binary changed the bytes"
  if grep -q '^format_version' "$name.pb"; then fail "$name.pb is not binary"; fi
  # The same network whichever form it is read from.
  "$nabla" describe "$graph" >"$name.describe" || fail "describe $graph"
  for form in "$name.pb" "$name.back.pbtxt"; do
    "$nabla" describe "$form" | cmp - "$name.describe" || fail "describe $form differs"
  done
  pass "graph round trip: $name"
done

# A text graph that is not valid is not converted, and nothing is written.
sed 's/op: "LeakyReLU"/op: "LeakyRelu"/' "$root/examples/mnist/mlp_leaky.pbtxt" >typo.pbtxt
mkdir graph_out
expect_failure 3 "nabla convert: error: typo.pbtxt:" "$nabla" convert typo.pbtxt graph_out/typo.pb
expect_failure 3 "Close names: LeakyReLU." "$nabla" convert typo.pbtxt graph_out/typo.pbtxt
expect_empty_dir graph_out

# --- Train, save, checkpoint round trip --------------------------------------
make_data data
model="$root/examples/mnist/mlp_leaky.pbtxt"
# --eval-test: the checkpoint's last test metrics are what eval must match.
train_flags=(--data data --seed 5 --threads 1 --batch-size 48 --lr 0.05 --eval-test)
"$nabla" train "$model" "${train_flags[@]}" --epochs 2 --save run.ckpt >train.out 2>train.err ||
  fail "train: $(cat train.err)"
[[ $(grep -c '^epoch ' train.out) == 2 ]] || fail "expected two epoch lines: $(cat train.out)"
[[ $(head -c 8 run.ckpt) == NABLACKP ]] || fail "run.ckpt is not a binary checkpoint"

"$nabla" convert run.ckpt run.ckpt.txt >/dev/null || fail "convert run.ckpt to text"
grep -q '^  name: "fc1.weight"$' run.ckpt.txt || fail "no fc1.weight in the text form"
grep -q '^  name: "optimizer/fc1.weight/0"$' run.ckpt.txt || fail "no momentum buffer in the text form"
"$nabla" convert run.ckpt.txt back.ckpt >/dev/null || fail "convert run.ckpt.txt to binary"
cmp run.ckpt back.ckpt || fail "checkpoint binary -> text -> binary changed the bytes"
"$nabla" convert back.ckpt back.ckpt.pbtxt >/dev/null || fail "convert to .ckpt.pbtxt"
cmp run.ckpt.txt back.ckpt.pbtxt || fail "text forms of the round-tripped checkpoint differ"
pass "checkpoint round trip: binary -> text -> binary is byte-identical"

# --- Eval in a fresh process = the end-of-training evaluation ----------------
# The header keeps the last epoch's test metrics at full double precision;
# eval --json prints %.6f of the same doubles when the weights and the
# evaluation are bit-identical.
read -r want_loss want_accuracy < <(last_test_metrics run.ckpt.txt)
[[ -n "$want_accuracy" ]] || fail "no metrics in the checkpoint header"
eval_flags=(--data data --threads 1)
"$nabla" eval "$model" --weights run.ckpt "${eval_flags[@]}" --json >eval.json 2>eval.err ||
  fail "eval: $(cat eval.err)"
want="{\"accuracy\": $want_accuracy, \"loss\": $want_loss, \"samples\": 128, \"split\": \"test\"}"
[[ $(cat eval.json) == "$want" ]] || fail "eval --json: $(cat eval.json), expected $want"
[[ ! -s eval.err ]] || fail "eval wrote to stderr: $(cat eval.err)"
[[ "$want_accuracy" != 1.000000 && "$want_accuracy" != 0.000000 ]] ||
  fail "accuracy $want_accuracy: the data set no longer tells runs apart"
pass "eval --json equals the last epoch's test metrics: $(cat eval.json)"

# The human-readable line prints the same numbers as the last epoch line.
"$nabla" eval "$model" --weights run.ckpt "${eval_flags[@]}" >eval.txt || fail "eval (text)"
read -r train_loss train_accuracy < <(tail -n 1 train.out |
  sed -E 's/.*test_loss ([^ ]+)  test_acc ([^ ]+).*/\1 \2/')
expect_contains "$(cat eval.txt)" "test: loss $train_loss  accuracy $train_accuracy  (128 samples of data)" \
  "eval line vs the last epoch line '$(tail -n 1 train.out)'"

# Same answer from the round-tripped checkpoint, from the binary graph file,
# and from a second process.
"$nabla" convert "$model" mlp_leaky.pb >/dev/null || fail "convert model to binary"
for variant in "$model --weights back.ckpt" "mlp_leaky.pb --weights run.ckpt" \
    "$model --weights run.ckpt"; do
  # shellcheck disable=SC2086  # $variant is two words on purpose
  "$nabla" eval $variant "${eval_flags[@]}" --json | cmp - eval.json ||
    fail "eval $variant gives another result"
done
pass "eval agrees across checkpoint forms, graph forms and processes"

# The train split has 512 samples.
"$nabla" eval "$model" --weights run.ckpt "${eval_flags[@]}" --json --split train >train_split.json ||
  fail "eval --split train"
expect_contains "$(cat train_split.json)" '"samples": 512, "split": "train"' "eval --split train"

# --- Load into a fresh model, save again: the same file ---------------------
# --resume with --epochs already reached loads the checkpoint (weights,
# optimiser, generator, data position, metrics) into a newly loaded model,
# trains nothing, and saves.
"$nabla" train "$model" "${train_flags[@]}" --epochs 2 --resume run.ckpt --save again.ckpt \
  >again.out 2>again.err || fail "resume at the last epoch: $(cat again.err)"
[[ ! -s again.out ]] || fail "resume at the last epoch trained: $(cat again.out)"
expect_contains "$(cat again.err)" "resumed from run.ckpt at epoch 2, step 22" "resume message"
cmp run.ckpt again.ckpt || fail "load -> save in a new process changed the checkpoint"
pass "load into a fresh model -> save is byte-identical"

# A model with different weights gives a different answer (the checks above
# can fail).
"$nabla" train "$model" "${train_flags[@]}" --epochs 1 --save one.ckpt >/dev/null 2>&1 ||
  fail "train 1 epoch"
"$nabla" eval "$model" --weights one.ckpt "${eval_flags[@]}" --json >one.json || fail "eval one.ckpt"
if cmp -s one.json eval.json; then fail "1 and 2 epochs give the same evaluation"; fi
tensor_section "$(ckpt_text one.ckpt)" >one.tensors
tensor_section run.ckpt.txt >run.tensors
if cmp -s one.tensors run.tensors; then fail "1 and 2 epochs give the same tensors"; fi

echo PASS
