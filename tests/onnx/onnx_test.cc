// ONNX export and import (onnx/export.h, onnx/import.h) in process: the
// round trip of every mapped op, the listing errors, and bad files
// (truncated, random, wrong opset, cycles, wrong-size initializers, absurd
// and dynamic dims), which must give an Error and never a crash.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/model.h"
#include "graph/variable.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "onnx/op_table.h"

namespace nabla::onnx_io {
namespace {

std::shared_ptr<GraphModel> ModelFromText(const std::string& text) {
  ManualSeed(1);
  return std::make_shared<GraphModel>(ParseModelDefText(text, "test.pbtxt"));
}

const char kAllOpsPath[] = "tests/onnx/all_ops.pbtxt";

// Every message of the Error thrown by `fn`, or "" when none was thrown.
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidFile) << e.what();
    return e.what();
  }
  return "";
}

std::string ImportError(const ::onnx::ModelProto& model) {
  return ErrorOf([&] { ImportModel(model, "bad.onnx"); });
}

// A minimal valid classifier: input [batch, 4] -> Gemm -> [batch, 3].
::onnx::ModelProto TinyModel(int64_t opset = 17) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  ::onnx::GraphProto* g = m.mutable_graph();
  g->set_name("tiny");
  ::onnx::ValueInfoProto* in = g->add_input();
  in->set_name("x");
  auto* type = in->mutable_type()->mutable_tensor_type();
  type->set_elem_type(::onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("N");
  type->mutable_shape()->add_dim()->set_dim_value(4);
  ::onnx::TensorProto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  w->add_dims(3);
  w->add_dims(4);
  for (int i = 0; i < 12; ++i) w->add_float_data(0.1f * i);
  ::onnx::NodeProto* gemm = g->add_node();
  gemm->set_name("fc");
  gemm->set_op_type("Gemm");
  gemm->add_input("x");
  gemm->add_input("w");
  gemm->add_output("y");
  SetAttr(gemm, "transB", int64_t{1});
  g->add_output()->set_name("y");
  return m;
}

::onnx::NodeProto* AddNode(::onnx::ModelProto* m, const std::string& name, const std::string& op,
                           const std::vector<std::string>& inputs, const std::string& output) {
  ::onnx::NodeProto* n = m->mutable_graph()->add_node();
  n->set_name(name);
  n->set_op_type(op);
  for (const std::string& in : inputs) n->add_input(in);
  n->add_output(output);
  return n;
}

TEST(OnnxImport, TinyModelImports) {
  ImportedModel imported = ImportModel(TinyModel(), "tiny.onnx");
  ASSERT_EQ(imported.def.nodes_size(), 2);
  EXPECT_EQ(imported.def.nodes(0).op(), "Linear");
  EXPECT_EQ(imported.def.nodes(1).op(), "SoftmaxCrossEntropy");
  EXPECT_EQ(imported.def.loss(), "loss");
  ASSERT_EQ(imported.params.size(), 2u);
  EXPECT_EQ(imported.params[0].first, "fc.weight");
  EXPECT_EQ(imported.params[0].second.shape(), (Shape{3, 4}));
  EXPECT_FLOAT_EQ(imported.params[0].second.data<float>()[5], 0.5f);
  EXPECT_EQ(imported.params[1].first, "fc.bias");  // no C: a zero bias
  EXPECT_EQ(imported.params[1].second.data<float>()[2], 0.0f);
}

TEST(OnnxImport, GemmTransposedWeightAlphaBeta) {
  ::onnx::ModelProto m = TinyModel();
  ::onnx::NodeProto* gemm = m.mutable_graph()->mutable_node(0);
  gemm->clear_attribute();
  SetAttr(gemm, "alpha", 2.0f);
  SetAttr(gemm, "beta", 0.5f);
  ::onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, 4);  // B is [in, out] = [4, 3] without transB
  w->set_dims(1, 3);
  ::onnx::TensorProto* c = m.mutable_graph()->add_initializer();
  c->set_name("c");
  c->set_data_type(::onnx::TensorProto::FLOAT);
  c->add_dims(3);
  for (float v : {2.0f, 4.0f, 6.0f}) c->add_float_data(v);
  gemm->add_input("c");
  ImportedModel imported = ImportModel(m, "t.onnx");
  const Tensor& weight = imported.params[0].second;
  ASSERT_EQ(weight.shape(), (Shape{3, 4}));
  // W[o, i] = alpha * B[i, o]; B[i, o] = 0.1 * (3 i + o).
  EXPECT_FLOAT_EQ(weight.data<float>()[1 * 4 + 2], 2.0f * 0.1f * (3 * 2 + 1));
  EXPECT_FLOAT_EQ(imported.params[1].second.data<float>()[2], 3.0f);
}

