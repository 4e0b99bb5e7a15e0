#!/bin/bash
# The Swish plugin (plugins/swish) through the CLI: `ops --plugin` lists it
# with its origin; examples/swish/mlp_swish.pbtxt trains, saves, evaluates in
# a new process and resumes with --plugin; without --plugin every command
# that reads the graph refuses it and says why; `check` accepts it with
# --plugin.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

plugin="$root/plugins/swish/libswish.so"
model="$root/examples/swish/mlp_swish.pbtxt"
[[ -f "$plugin" ]] || fail "no $plugin"
make_data data
mkdir out

# --- nabla ops ------------------------------------------------------------------
"$nabla" ops --plugin "$plugin" >ops.txt || fail "ops --plugin"
grep -qxF "Swish  [plugin $plugin]" ops.txt || fail "Swish with origin 'plugin $plugin' not listed: $(grep Swish ops.txt)"
sed -n '/^Swish  /,/^[A-Z]/p' ops.txt >swish.txt
grep -qxF "  attr num_parameters: int = 1, > 0  -- 1: one beta for the layer; C: one per channel (input dim 1)" swish.txt ||
  fail "Swish's num_parameters attribute: $(cat swish.txt)"
grep -q "^  param beta .*no weight decay$" swish.txt || fail "Swish's beta parameter: $(cat swish.txt)"
# Loading one library twice loads it once.
"$nabla" ops --plugin "$plugin" --plugin "$plugin" | cmp - ops.txt || fail "--plugin twice changes the listing"
"$nabla" ops >builtin_ops.txt || fail "ops"
if grep -q '^Swish ' builtin_ops.txt; then fail "Swish listed without --plugin"; fi
# Apart from Swish's entry, the listing is the built-in one.
sed '/^Swish  /,/^[A-Z]/{/^Swish  /d;/^  /d}' ops.txt | cmp - builtin_ops.txt ||
  fail "ops --plugin should list the built-in ops, unchanged, plus Swish"
pass "ops --plugin lists Swish as 'plugin $plugin'"

# --- describe, convert ------------------------------------------------------------
"$nabla" describe "$model" --plugin "$plugin" >describe.txt || fail "describe --plugin"
grep -q '^    (act1): Swish (num_parameters=256, init=1) *output \[?, 256\] *params 256$' describe.txt ||
  fail "describe: $(cat describe.txt)"
grep -qxF "Total parameters: 203,786" describe.txt || fail "describe: $(cat describe.txt)"
"$nabla" convert "$model" --plugin "$plugin" out_swish.pb >/dev/null || fail "convert --plugin"
"$nabla" describe out_swish.pb --plugin "$plugin" | cmp - describe.txt || fail "describe of the .pb differs"

# --- Train, save, eval in a new process ---------------------------------------
flags=(--data data --seed 2 --threads 1 --batch-size 64 --lr 0.05 --eval-test)
"$nabla" train "$model" --plugin "$plugin" "${flags[@]}" --epochs 2 --save swish.ckpt \
  --track act1.beta --metrics metrics.csv >train.out 2>train.err || fail "train: $(cat train.err)"
[[ $(grep -c '^epoch ' train.out) == 2 ]] || fail "train: $(cat train.out)"
grep -q '^epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,val_loss,val_accuracy,lr,step,row,act1.beta,diverged_at$' metrics.csv ||
  fail "metrics.csv: $(cat metrics.csv)"
# beta learns: its mean moves away from its initial 1.
python3 - metrics.csv <<'EOF' || fail "act1.beta did not move: $(cat metrics.csv)"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert abs(float(rows[-1]["act1.beta"]) - 1.0) > 1e-6, rows
EOF
ckpt_text swish.ckpt >/dev/null  # no plugin needed: a checkpoint is data
grep -q '^  name: "act1.beta"$' swish.ckpt.txt || fail "no act1.beta in the checkpoint"
read -r want_loss want_accuracy < <(last_test_metrics swish.ckpt.txt)
"$nabla" eval "$model" --plugin "$plugin" --weights swish.ckpt --data data --threads 1 --json \
  >eval.json 2>eval.err || fail "eval --plugin: $(cat eval.err)"
