#!/usr/bin/env python3
"""Reads nabla checkpoints into numpy arrays, and writes PyTorch state_dicts.

    import nabla_checkpoint as nc
    ckpt = nc.read("run.ckpt")          # binary (CRCs verified) or .ckpt.txt
    ckpt.header.epoch, ckpt.header.config.lr
    ckpt.params["fc1.weight"]           # numpy float32, shape (1000, 784)
    ckpt.state, ckpt.optimizer          # "state/bn1.running_mean", "optimizer/fc1.weight/0"
    sd = nc.torch_state_dict(ckpt)      # {"0.weight": tensor, ...}
    net = nc.torch_sequential(ckpt)     # nn.Sequential of the same layout
    net.load_state_dict(sd)

    python3 nabla_checkpoint.py run.ckpt [--torch state_dict.pt] [--npz weights.npz]

The binary layout is train/checkpoint.h's: "NABLACKP", a varint-length
CheckpointHeader and its CRC-32, then per tensor a varint-length
TensorHeader (whose crc32 covers the tensor's bytes) and the raw
little-endian float32 data, then a CRC-32 of every byte but the tensor
data. CRC-32 is zlib's (Boost's crc_32_type is the same polynomial).
Every check that fails raises CheckpointError naming the file, the byte
offset and the tensor.

The protobuf classes come from proto/checkpoint.proto: imported as
`proto.checkpoint_pb2` when on sys.path (Bazel's //proto:protos_py puts
them in the runfiles), otherwise generated with protoc (Debian's
protobuf-compiler) from the checkout this file lives in.

Needs Debian's python3-numpy and python3-protobuf; torch
(python3-torch) only for the state_dict functions.
"""
import argparse
import collections
import importlib
import os
import subprocess
import sys
import tempfile
import zlib

import numpy as np

MAGIC = b"NABLACKP"
OPTIMIZER_PREFIX = "optimizer/"
STATE_PREFIX = "state/"  # op state such as BatchNorm's running statistics
MAX_MESSAGE_BYTES = 64 << 20  # train/checkpoint_format.h


class CheckpointError(Exception):
  pass


def _pb2():
  """The generated checkpoint_pb2 module."""
  try:
    return importlib.import_module("proto.checkpoint_pb2")
  except ImportError:
    pass
  root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  protos = [os.path.join("proto", p) for p in ("model.proto", "checkpoint.proto")]
  if not all(os.path.exists(os.path.join(root, p)) for p in protos):
    raise CheckpointError("cannot find proto/checkpoint.proto beside %s to generate the "
                          "protobuf module" % __file__)
  out = tempfile.mkdtemp(prefix="nabla-pb2-")
  try:
    subprocess.run(["protoc", "--python_out=" + out, "-I", root] + protos, check=True,
                   capture_output=True, text=True)
  except FileNotFoundError:
    raise CheckpointError("protoc not found: install Debian's protobuf-compiler "
                          "(tools/setup.sh does)")
  except subprocess.CalledProcessError as e:
    raise CheckpointError("protoc failed: " + e.stderr)
  sys.path.insert(0, out)
  for name in [m for m in sys.modules if m == "proto" or m.startswith("proto.")]:
    del sys.modules[name]
  return importlib.import_module("proto.checkpoint_pb2")


# params: learnable parameters; state: op state ("state/bn1.running_mean");
# optimizer: optimiser buffers ("optimizer/fc1.weight/0"); name -> ndarray.
Checkpoint = collections.namedtuple("Checkpoint",
                                    ["header", "params", "state", "optimizer", "source"])


def _kind(name, params, state, optimizer):
  if name.startswith(OPTIMIZER_PREFIX):
    return optimizer
  return state if name.startswith(STATE_PREFIX) else params


class _Reader:
  def __init__(self, data, path):
    self.data, self.path, self.pos = data, path, 0

  def fail(self, what, at=None):
    raise CheckpointError("%s: at byte %d: %s" % (self.path, self.pos if at is None else at, what))

  def take(self, n, what):
    if n > len(self.data) - self.pos:
      self.fail("truncated: %s needs %d bytes, %d remain" % (what, n, len(self.data) - self.pos))
    chunk = self.data[self.pos:self.pos + n]
    self.pos += n
    return chunk

  def varint32(self, what):
    start, value, shift = self.pos, 0, 0
    while True:
      byte = self.take(1, what)[0]
      value |= (byte & 0x7F) << shift
      if not byte & 0x80:
        return value, self.data[start:self.pos]
      shift += 7
      if shift >= 35:
        self.fail("%s: malformed length" % what, start)

  def fixed32(self, what):
    return int.from_bytes(self.take(4, what), "little")