TEST(OnnxImport, MatMulThenAddFoldsIntoOneLinear) {
  ::onnx::ModelProto m = TinyModel();
  ::onnx::GraphProto* g = m.mutable_graph();
  g->mutable_initializer(0)->set_dims(0, 4);
  g->mutable_initializer(0)->set_dims(1, 3);
  g->mutable_node(0)->set_op_type("MatMul");
  g->mutable_node(0)->clear_attribute();
  g->mutable_node(0)->set_output(0, "xw");
  ::onnx::TensorProto* b = g->add_initializer();
  b->set_name("b");
  b->set_data_type(::onnx::TensorProto::FLOAT);
  b->add_dims(3);
  for (float v : {1.0f, 2.0f, 3.0f}) b->add_float_data(v);
  AddNode(&m, "bias", "Add", {"xw", "b"}, "y");
  ImportedModel imported = ImportModel(m, "t.onnx");
  ASSERT_EQ(imported.def.nodes_size(), 2);  // Linear + loss
  EXPECT_EQ(imported.def.nodes(0).op(), "Linear");
  EXPECT_FLOAT_EQ(imported.params[1].second.data<float>()[1], 2.0f);
}

TEST(OnnxImport, ListsEveryUnsupportedOpAndAttributeWithNodeNames) {
  ::onnx::ModelProto m = TinyModel();
  ::onnx::GraphProto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "h");
  SetAttr(g->mutable_node(0), "transA", int64_t{1});
  AddNode(&m, "elu", "Elu", {"h"}, "e");
  SetAttr(AddNode(&m, "leaky", "LeakyRelu", {"e"}, "l"), "mystery", int64_t{3});
  AddNode(&m, "soft", "Softplus", {"l"}, "y");
  const std::string message = ImportError(m);
  EXPECT_NE(message.find("node 'fc' (Gemm): transA=1"), std::string::npos) << message;
  EXPECT_NE(message.find("node 'elu' (Elu): unsupported op Elu"), std::string::npos) << message;
  EXPECT_NE(message.find("node 'soft' (Softplus): unsupported op Softplus"), std::string::npos)
      << message;
  EXPECT_NE(message.find("import supports the ONNX ops Add, "), std::string::npos) << message;
  // Downstream of an unsupported op, attributes are still checked.
  EXPECT_NE(message.find("node 'leaky' (LeakyRelu): attribute 'mystery' is not supported"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("leaky", message.find("mystery") + 1), std::string::npos) << message;
}

TEST(OnnxImport, RejectsOpsetsOutside11To17) {
  EXPECT_NE(ImportError(TinyModel(18)).find("bad.onnx: opset 18 is not supported: import reads "
                                            "opsets 11 to 17"),
            std::string::npos);
  EXPECT_NE(ImportError(TinyModel(10)).find("opset 10 is not supported"), std::string::npos);
  ImportModel(TinyModel(11), "t.onnx");
  ::onnx::ModelProto none = TinyModel();
  none.mutable_opset_import(0)->set_domain("ai.onnx.ml");
  EXPECT_NE(ImportError(none).find("imports no opset of the default ONNX domain"),
            std::string::npos);
}

TEST(OnnxImport, RejectsCycles) {
  ::onnx::ModelProto m = TinyModel();
  ::onnx::GraphProto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "a");
  AddNode(&m, "r1", "Relu", {"b"}, "c");
  AddNode(&m, "add", "Add", {"a", "c"}, "b");
  AddNode(&m, "out", "Tanh", {"b"}, "y");
  const std::string message = ImportError(m);
  EXPECT_NE(message.find("bad.onnx: the graph has a cycle: node 'r1' (Relu), node 'add' (Add), "
                         "node 'out' (Tanh) wait on each other"),
            std::string::npos)
      << message;
}

