#!/usr/bin/python3
"""Writes malformed ONNX files for onnx_bad_input_test.sh (python3-onnx).

  make_bad_onnx.py DIR

Each is a valid tiny classifier (x [batch, 4] -> Gemm -> [batch, 3]) with one
thing wrong, named for it: opset18, cycle, wrong_size, absurd_dims, dynamic,
unsupported (two ops and an attribute nabla lacks), plus random.onnx (seeded
random bytes) and ok.onnx (the valid model itself).
"""
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def tiny(nodes=None, initializers=None, opset=17, input_dims=("batch", 4), output="y"):
  weight = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, "w")
  nodes = nodes or [helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)]
  graph = helper.make_graph(
      nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_dims))],
      [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", 3])],
      initializer=[weight] + (initializers or []))
  return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def main():
  out = sys.argv[1]
  os.makedirs(out, exist_ok=True)
  models = {"ok": tiny(), "opset18": tiny(opset=18)}
  models["cycle"] = tiny(nodes=[
      helper.make_node("Gemm", ["x", "w"], ["a"], name="fc", transB=1),
      helper.make_node("Add", ["a", "c"], ["b"], name="add"),
      helper.make_node("Relu", ["b"], ["c"], name="relu"),
      helper.make_node("Tanh", ["b"], ["y"], name="out")])
  wrong = tiny()
  wrong.graph.initializer[0].raw_data = wrong.graph.initializer[0].raw_data[:-4]
  models["wrong_size"] = wrong
  absurd = tiny()
  absurd.graph.initializer[0].dims[:] = [1 << 40, 1 << 40]
  models["absurd_dims"] = absurd
  models["dynamic"] = tiny(input_dims=("batch", "features"))
  models["unsupported"] = tiny(nodes=[
      helper.make_node("Gemm", ["x", "w"], ["a"], name="fc", transB=1, transA=0),
      helper.make_node("Elu", ["a"], ["b"], name="elu"),
      helper.make_node("LeakyRelu", ["b"], ["c"], name="leaky", alpha=0.1, mystery=2),
      helper.make_node("Softplus", ["c"], ["y"], name="softplus")])
  for name, model in models.items():
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
      f.write(model.SerializeToString())
  rng = random.Random(14)
  with open(os.path.join(out, "random.onnx"), "wb") as f:
    f.write(bytes(rng.randrange(256) for _ in range(4096)))


if __name__ == "__main__":
  main()
