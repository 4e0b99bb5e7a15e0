#!/usr/bin/python3
"""Models made in PyTorch (Debian's python3-torch), for onnx_torch_test.sh.

  torch_models.py DATA_DIR OUT_DIR

Trains three small classifiers (an MLP, a model of the dense op families,
and a conv net with BatchNorm) for one epoch on DATA_DIR's training split
(IDX, as `nabla train` reads it: pixel / 255, [N, 784]), then for each
writes OUT_DIR/NAME_opsetK.onnx for K = 11 to 17 with torch.onnx.export
(batch dim dynamic), OUT_DIR/NAME.logits (float32 logits on the first 500
test images) and OUT_DIR/NAME.json (loss and accuracy on the whole test
split, as `nabla eval --json` reports them). Also writes
OUT_DIR/unsupported.onnx, a model with ops nabla does not have (Elu,
Softplus).
"""
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_idx(path):
  opener = gzip.open if path.endswith(".gz") else open
  with opener(path, "rb") as f:
    data = f.read()
  magic, count = struct.unpack(">II", data[:8])
  if magic == 0x803:
    rows, cols = struct.unpack(">II", data[8:16])
    return np.frombuffer(data[16:], np.uint8).reshape(count, rows * cols)
  return np.frombuffer(data[8:], np.uint8).astype(np.int64)


def load(data_dir, prefix):
  def find(name):
    for candidate in (name, name + ".gz"):
      if os.path.exists(os.path.join(data_dir, candidate)):
        return os.path.join(data_dir, candidate)
    raise SystemExit(f"torch_models.py: no {name} in {data_dir}")
  images = read_idx(find(prefix + "-images-idx3-ubyte")).astype(np.float32) / np.float32(255)
  labels = read_idx(find(prefix + "-labels-idx1-ubyte"))
  return torch.from_numpy(images), torch.from_numpy(labels)


class Mlp(nn.Module):
  """Gemm, ReLU, LeakyRelu."""

  def __init__(self):
    super().__init__()
    self.net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64),
                             nn.LeakyReLU(0.1), nn.Linear(64, 10))

  def forward(self, x):
    return self.net(x)


class Small(nn.Module):
  """Reshape (a view, its shape a Constant), Flatten, PRelu per feature,
  Dropout, Tanh, Sigmoid, Mul, Add, Sub, Softmax, LogSoftmax."""

  def __init__(self):
    super().__init__()
    self.fc1 = nn.Linear(784, 64)
    self.act1 = nn.PReLU(64, init=0.2)
    self.drop = nn.Dropout(0.2)
    self.fc2 = nn.Linear(64, 32)
    self.fc3 = nn.Linear(32, 32)
    self.flatten = nn.Flatten()
    self.fc4 = nn.Linear(32, 10)

  def forward(self, x):
    x = x.view(-1, 1, 28, 28)
    x = self.flatten(x)
    h = self.drop(self.act1(self.fc1(x)))
    a = torch.tanh(self.fc2(h))
    g = torch.sigmoid(self.fc3(a))
    mixed = a * g + a - g
    return torch.log_softmax(self.fc4(mixed + torch.softmax(mixed, dim=1)), dim=1)


class Conv(nn.Module):
  """Conv (with and without bias, grouped, strided), BatchNormalization (2-d
  and 1-d), MaxPool, AveragePool, GlobalAveragePool, Concat, on the
  [N, 784] input viewed as [N, 1, 28, 28]."""

  def __init__(self):
    super().__init__()
    self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
    self.bn1 = nn.BatchNorm2d(8)
    self.conv2 = nn.Conv2d(8, 8, 3, padding=1, groups=2, bias=False)
    self.bn2 = nn.BatchNorm2d(8, momentum=0.3, eps=1e-3)
    self.conv3 = nn.Conv2d(16, 16, 3, stride=2, padding=1)
    self.fc1 = nn.Linear(16 * 4 * 4, 32)
    self.bn3 = nn.BatchNorm1d(32)
    self.fc2 = nn.Linear(32 + 16, 10)

  def forward(self, x):
    x = x.view(-1, 1, 28, 28)
    a = nn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
    b = torch.relu(self.bn2(self.conv2(a)))
    c = nn.functional.avg_pool2d(torch.cat([a, b], dim=1), 2)
    d = torch.relu(self.conv3(c))
    g = nn.functional.adaptive_avg_pool2d(d, 1).flatten(1)
    h = torch.relu(self.bn3(self.fc1(d.flatten(1))))
    return self.fc2(torch.cat([h, g], dim=1))


class Unsupported(nn.Module):

  def __init__(self):
    super().__init__()
    self.fc1 = nn.Linear(784, 16)
    self.fc2 = nn.Linear(16, 10)

  def forward(self, x):
    return self.fc2(nn.functional.softplus(nn.functional.elu(self.fc1(x))))


def export(model, path, opset):
  torch.onnx.export(model, torch.zeros(2, 784), path, opset_version=opset,
                    input_names=["input"], output_names=["logits"],
                    dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})


def main():
  data_dir, out = sys.argv[1:3]
  torch.manual_seed(0)
  torch.set_num_threads(1)
  train_x, train_y = load(data_dir, "train")
  test_x, test_y = load(data_dir, "t10k")
  for name, model in (("mlp", Mlp()), ("small", Small()), ("conv", Conv())):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for start in range(0, len(train_x), 128):
      opt.zero_grad()
      loss = nn.functional.cross_entropy(model(train_x[start:start + 128]),
                                         train_y[start:start + 128])
      loss.backward()
      opt.step()
    model.eval()
    for opset in range(11, 18):
      export(model, os.path.join(out, f"{name}_opset{opset}.onnx"), opset)
    with torch.no_grad():
      logits = model(test_x)
      loss = nn.functional.cross_entropy(logits, test_y).item()
      accuracy = (logits.argmax(1) == test_y).double().mean().item()
    logits[:500].numpy().astype("<f4").tofile(os.path.join(out, name + ".logits"))
    with open(os.path.join(out, name + ".json"), "w") as f:
      json.dump({"loss": loss, "accuracy": accuracy, "samples": len(test_y)}, f)
    print(f"{name}: test loss {loss:.4f} accuracy {accuracy:.4f}")
  export(Unsupported().eval(), os.path.join(out, "unsupported.onnx"), 17)


if __name__ == "__main__":
  main()
