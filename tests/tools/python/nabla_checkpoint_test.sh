#!/bin/bash
# tools/python/nabla_checkpoint.py: reads binary and text checkpoints into
# numpy arrays (the CRCs verified), a numpy forward pass from them matches
# `nabla eval`, and the PyTorch state_dict loads strictly into a
# Sequential of the same layout that computes the same logits. Debian's
# python3 (numpy, protobuf, torch), not whatever python3 is first on PATH.
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/integration/cli_test_lib.sh"

py=/usr/bin/python3
"$py" -c 'import numpy, google.protobuf' 2>/dev/null ||
  fail "$py lacks numpy or protobuf (tools/setup.sh installs python3-numpy python3-protobuf)"
tool="$root/tools/python/nabla_checkpoint.py"
export PYTHONPATH="$root:$root/tools/python"
make_data data --train 384 --test 200
for name in mlp_leaky mlp_prelu; do
  "$nabla" train "$root/examples/mnist/$name.pbtxt" --data data --seed 2 --threads 1 --batch-size 64 \
    --lr 0.05 --epochs 2 --save "$name.ckpt" >/dev/null 2>&1 || fail "train $name"
  "$nabla" eval "$root/examples/mnist/$name.pbtxt" --weights "$name.ckpt" --data data --threads 1 \
    --json >"$name.eval.json" || fail "eval $name"
  "$nabla" inspect "$name.ckpt" --json >"$name.inspect.json" || fail "inspect $name"
  ckpt_text "$name.ckpt" >/dev/null
done

# --- numpy: both forms, and a forward pass that matches eval ---------------------
"$py" - <<'PY' || fail "numpy reader"
import json, math
import numpy as np
import nabla_checkpoint as nc

images = np.frombuffer(open("data/t10k-images-idx3-ubyte", "rb").read()[16:], np.uint8)
labels = np.frombuffer(open("data/t10k-labels-idx1-ubyte", "rb").read()[8:], np.uint8)
x0 = images.reshape(len(labels), 784).astype(np.float64) / 255.0  # nabla's only scaling

def forward(ckpt, x):
  for node in ckpt.header.nodes:
    p = lambda n: ckpt.params[node.name + "." + n].astype(np.float64)
    attrs = dict(a.split("=", 1) for a in node.attrs.split(", ")) if node.attrs else {}
    if node.op == "Linear":
      x = x @ p("weight").T + p("bias")
    elif node.op == "LeakyReLU":
      x = np.where(x > 0, x, float(attrs["slope"]) * x)
    elif node.op == "PReLU":
      x = np.where(x > 0, x, p("slope") * x)
    elif node.op == "SoftmaxCrossEntropy":
      continue
    else:
      raise AssertionError("no numpy forward for " + node.op)
  return x

for name in ("mlp_leaky", "mlp_prelu"):
  ckpt = nc.read(name + ".ckpt")
  text = nc.read(name + ".ckpt.txt")
  inspect = json.load(open(name + ".inspect.json"))
  assert list(ckpt.params) == [t["name"] for t in inspect["tensors"] if t["kind"] == "parameter"]
  assert list(ckpt.optimizer) == [t["name"] for t in inspect["tensors"] if t["kind"] == "optimizer"]
  assert ckpt.header.epoch == inspect["epoch"] == 2 and ckpt.header.step == inspect["step"]
  assert ckpt.header.model_fingerprint == inspect["model_fingerprint"]
  for k, v in ckpt.params.items():
    assert v.dtype == np.float32 and list(v.shape) == [t for t in inspect["tensors"] if t["name"] == k][0]["shape"]
    assert np.array_equal(v, text.params[k]), k  # both forms, bit for bit
  # NaN test metrics (no --eval-test) never compare equal as values: compare bytes.
  assert text.header.SerializeToString(deterministic=True) == ckpt.header.SerializeToString(deterministic=True)
  logits = forward(ckpt, x0)
  shifted = logits - logits.max(axis=1, keepdims=True)
  log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
  loss = -log_probs[np.arange(len(labels)), labels].mean()
  accuracy = (logits.argmax(axis=1) == labels).mean()
  want = json.load(open(name + ".eval.json"))
  assert want["samples"] == len(labels)
  assert "%.6f" % accuracy == "%.6f" % want["accuracy"], (name, accuracy, want)
  assert abs(loss - want["loss"]) < 5e-6, (name, loss, want)  # eval prints 6 decimals
  assert 0 < accuracy < 1
  print("%s: numpy loss %.6f accuracy %.6f; nabla eval %s" % (name, loss, accuracy, want))