TEST(OnnxImport, RejectsWrongSizeInitializers) {
  ::onnx::ModelProto m = TinyModel();
  m.mutable_graph()->mutable_initializer(0)->mutable_float_data()->RemoveLast();
  EXPECT_NE(ImportError(m).find("initializer 'w': dims [3, 4] need 12 floats, float_data has 11"),
            std::string::npos);
  m = TinyModel();
  ::onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_float_data();
  w->set_raw_data(std::string(47, '\0'));
  EXPECT_NE(ImportError(m).find("initializer 'w': dims [3, 4] need 12 floats (48 bytes), raw_data "
                                "has 47 bytes"),
            std::string::npos);
}

TEST(OnnxImport, RejectsAbsurdAndDynamicDims) {
  ::onnx::ModelProto m = TinyModel();
  ::onnx::TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->set_dims(0, int64_t{1} << 40);
  EXPECT_NE(ImportError(m).find("initializer 'w': dims [1099511627776, 4]: dim 1099511627776 is "
                                "out of range"),
            std::string::npos);
  w->set_dims(0, int64_t{1} << 30);
  w->set_dims(1, int64_t{1} << 30);
  EXPECT_NE(ImportError(m).find("hold more than 2^31 elements"), std::string::npos);
  w->set_dims(0, -3);
  EXPECT_NE(ImportError(m).find("dim -3 is out of range"), std::string::npos);

  m = TinyModel();
  auto* shape = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
                    ->mutable_shape();
  shape->mutable_dim(1)->set_dim_param("features");
  EXPECT_NE(ImportError(m).find("graph input 'x': dynamic shape: dim 1 is 'features'; nabla needs "
                                "every dim but the first (the batch) fixed"),
            std::string::npos);
  shape->mutable_dim(1)->set_dim_value(int64_t{1} << 50);
  EXPECT_NE(ImportError(m).find("graph input 'x': dim 1 is 1125899906842624, expected 1 to 2^31-1"),
            std::string::npos);
}

TEST(OnnxImport, RejectsDanglingInputsAndBadOutputs) {
  ::onnx::ModelProto m = TinyModel();
  m.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  EXPECT_NE(ImportError(m).find("node 'fc' (Gemm): input 'nowhere' is not a graph input, an "
                                "initializer or any node's output"),
            std::string::npos);
  m = TinyModel();
  m.mutable_graph()->mutable_output(0)->set_name("x");
  EXPECT_NE(ImportError(m).find("graph output 'x' does not depend on the input"), std::string::npos);
}

TEST(OnnxImport, GarbageBytesGiveErrorsNeverCrashes) {
  EXPECT_NE(ErrorOf([] { ParseOnnxModel("", "e.onnx"); }).find("e.onnx: the file is empty"),
            std::string::npos);
  std::mt19937 rng(7);
  int parsed = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bytes(1 + rng() % 300, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    std::string message = ErrorOf([&] {
      ::onnx::ModelProto m = ParseOnnxModel(bytes, "r.onnx");
      ++parsed;
      ImportModel(m, "r.onnx");
    });
    EXPECT_EQ(message.rfind("r.onnx: ", 0), 0u) << message;
  }
  EXPECT_LT(parsed, 2000);
}

TEST(OnnxImport, EveryTruncationGivesAnError) {
  std::string bytes;
  ASSERT_TRUE(TinyModel().SerializeToString(&bytes));
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string message = ErrorOf([&] {
      ImportModel(ParseOnnxModel(bytes.substr(0, n), "cut.onnx"), "cut.onnx");
    });
    EXPECT_EQ(message.rfind("cut.onnx: ", 0), 0u) << n << ": " << message;
  }
}

TEST(OnnxExport, WritesOpset17WithADynamicBatch) {
  auto model = GraphModel::Load(kAllOpsPath);
  ::onnx::ModelProto m = ExportModel(*model, kAllOpsPath);
  EXPECT_EQ(m.ir_version(), kExportIrVersion);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).version(), 17);
  ASSERT_EQ(m.graph().input_size(), 1);  // the label is left out
  EXPECT_EQ(m.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().output(0).name(), "fc3");
  EXPECT_EQ(m.graph().output(0).type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(m.graph().output(0).type().tensor_type().shape().dim(1).dim_value(), 10);
  for (const ::onnx::NodeProto& n : m.graph().node()) {
    EXPECT_NE(n.op_type(), "SoftmaxCrossEntropy");
    if (n.name() == "act1") {  // PReLU per feature of a 2-D input: slope [F]
      ASSERT_EQ(n.op_type(), "PRelu");
      for (const ::onnx::TensorProto& t : m.graph().initializer()) {
        if (t.name() == "act1.slope") EXPECT_EQ(t.dims_size(), 1);
      }
    }
    if (n.name() == "drop") EXPECT_EQ(n.op_type(), "Identity");
  }
}

