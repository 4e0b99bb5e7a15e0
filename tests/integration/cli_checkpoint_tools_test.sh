#!/bin/bash
# Checkpoint tools: `nabla inspect` (text and --json, checked against the
# checkpoint's own text form) and `nabla convert --weights-only` (smaller,
# evaluates the same, refuses to resume); bad input to both.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

model="$root/examples/mnist/mlp_leaky.pbtxt"
make_data data
"$nabla" train "$model" --data data --seed 3 --threads 1 --batch-size 64 --lr 0.05 --epochs 2 \
  --save run.ckpt --optimizer adam --eval-test >train.out 2>train.err || fail "train: $(cat train.err)"
ckpt_text run.ckpt >/dev/null

# --- inspect --json against the checkpoint -----------------------------------------
"$nabla" inspect run.ckpt --json >inspect.json 2>inspect.err || fail "inspect --json: $(cat inspect.err)"
[[ ! -s inspect.err ]] || fail "inspect --json wrote to stderr: $(cat inspect.err)"
PYTHONPATH="$root/tests/integration" python3 - inspect.json run.ckpt.txt <<'PY' || fail "inspect --json does not match the checkpoint"
import json, math, struct, sys
from cli_checkpoint_text import load, one

got = json.load(open(sys.argv[1]))          # parses, or the test fails here
text = load(sys.argv[2])
header = text["header"][0]

def f32(x):
  return struct.unpack("f", struct.pack("f", x))[0]

assert got["form"] == "binary" and got["format_version"] == 1, got["form"]
assert got["model_name"] == one(header, "model_name"), got["model_name"]
assert got["model_fingerprint"] == one(header, "model_fingerprint") != "", got["model_fingerprint"]
assert got["epoch"] == one(header, "epoch") == 2, got["epoch"]
assert got["step"] == one(header, "step") > 2, got["step"]
assert [n["name"] for n in got["nodes"]] == [one(n, "name") for n in header["nodes"]]
assert [n["params"] for n in got["nodes"]] == [n.get("params", []) for n in header["nodes"]]

config = header["config"][0]
assert got["config"]["optimizer"] == "adam" == one(config, "optimizer")
for key in ("lr", "batch_size", "seed", "epochs", "lr_schedule", "momentum", "weight_decay"):
  want = one(config, key, 0 if key != "lr_schedule" else "")
  assert got["config"][key] == want, (key, got["config"][key], want)
assert got["config"]["overrides"] == [], got["config"]["overrides"]

assert len(got["metrics"]) == len(header["metrics"]) == 2
for g, m in zip(got["metrics"], header["metrics"]):
  for key in ("epoch", "train_loss", "test_loss", "test_accuracy"):
    assert g[key] == one(m, key, 0), (key, g[key], one(m, key))

# Every tensor of the file, in file order, with its kind and statistics.
tensors = text["tensors"]
assert [t["name"] for t in got["tensors"]] == [one(t, "name") for t in tensors]
kinds = [t["kind"] for t in got["tensors"]]
assert kinds.count("parameter") == 6 and kinds.count("optimizer") == 12, kinds
for g, t in zip(got["tensors"], tensors):
  dims = t["shape"][0].get("dims", [])
  values = t.get("values", [])
  assert g["shape"] == dims and g["dtype"] == "float32", (g["name"], g["shape"], dims)
  assert g["size"] == len(values) == math.prod(dims), g["name"]
  assert g["kind"] == ("optimizer" if g["name"].startswith("optimizer/") else "parameter")
  # The text form prints each float in the shortest form that reads back to it.
  values = [f32(v) for v in values]
  assert f32(g["min"]) == min(values) and f32(g["max"]) == max(values), g["name"]
  mean = math.fsum(values) / len(values)
  assert abs(g["mean"] - mean) <= 1e-9 * max(1.0, abs(mean)), (g["name"], g["mean"], mean)
print("inspect --json matches: %d tensors" % len(tensors))
PY
pass "inspect --json parses and matches the checkpoint"

# The text listing: the same file read in either form gives the same tensors.
"$nabla" inspect run.ckpt >inspect.txt || fail "inspect"
grep -qxF "epoch 2, step $(python3 -c 'import json; print(json.load(open("inspect.json"))["step"])')" inspect.txt ||
  fail "inspect: epoch and step: $(head -n 4 inspect.txt)"
grep -q '^parameter tensors: 6, 886,110 values$' inspect.txt || fail "inspect: $(cat inspect.txt)"
grep -q '^optimizer tensors: 12, 1,772,220 values$' inspect.txt || fail "inspect: $(cat inspect.txt)"
grep -Eq '^  fc1.weight +\[1000, 784\] +float32 ' inspect.txt || fail "inspect: $(cat inspect.txt)"
grep -q '^  optimizer: adam$' inspect.txt || fail "inspect: config: $(cat inspect.txt)"
"$nabla" inspect run.ckpt.txt >inspect_text_form.txt || fail "inspect of the text form"
diff <(sed 1d inspect.txt) <(sed 1d inspect_text_form.txt) || fail "inspect differs between the binary and text forms"
pass "inspect lists every tensor by kind, in either form"