np.save("x.npy", x0)
PY
pass "numpy forward pass from the reader matches nabla eval (mlp_leaky, mlp_prelu)"

# --- PyTorch ---------------------------------------------------------------------
if "$py" -c 'import torch' 2>/dev/null; then
  for name_count in mlp_leaky:6 mlp_prelu:8; do
    name=${name_count%:*}
    "$py" "$tool" "$name.ckpt" --torch "$name.pt" >"$name.tool.out" || fail "--torch $name"
    expect_contains "$(tail -n 1 "$name.tool.out")" "wrote $name.pt (${name_count#*:} tensors)" "--torch summary"
  done
  # Shared by the checks below: a net's logits on the test images give
  # nabla eval's accuracy (to 6 digits) and loss (to 1e-5).
  cat >torch_check.py <<'PY'
import json
import torch

def matches_eval(name, net, x, labels):
  net.eval()
  with torch.no_grad():
    logits = net(x)
  want = json.load(open(name + ".eval.json"))
  accuracy = (logits.argmax(dim=1) == labels).double().mean().item()
  loss = torch.nn.functional.cross_entropy(logits.double(), labels).item()
  assert "%.6f" % accuracy == "%.6f" % want["accuracy"], (name, accuracy, want)
  assert abs(loss - want["loss"]) < 1e-5, (name, loss, want)
  print("%s: torch loss %.6f accuracy %.6f; nabla eval %s" % (name, loss, accuracy, want))
PY
  "$py" - <<'PY' || fail "PyTorch state_dict"
import numpy as np
import torch
import nabla_checkpoint as nc
from torch_check import matches_eval

x = torch.from_numpy(np.load("x.npy").astype(np.float32))
labels = torch.from_numpy(np.frombuffer(open("data/t10k-labels-idx1-ubyte", "rb").read()[8:], np.uint8).astype(np.int64))
for name, keys in (("mlp_leaky", ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]),
                   ("mlp_prelu", ["0.weight", "0.bias", "1.weight", "2.weight", "2.bias", "3.weight"])):
  ckpt = nc.read(name + ".ckpt")
  state = torch.load(name + ".pt")
  assert sorted(state) == sorted(keys + (["4.weight", "4.bias"] if name == "mlp_prelu" else [])), sorted(state)
  net = nc.torch_sequential(ckpt)
  net.load_state_dict(state, strict=True)
  matches_eval(name, net, x, labels)
PY
  pass "the PyTorch state_dict loads strictly into the Sequential and matches nabla eval"

  # Conv nets: Conv2D (with and without bias, [kh, kw] pairs, "same"
  # padding, dilation), BatchNorm over images and over features with its
  # running statistics, max, average and global average pooling.
  cat >convs.pbtxt <<'PB'