want="{\"accuracy\": $want_accuracy, \"loss\": $want_loss, \"samples\": 128, \"split\": \"test\"}"
[[ $(cat eval.json) == "$want" ]] || fail "eval --json: $(cat eval.json), expected $want"
# The binary graph file with the same weights: the same result.
"$nabla" eval out_swish.pb --plugin "$plugin" --weights swish.ckpt --data data --threads 1 --json |
  cmp - eval.json || fail "eval of the .pb graph differs"
pass "train -> save -> eval with the plugin: $(cat eval.json)"

# Resume with the plugin: 1 epoch + 1 == 2 straight (beta and its momentum
# buffer included).
"$nabla" train "$model" --plugin "$plugin" "${flags[@]}" --epochs 1 --save one.ckpt \
  >/dev/null 2>&1 || fail "train 1 epoch"
"$nabla" train "$model" --plugin "$plugin" "${flags[@]}" --epochs 2 --resume one.ckpt \
  --save resumed.ckpt >/dev/null 2>resume.err || fail "resume: $(cat resume.err)"
tensor_section "$(ckpt_text resumed.ckpt)" >resumed.tensors
tensor_section swish.ckpt.txt >swish.tensors
grep -q '^  name: "optimizer/act1.beta/0"$' swish.tensors || fail "no momentum buffer for act1.beta"
cmp swish.tensors resumed.tensors || fail "resumed Swish run differs from 2 epochs straight"
pass "resume with the plugin is bit-identical"

# --- Without --plugin --------------------------------------------------------------
not_registered="mlp_swish.pbtxt:27:3: node 'act1': op 'Swish' is not registered; no plugin is loaded - did you forget --plugin?"
expect_failure 3 "nabla eval: error: $model" \
  "$nabla" eval "$model" --weights swish.ckpt --data data
expect_contains "$(first_stderr_line)" "$not_registered" "eval without --plugin"
expect_failure 3 "nabla train: error: $model" \
  "$nabla" train "$model" --data data --epochs 1 --save out/x.ckpt
expect_contains "$(first_stderr_line)" "$not_registered" "train without --plugin"
expect_failure 3 "nabla describe: error: $model" "$nabla" describe "$model"
expect_contains "$(first_stderr_line)" "$not_registered" "describe without --plugin"
expect_failure 3 "nabla convert: error: $model" "$nabla" convert "$model" out/x.pb
expect_contains "$(first_stderr_line)" "$not_registered" "convert without --plugin"
expect_failure 3 "nabla eval: error: out_swish.pb: " \
  "$nabla" eval out_swish.pb --weights swish.ckpt --data data
expect_contains "$(first_stderr_line)" "op 'Swish' is not registered" "binary graph without --plugin"
# With the plugin loaded, a misspelt op names the loaded plugins and the
# close name.
sed 's/op: "Swish"/op: "Swishy"/' "$model" >swishy.pbtxt
expect_failure 3 "nabla describe: error: swishy.pbtxt:27:3: node 'act1': op 'Swishy' is not registered; no loaded plugin provides it (loaded: $plugin) - did you forget --plugin? Close names: Swish." \
  "$nabla" describe swishy.pbtxt --plugin "$plugin"
expect_empty_dir out
pass "without --plugin the Swish graph is refused with a hint"

# --- check ------------------------------------------------------------------------
run "$nabla" check "$model" --plugin "$plugin"
[[ $rc == 0 && "$(cat "$work/stdout")" == "$model: OK (4 nodes)" ]] ||
  fail "check --plugin: exit $rc: $(cat "$work/stdout")"
run "$nabla" check "$model"
[[ $rc == 3 ]] || fail "check without --plugin: exit $rc"
expect_contains "$(cat "$work/stdout")" "$not_registered" "check without --plugin"
run "$nabla" check "$model" --json
grep -q '"kind": "unknown_op", .*"node": "act1"' "$work/stdout" ||
  fail "check --json without --plugin: $(cat "$work/stdout")"
expect_empty_dir out
pass "check takes --plugin, and without it names the unknown op"

echo PASS