def read_binary(path):
  with open(path, "rb") as f:
    data = f.read()
  pb2 = _pb2()
  r = _Reader(data, path)
  framing = [r.take(len(MAGIC), "the magic")]
  if framing[0] != MAGIC:
    r.fail("not a nabla checkpoint (the file does not start with %r)" % MAGIC.decode(), 0)
  size, prefix = r.varint32("the header length")
  if size > MAX_MESSAGE_BYTES:
    r.fail("header length %d is over the limit of %d" % (size, MAX_MESSAGE_BYTES))
  header_bytes = r.take(size, "the header")
  crc_bytes = r.take(4, "the header CRC")
  framing += [prefix, header_bytes, crc_bytes]
  if int.from_bytes(crc_bytes, "little") != zlib.crc32(header_bytes):
    r.fail("header CRC mismatch: the header is damaged", r.pos - 4)
  header = pb2.CheckpointHeader()
  header.ParseFromString(header_bytes)
  params, state, optimizer = (collections.OrderedDict() for _ in range(3))
  for k in range(header.num_tensors):
    size, prefix = r.varint32("tensor %d's header length" % k)
    if size > MAX_MESSAGE_BYTES:
      r.fail("tensor %d's header length %d is over the limit" % (k, size))
    tensor_bytes = r.take(size, "tensor %d's header" % k)
    framing += [prefix, tensor_bytes]
    t = pb2.TensorHeader()
    t.ParseFromString(tensor_bytes)
    shape = tuple(t.shape.dims)
    if t.dtype != "float32":
      r.fail("tensor '%s': dtype '%s', expected float32" % (t.name, t.dtype))
    if any(d < 0 for d in shape) or int(np.prod(shape, dtype=np.int64)) * 4 != t.byte_size:
      r.fail("tensor '%s': shape %s does not hold %d bytes" % (t.name, list(shape), t.byte_size))
    start = r.pos
    raw = r.take(t.byte_size, "tensor '%s'" % t.name)
    if zlib.crc32(raw) != t.crc32:
      r.fail("tensor '%s': data CRC mismatch: its values are damaged" % t.name, start)
    array = np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
    target = _kind(t.name, params, state, optimizer)
    if t.name in params or t.name in state or t.name in optimizer:
      r.fail("tensor '%s' appears twice" % t.name, start)
    target[t.name] = array
  trailer = r.fixed32("the trailer CRC")
  if trailer != zlib.crc32(b"".join(framing)):
    r.fail("trailer CRC mismatch: a tensor header or length is damaged", r.pos - 4)
  if r.pos != len(data):
    r.fail("%d unexpected bytes after the trailer" % (len(data) - r.pos))
  return Checkpoint(header, params, state, optimizer, path)


def read_text(path):
  from google.protobuf import text_format
  pb2 = _pb2()
  message = pb2.CheckpointText()
  try:
    with open(path) as f:
      text_format.Parse(f.read(), message)
  except text_format.ParseError as e:
    raise CheckpointError("%s:%s" % (path, e))
  params, state, optimizer = (collections.OrderedDict() for _ in range(3))
  for t in message.tensors:
    shape = tuple(t.shape.dims)
    if int(np.prod(shape, dtype=np.int64)) != len(t.values):
      raise CheckpointError("%s: tensor '%s': shape %s, %d values" %
                            (path, t.name, list(shape), len(t.values)))
    target = _kind(t.name, params, state, optimizer)
    target[t.name] = np.array(t.values, dtype=np.float32).reshape(shape)
  return Checkpoint(message.header, params, state, optimizer, path)


def read(path):
  """A checkpoint in either form (train/checkpoint_text.h's rule)."""
  if not os.path.exists(path):
    raise CheckpointError("%s: no such checkpoint file" % path)
  if path.endswith(".ckpt.txt") or path.endswith(".ckpt.pbtxt"):
    return read_text(path)
  return read_binary(path)


# --- PyTorch ---------------------------------------------------------------------