# --- convert --weights-only ----------------------------------------------------
"$nabla" convert run.ckpt weights.ckpt --weights-only >/dev/null || fail "convert --weights-only"
full=$(stat -c %s run.ckpt)
small=$(stat -c %s weights.ckpt)
# Adam keeps two buffers per parameter: the weights are about a third.
(( small * 3 < full + 4096 && small * 3 > full - 4096 )) || fail "weights-only $small bytes, full $full bytes"
"$nabla" inspect weights.ckpt --json >weights.json || fail "inspect weights.ckpt"
python3 - inspect.json weights.json <<'PY' || fail "weights-only kept something other than the parameters"
import json, sys
full, weights = (json.load(open(p)) for p in sys.argv[1:])
assert [t for t in weights["tensors"]] == [t for t in full["tensors"] if t["kind"] == "parameter"]
for key in ("model_fingerprint", "epoch", "step", "config", "metrics", "nodes"):
  assert weights[key] == full[key], key
PY
for ckpt in run.ckpt weights.ckpt; do
  "$nabla" eval "$model" --weights "$ckpt" --data data --threads 1 --json >"$ckpt.eval" ||
    fail "eval $ckpt"
done
cmp run.ckpt.eval weights.ckpt.eval || fail "eval differs: $(cat run.ckpt.eval) vs $(cat weights.ckpt.eval)"
# The text form too.
"$nabla" convert run.ckpt weights.ckpt.txt --weights-only >/dev/null || fail "convert --weights-only to text"
if grep -q '"optimizer/' weights.ckpt.txt; then fail "optimizer tensors in weights.ckpt.txt"; fi
"$nabla" eval "$model" --weights weights.ckpt.txt --data data --threads 1 --json | cmp - run.ckpt.eval ||
  fail "eval of weights.ckpt.txt differs"
mkdir resume_out
expect_failure 3 "weights.ckpt: cannot resume from it: it holds no optimiser state" \
  "$nabla" train "$model" --data data --threads 1 --resume weights.ckpt --epochs 3 --save resume_out/x.ckpt
expect_empty_dir resume_out
pass "convert --weights-only: $small of $full bytes, evaluates the same, refuses to resume"

# --- op state (BatchNorm's running statistics) ----------------------------------
"$nabla" train "$root/examples/mnist/cnn_bn.pbtxt" --data data --epochs 1 --batch-size 128 \
  --threads 1 --save bn.ckpt >/dev/null 2>bn.err || fail "train cnn_bn: $(cat bn.err)"
"$nabla" inspect bn.ckpt --json >bn.json || fail "inspect bn.ckpt"
"$nabla" convert bn.ckpt bn_weights.ckpt --weights-only >/dev/null || fail "convert --weights-only bn"
"$nabla" inspect bn_weights.ckpt --json >bn_weights.json || fail "inspect bn_weights.ckpt"
python3 - bn.json bn_weights.json <<'PY' || fail "state tensors: $(head -c 2000 bn.json)"
import json, sys
full, weights = (json.load(open(p)) for p in sys.argv[1:])
state = [t for t in full["tensors"] if t["kind"] == "state"]
assert len(state) == 10 and all(t["name"].startswith("state/bn") for t in state), state
assert {t["name"] for t in state} >= {"state/bn1.running_mean", "state/bn1.running_var"}
assert all(not t["name"].startswith("state/") for t in full["tensors"] if t["kind"] != "state")
# A running variance that trained away from its initial 1.
var = [t for t in state if t["name"] == "state/bn1.running_var"][0]
assert var["min"] > 0 and var["max"] < 1, var
assert [t for t in weights["tensors"]] == [t for t in full["tensors"] if t["kind"] != "optimizer"]
PY
grep -q '^state tensors: 10, ' <("$nabla" inspect bn.ckpt) || fail "inspect lists no state group"
for ckpt in bn.ckpt bn_weights.ckpt; do
  "$nabla" eval "$root/examples/mnist/cnn_bn.pbtxt" --weights "$ckpt" --data data --threads 1 --json \
    >"$ckpt.eval" || fail "eval $ckpt"
done
cmp bn.ckpt.eval bn_weights.ckpt.eval || fail "weights-only BatchNorm eval differs"
pass "inspect lists op state as its own kind; --weights-only keeps it and evaluates the same"

# --- bad input -------------------------------------------------------------------
mkdir out
head -c 100000 run.ckpt >out/truncated.ckpt
expect_failure 3 "nabla inspect: error: out/truncated.ckpt" "$nabla" inspect out/truncated.ckpt
expect_failure 3 "nabla inspect: error: missing.ckpt" "$nabla" inspect missing.ckpt
expect_failure 2 "nabla inspect: missing checkpoint" "$nabla" inspect
expect_failure 2 "nabla inspect: unrecognised option '--bogus'" "$nabla" inspect run.ckpt --bogus
rm out/truncated.ckpt
head -c 100000 run.ckpt >truncated.ckpt
expect_failure 3 "nabla convert: error: truncated.ckpt" "$nabla" convert truncated.ckpt out/w.ckpt --weights-only
expect_failure 2 "--weights-only is for checkpoints" "$nabla" convert "$model" out/m.pb --weights-only
expect_empty_dir out
pass "inspect and convert --weights-only refuse bad input and write nothing"
