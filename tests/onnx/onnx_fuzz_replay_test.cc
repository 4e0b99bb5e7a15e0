// Drives the ONNX reader's fuzz harness (onnx_import_fuzzer.cc) without
// libFuzzer: a few valid seed models, each mutated 4000 times (bytes
// flipped, inserted, removed, chunks repeated, cut short) with a fixed
// seed. Every input must end in a nabla::Error or a model; a crash or an
// abort fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "graph/apply.h"
#include "graph/model.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "onnx/op_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace nabla::onnx_io {
namespace {

std::string Exported(const std::string& text) {
  ManualSeed(2);
  GraphModel model(ParseModelDefText(text, "seed.pbtxt"));
  std::string bytes;
  ExportModel(model, "seed.pbtxt").SerializeToString(&bytes);
  return bytes;
}

// Constant, Reshape, MatMul + Add (folded), Dropout with training_mode,
// attributes: the importer paths an exported model does not take.
std::string HandMade() {
  ::onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  ::onnx::GraphProto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  auto* type = in->mutable_type()->mutable_tensor_type();
  type->set_elem_type(::onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("N");
  type->mutable_shape()->add_dim()->set_dim_value(2);
  type->mutable_shape()->add_dim()->set_dim_value(2);
  auto add_tensor = [](::onnx::TensorProto* t, const char* name, std::vector<int64_t> dims,
                       int type, int count) {
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    for (int i = 0; i < count; ++i) {
      if (type == ::onnx::TensorProto::FLOAT) t->add_float_data(0.5f * i - 1);
      if (type == ::onnx::TensorProto::INT64) t->add_int64_data(i == 0 ? 0 : -1);
    }
  };
  auto node = [&](const char* op, std::vector<std::string> inputs, const char* out) {
    ::onnx::NodeProto* n = g->add_node();
    n->set_name(std::string("n_") + out);
    n->set_op_type(op);
    for (auto& i : inputs) n->add_input(i);
    n->add_output(out);
    return n;
  };
  ::onnx::NodeProto* shape = node("Constant", {}, "shape");
  ::onnx::AttributeProto* value = shape->add_attribute();
  value->set_name("value");
  value->set_type(::onnx::AttributeProto::TENSOR);
  add_tensor(value->mutable_t(), "", {2}, ::onnx::TensorProto::INT64, 2);
  node("Reshape", {"x", "shape"}, "flat");
  add_tensor(g->add_initializer(), "w", {4, 3}, ::onnx::TensorProto::FLOAT, 12);
  add_tensor(g->add_initializer(), "b", {3}, ::onnx::TensorProto::FLOAT, 3);
  add_tensor(g->add_initializer(), "train", {}, ::onnx::TensorProto::INT64, 1);
  node("MatMul", {"flat", "w"}, "xw");
  node("Add", {"xw", "b"}, "h");
  SetAttr(node("LeakyRelu", {"h"}, "l"), "alpha", 0.2f);
  node("Dropout", {"l", "", "train"}, "d");
  SetAttr(node("Softmax", {"d"}, "y"), "axis", int64_t{1});
  g->add_output()->set_name("y");
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

void Fuzz(const std::string& bytes) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(OnnxFuzzReplay, MutatedSeedsNeverCrash) {
  std::vector<std::string> seeds = {
      HandMade(),
      Exported(R"(format_version: 1
        inputs { name: "x" shape { dims: -1 dims: 4 } }
        inputs { name: "label" shape { dims: -1 } dtype: "int32" }
        nodes { name: "fc" op: "Linear" inputs: "x"
                attrs { key: "in_features" value { i: 4 } } attrs { key: "out_features" value { i: 6 } } }
        nodes { name: "grid" op: "Reshape" inputs: "fc" attrs { key: "shape" value { ints { values: [0, 2, 3] } } } }
        nodes { name: "rows" op: "Flatten" inputs: "grid" attrs { key: "start_dim" value { i: 2 } } }
        nodes { name: "flat" op: "Flatten" inputs: "rows" }
        nodes { name: "act" op: "PReLU" inputs: "flat" attrs { key: "num_parameters" value { i: 6 } } }
        nodes { name: "t" op: "Tanh" inputs: "act" }
        nodes { name: "s" op: "Sigmoid" inputs: "flat" }
        nodes { name: "m" op: "Mul" inputs: "t" inputs: "s" }
        nodes { name: "d" op: "Dropout" inputs: "m" }
        nodes { name: "p" op: "LogSoftmax" inputs: "d" }
        nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "p" inputs: "label" }
        outputs: "p" loss: "loss")"),
  };
  for (const std::string& seed : seeds) Fuzz(seed);  // the seeds themselves import
  ImportModel(ParseOnnxModel(seeds[0], "hand.onnx"), "hand.onnx");
  ImportModel(ParseOnnxModel(seeds[1], "exported.onnx"), "exported.onnx");

  std::mt19937 rng(14);
  for (const std::string& seed : seeds) {
    for (int trial = 0; trial < 4000; ++trial) {
      std::string bytes = seed;
      const int edits = 1 + rng() % 4;
      for (int e = 0; e < edits && !bytes.empty(); ++e) {
        const size_t at = rng() % bytes.size();
        switch (rng() % 5) {
          case 0:
            bytes[at] = static_cast<char>(rng());
            break;
          case 1:
            bytes[at] ^= static_cast<char>(1 << (rng() % 8));
            break;
          case 2:
            bytes.insert(at, 1, static_cast<char>(rng()));
            break;
          case 3:
            bytes.erase(at, 1 + rng() % 8);
            break;
          case 4:
            bytes.insert(at, bytes.substr(at, 1 + rng() % 16));
            break;
        }
      }
      if (rng() % 10 == 0) bytes.resize(rng() % (bytes.size() + 1));
      Fuzz(bytes);
    }
  }
}

}  // namespace
}  // namespace nabla::onnx_io