def _attrs(node):
  """The header's attribute text ("bias=false, kernel_size=[3, 5], pad_mode=\"same\"")
  as {name: value text}, strings unquoted; commas inside [...] or quotes stay."""
  out, depth, quoted, start, text = {}, 0, False, 0, node.attrs or ""
  items = []
  for i, ch in enumerate(text):
    if ch == '"':
      quoted = not quoted
    elif not quoted and ch in "[]":
      depth += 1 if ch == "[" else -1
    elif not quoted and depth == 0 and text.startswith(", ", i):
      items.append(text[start:i])
      start = i + 2
  if text:
    items.append(text[start:])
  for item in items:
    key, _, value = item.partition("=")
    out[key] = value[1:-1] if value.startswith('"') and value.endswith('"') else value
  return out


def _ints(value):
  """"[3, 5]" -> [3, 5]; "[]" -> []."""
  inner = value.strip()[1:-1].strip()
  return [int(v) for v in inner.split(",")] if inner else []


def _pair(value):
  """A pair attribute ([k] or [kh, kw], ops/window.h) as PyTorch's (kh, kw)."""
  v = _ints(value)
  return (v[0], v[-1])


def _conv2d(a):
  import torch.nn as nn
  padding = "same" if a.get("pad_mode") == "same" else _pair(a.get("padding", "[0]"))
  return nn.Conv2d(int(a["in_channels"]), int(a["out_channels"]), _pair(a["kernel_size"]),
                   stride=_pair(a.get("stride", "[1]")), padding=padding,
                   dilation=_pair(a.get("dilation", "[1]")), groups=int(a.get("groups", 1)),
                   bias=a.get("bias", "true") == "true")


def _pool(a):
  """kernel, stride (empty: the kernel), padding of MaxPool2D / AvgPool2D."""
  k = _pair(a["kernel_size"])
  stride = _pair(a["stride"]) if _ints(a.get("stride", "[]")) else k
  return k, stride, _pair(a.get("padding", "[0]"))


def _batch_norm(a, spatial):
  import torch.nn as nn
  cls = nn.BatchNorm2d if spatial else nn.BatchNorm1d
  return cls(int(a["num_features"]), eps=float(a.get("eps", 1e-5)),
             momentum=float(a.get("momentum", 0.1)))


def _global_avg_pool(a):
  import torch.nn as nn
  return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))  # nabla's is [N, C]


# nabla op -> (torch module from the node's attributes and whether the
# tensor reaching it is [N, C, H, W], {nabla param or state: torch name}).
def _layers():
  import torch.nn as nn
  return {
      "Linear": (lambda a, s: nn.Linear(int(a["in_features"]), int(a["out_features"])),
                 {"weight": "weight", "bias": "bias"}),
      "Conv2D": (lambda a, s: _conv2d(a), {"weight": "weight", "bias": "bias"}),
      "MaxPool2D": (lambda a, s: nn.MaxPool2d(*_pool(a)), {}),
      "AvgPool2D": (lambda a, s: nn.AvgPool2d(*_pool(a), count_include_pad=True), {}),
      "GlobalAvgPool": (lambda a, s: _global_avg_pool(a), {}),
      "BatchNorm": (_batch_norm, {"weight": "weight", "bias": "bias",
                                  STATE_PREFIX + "running_mean": "running_mean",
                                  STATE_PREFIX + "running_var": "running_var"}),
      "ReLU": (lambda a, s: nn.ReLU(), {}),
      "LeakyReLU": (lambda a, s: nn.LeakyReLU(float(a.get("slope", 0.01))), {}),
      "PReLU": (lambda a, s: nn.PReLU(int(a.get("num_parameters", 1))), {"slope": "weight"}),
      "Sigmoid": (lambda a, s: nn.Sigmoid(), {}),
      "Tanh": (lambda a, s: nn.Tanh(), {}),
      "Dropout": (lambda a, s: nn.Dropout(float(a.get("p", 0.5))), {}),
      "Flatten": (lambda a, s: nn.Flatten(int(a.get("start_dim", 1))), {}),
  }


LOSS_OPS = {"SoftmaxCrossEntropy", "MSE"}
SPATIAL_OPS = {"Conv2D", "MaxPool2D", "AvgPool2D"}  # [N, C, H, W] in and out
FLAT_OPS = {"Linear", "Flatten", "GlobalAvgPool"}  # [N, features] out


def _sequential_nodes(ckpt):
  """The header's nodes without the loss, each with its Sequential index."""
  nodes = [n for n in ckpt.header.nodes if n.op not in LOSS_OPS]
  if not nodes:
    raise CheckpointError("%s: its header lists no nodes, so its layout is unknown" % ckpt.source)
  return nodes