TEST(OnnxExport, PReluSlopeShapesForOneDirectionalBroadcasting) {
  auto model = ModelFromText(R"(
    format_version: 1
    inputs { name: "x" shape { dims: -1 dims: 3 dims: 2 dims: 2 } }
    nodes { name: "shared" op: "PReLU" inputs: "x" }
    nodes { name: "channels" op: "PReLU" inputs: "shared" attrs { key: "num_parameters" value { i: 3 } } }
    outputs: "channels")");
  ::onnx::ModelProto m = ExportModel(*model, "p.pbtxt");
  std::map<std::string, std::vector<int64_t>> dims;
  for (const ::onnx::TensorProto& t : m.graph().initializer()) {
    dims[t.name()].assign(t.dims().begin(), t.dims().end());
  }
  EXPECT_EQ(dims["shared.slope"], (std::vector<int64_t>{1}));
  EXPECT_EQ(dims["channels.slope"], (std::vector<int64_t>{3, 1, 1}));
}

TEST(OnnxExport, MatMulOfTwoInputs) {
  auto model = ModelFromText(R"(
    format_version: 1
    inputs { name: "a" shape { dims: -1 dims: 4 } }
    inputs { name: "b" shape { dims: 4 dims: 3 } }
    nodes { name: "ab" op: "MatMul" inputs: "a" inputs: "b" }
    outputs: "ab")");
  ::onnx::ModelProto m = ExportModel(*model, "m.pbtxt");
  ASSERT_EQ(m.graph().node_size(), 1);
  EXPECT_EQ(m.graph().node(0).op_type(), "MatMul");
  EXPECT_EQ(m.graph().input_size(), 2);
}

TEST(OnnxExport, ListsEveryNodeWithoutAnOnnxForm) {
  auto model = ModelFromText(R"(
    format_version: 1
    inputs { name: "x" shape { dims: -1 dims: 4 } }
    nodes { name: "c1" op: "Cube" inputs: "x" }
    nodes { name: "r" op: "ReLU" inputs: "c1" }
    nodes { name: "c2" op: "Cube" inputs: "r" }
    outputs: "c2")");
  const std::string message = ErrorOf([&] { ExportModel(*model, "cube.pbtxt"); });
  EXPECT_NE(message.find("cube.pbtxt: node 'c1' (Cube): op Cube (registered by the program"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("cube.pbtxt: node 'c2' (Cube)"), std::string::npos) << message;
  EXPECT_NE(message.find("export supports the nabla ops Add, Dropout, "), std::string::npos);
}

// Export -> import gives the same graph computing the same outputs.
TEST(OnnxRoundTrip, AllOpsModelComputesTheSameLogits) {
  ManualSeed(3);
  auto model = GraphModel::Load(kAllOpsPath);
  model->Eval();
  ImportedModel imported = ImportModel(ExportModel(*model, kAllOpsPath), "all.onnx");
  GraphModel back{LoadedModelDef{imported.def, {}, {}}};
  std::map<std::string, Variable> params;
  for (const NamedParameter& p : back.NamedParameters()) params.emplace(p.name, p.variable);
  ASSERT_EQ(params.size(), imported.params.size());
  for (auto& [name, value] : imported.params) params.at(name).mutable_value() = value;
  back.Eval();

  std::mt19937 rng(5);
  std::uniform_real_distribution<float> pixel(0, 1);
  std::vector<float> x(7 * 784);
  for (float& v : x) v = pixel(rng);
  NoGradGuard no_grad;
  Tensor expected = model->Forward(Variable(Tensor::FromVector(Shape{7, 784}, x))).value();
  Tensor actual = back.Forward(Variable(Tensor::FromVector(Shape{7, 784}, x))).value();
  ASSERT_EQ(actual.shape(), expected.shape());
  for (int64_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual.data<float>()[i], expected.data<float>()[i]) << i;
  }
  EXPECT_EQ(back.def().loss(), "loss");
}

}  // namespace
}  // namespace nabla::onnx_io