format_version: 1
name: "Convs"
inputs { name: "image" shape { dims: -1 dims: 1 dims: 28 dims: 28 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "c1" op: "Conv2D" inputs: "image" attrs { key: "in_channels" value { i: 1 } }
        attrs { key: "out_channels" value { i: 4 } } attrs { key: "kernel_size" value { ints { values: 3 values: 5 } } }
        attrs { key: "padding" value { ints { values: 1 values: 2 } } } }
nodes { name: "bn1" op: "BatchNorm" inputs: "c1" attrs { key: "num_features" value { i: 4 } } }
nodes { name: "r1" op: "ReLU" inputs: "bn1" }
nodes { name: "p1" op: "AvgPool2D" inputs: "r1" attrs { key: "kernel_size" value { ints { values: 3 } } }
        attrs { key: "stride" value { ints { values: 2 } } } attrs { key: "padding" value { ints { values: 1 } } } }
nodes { name: "c2" op: "Conv2D" inputs: "p1" attrs { key: "in_channels" value { i: 4 } }
        attrs { key: "out_channels" value { i: 6 } } attrs { key: "kernel_size" value { ints { values: 3 } } }
        attrs { key: "dilation" value { ints { values: 2 } } } attrs { key: "pad_mode" value { s: "same" } }
        attrs { key: "bias" value { b: false } } }
nodes { name: "p2" op: "MaxPool2D" inputs: "c2" attrs { key: "kernel_size" value { ints { values: 2 } } } }
nodes { name: "gap" op: "GlobalAvgPool" inputs: "p2" }
nodes { name: "bn2" op: "BatchNorm" inputs: "gap" attrs { key: "num_features" value { i: 6 } } }
nodes { name: "fc" op: "Linear" inputs: "bn2" attrs { key: "in_features" value { i: 6 } }
        attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc" inputs: "label" }
outputs: "fc"
loss: "loss"
PB
  for graph in convs.pbtxt "$root/examples/mnist/cnn_bn_fashion.pbtxt"; do
    name=$(basename "$graph" .pbtxt)
    "$nabla" train "$graph" --data data --seed 3 --threads 1 --batch-size 64 --lr 0.05 \
      --epochs 2 --save "$name.ckpt" >/dev/null 2>"$name.err" || fail "train $name: $(cat "$name.err")"
    "$nabla" eval "$graph" --weights "$name.ckpt" --data data --threads 1 --json \
      >"$name.eval.json" || fail "eval $name"
    "$py" "$tool" "$name.ckpt" --torch "$name.pt" >/dev/null || fail "--torch $name"
  done
  "$py" - <<'PY' || fail "PyTorch state_dict of conv nets"
import numpy as np
import torch
import nabla_checkpoint as nc
from torch_check import matches_eval

x = torch.from_numpy(np.load("x.npy").astype(np.float32).reshape(-1, 1, 28, 28))
labels = torch.from_numpy(np.frombuffer(open("data/t10k-labels-idx1-ubyte", "rb").read()[8:], np.uint8).astype(np.int64))
for name, bn2d, bn1d in (("convs", 1, 1), ("cnn_bn_fashion", 2, 1)):
  ckpt = nc.read(name + ".ckpt")
  state = torch.load(name + ".pt")
  net = nc.torch_sequential(ckpt)
  net.load_state_dict(state, strict=True)  # every key, running statistics included
  kinds = [type(m).__name__ for m in net]
  assert kinds.count("BatchNorm2d") == bn2d and kinds.count("BatchNorm1d") == bn1d, kinds
  for key, value in state.items():
    if key.endswith("running_var"):
      assert not torch.equal(value, torch.ones_like(value)), key + " was never updated"
    if key.endswith("num_batches_tracked"):
      assert value.item() == ckpt.header.step > 0, (key, value)
  if name == "convs":
    assert net[0].bias is not None and net[4].bias is None and net[4].padding == "same", net
    assert net[0].kernel_size == (3, 5) and net[4].dilation == (2, 2), net
    assert "4.bias" not in state  # nabla's empty bias has no PyTorch name
  matches_eval(name, net, x, labels)
PY
  pass "conv nets' state_dicts (BatchNorm statistics included) load strictly and match nabla eval"
else
  echo "note: $py has no torch; the state_dict checks are skipped"
fi

# --- the CRCs and other damage -------------------------------------------------------
mkdir out
damage() {  # damage IN OUT OFFSET: flips one byte
  cp "$1" "$2"
  "$py" -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xFF]))' "$2" "$3"
}
size=$(stat -c %s mlp_leaky.ckpt)
damage mlp_leaky.ckpt data_flip.ckpt $((size / 3))     # inside fc1.weight's values
damage mlp_leaky.ckpt header_flip.ckpt 20              # inside the header
head -c $((size - 100)) mlp_leaky.ckpt >truncated.ckpt
for bad in data_flip header_flip truncated; do
  "$nabla" inspect "$bad.ckpt" >/dev/null 2>"$bad.nabla.err" && fail "nabla read $bad.ckpt"
done
check_bad() {
  local file="$1" fragment="$2"
  if "$py" "$tool" "$file" --torch out/x.pt >"$file.out" 2>"$file.err"; then rc=0; else rc=$?; fi
  [[ "$rc" == 3 ]] || fail "$file: exit $rc, expected 3: $(cat "$file.err")"
  expect_contains "$(head -n 1 "$file.err")" "$fragment" "$file"
}
check_bad data_flip.ckpt "nabla_checkpoint: error: data_flip.ckpt: at byte"
check_bad data_flip.ckpt "tensor 'fc1.weight': data CRC mismatch"
check_bad header_flip.ckpt "header CRC mismatch"
check_bad truncated.ckpt "truncated: "
check_bad missing.ckpt "missing.ckpt: no such checkpoint file"
printf 'NOTACKPT' >notackpt.ckpt
check_bad notackpt.ckpt "not a nabla checkpoint"
expect_empty_dir out
pass "damaged, truncated and foreign files are refused with where and what; nothing written"

# --- without Bazel's generated module: protoc from the checkout ----------------------
PYTHONPATH="$root/tools/python" "$py" -c '
import sys, nabla_checkpoint as nc
c = nc.read(sys.argv[1])
assert "proto" in sys.modules and "nabla-pb2-" in sys.modules["proto.checkpoint_pb2"].__file__
assert list(c.params)[0] == "fc1.weight"
' mlp_leaky.ckpt || fail "the reader without //proto:protos_py"
pass "the reader generates its protobuf module with protoc when none is on the path"