def _spatial_flags(nodes):
  """Per node: whether its input is [N, C, H, W] (BatchNorm2d, not 1d). The
  header has no input shapes: the input is taken as images when a spatial
  op comes before the first flattening one."""
  first = next((n.op for n in nodes if n.op in SPATIAL_OPS | FLAT_OPS), None)
  spatial, flags = first in SPATIAL_OPS, []
  for n in nodes:
    flags.append(spatial)
    if n.op in SPATIAL_OPS:
      spatial = True
    elif n.op in FLAT_OPS:
      spatial = False
  return flags


def _layer(ckpt, node):
  layers = _layers()
  if node.op not in layers:
    raise CheckpointError("%s: node '%s' is a %s, which has no PyTorch layer here" %
                          (ckpt.source, node.name, node.op))
  return layers[node.op]


def torch_state_dict(ckpt):
  """The parameters and op state under the names a torch.nn.Sequential of
  the same layout uses: node i's "weight" is "i.weight" (PReLU's slope is
  "i.weight"), BatchNorm's running statistics "i.running_mean" and
  "i.running_var" (with "i.num_batches_tracked", the checkpoint's step).
  An empty tensor (Conv2D's bias with bias=false) has no PyTorch name."""
  import torch
  state = collections.OrderedDict()
  used = set()
  for i, node in enumerate(_sequential_nodes(ckpt)):
    _, names = _layer(ckpt, node)
    for nabla_name, torch_name in names.items():
      stored = nabla_name.startswith(STATE_PREFIX)
      key = (STATE_PREFIX + node.name + "." + nabla_name[len(STATE_PREFIX):] if stored
             else "%s.%s" % (node.name, nabla_name))
      source = ckpt.state if stored else ckpt.params
      if key not in source:
        continue
      used.add(key)
      if source[key].size == 0:
        continue
      state["%d.%s" % (i, torch_name)] = torch.from_numpy(source[key].copy())
    if node.op == "BatchNorm":
      state["%d.num_batches_tracked" % i] = torch.tensor(ckpt.header.step, dtype=torch.long)
  left = [name for name in list(ckpt.params) + list(ckpt.state) if name not in used]
  if left:
    raise CheckpointError("%s: tensors %s belong to no layer of the Sequential" %
                          (ckpt.source, ", ".join(left)))
  return state


def torch_sequential(ckpt):
  """An untrained torch.nn.Sequential with the checkpoint's layout."""
  import torch.nn as nn
  nodes = _sequential_nodes(ckpt)
  return nn.Sequential(*[_layer(ckpt, node)[0](_attrs(node), spatial)
                         for node, spatial in zip(nodes, _spatial_flags(nodes))])


def _write_atomic(path, write):
  directory = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp-", dir=directory)
  os.close(fd)
  try:
    write(tmp)
    os.replace(tmp, path)
  except BaseException:
    os.unlink(tmp)
    raise


def main(argv):
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("checkpoint")
  parser.add_argument("--torch", metavar="OUT.pt", help="write a PyTorch state_dict")
  parser.add_argument("--npz", metavar="OUT.npz", help="write the parameters as numpy .npz")
  args = parser.parse_args(argv)
  try:
    ckpt = read(args.checkpoint)
    h = ckpt.header
    print("%s: model %s, fingerprint %s, epoch %d, step %d" %
          (args.checkpoint, h.model_name, h.model_fingerprint, h.epoch, h.step))
    for name, array in (list(ckpt.params.items()) + list(ckpt.state.items()) +
                        list(ckpt.optimizer.items())):
      print("  %-32s %-14s mean %.6g" % (name, list(array.shape), float(array.mean())
                                           if array.size else 0.0))
    if args.torch:
      import torch
      state = torch_state_dict(ckpt)
      _write_atomic(args.torch, lambda tmp: torch.save(state, tmp))
      print("wrote %s (%d tensors)" % (args.torch, len(state)))
    if args.npz:
      def save_npz(tmp):
        with open(tmp, "wb") as f:
          np.savez(f, **ckpt.params)
      _write_atomic(args.npz, save_npz)
      print("wrote %s (%d tensors)" % (args.npz, len(ckpt.params)))
  except (CheckpointError, OSError) as e:
    print("nabla_checkpoint: error: %s" % e, file=sys.stderr)
    return 3
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
