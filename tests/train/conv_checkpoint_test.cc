// Conv2D's parameters (weight, and the bias, empty when bias is false)
// survive a checkpoint save -> load round trip bit-exactly, and the
// loaded model computes the same output.
#include <algorithm>
#include <cstring>
#include <fstream>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/model.h"
#include "train/checkpoint.h"

namespace nabla {
namespace {

constexpr char kGraph[] = R"(format_version: 1
name: "TwoConvs"
inputs { name: "x" shape { dims: -1 dims: 2 dims: 5 dims: 5 } dtype: "float32" }
nodes { name: "conv1" op: "Conv2D" inputs: "x"
  attrs { key: "in_channels" value { i: 2 } } attrs { key: "out_channels" value { i: 4 } }
  attrs { key: "kernel_size" value { ints { values: 3 } } } }
nodes { name: "conv2" op: "Conv2D" inputs: "conv1"
  attrs { key: "in_channels" value { i: 4 } } attrs { key: "out_channels" value { i: 2 } }
  attrs { key: "kernel_size" value { ints { values: 1 } } } attrs { key: "groups" value { i: 2 } }
  attrs { key: "bias" value { b: false } } }
nodes { name: "pool" op: "GlobalAvgPool" inputs: "conv2" }
outputs: "pool"
)";

std::string Temp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(ConvCheckpoint, RoundTripIsBitExact) {
  const std::string graph = Temp("two_convs.pbtxt");
  { std::ofstream(graph) << kGraph; }
  ManualSeed(1);
  auto saved = GraphModel::Load(graph);
  ManualSeed(2);
  auto loaded = GraphModel::Load(graph);
  std::vector<NamedParameter> a = saved->NamedParameters(), b = loaded->NamedParameters();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[3].name, "conv2.bias");
  EXPECT_EQ(a[3].variable.shape(), Shape({0}));
  EXPECT_NE(std::memcmp(a[0].variable.value().raw_data(), b[0].variable.value().raw_data(),
                        a[0].variable.value().size() * sizeof(float)),
            0);

  const std::string path = Temp("two_convs.ckpt");
  SaveCheckpoint(path, CheckpointFromModule(*saved));
  LoadReport report = LoadParameters(ReadCheckpoint(path), loaded.get());
  EXPECT_TRUE(report.ok()) << report.ToString();
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    ASSERT_EQ(a[i].variable.shape(), b[i].variable.shape());
    EXPECT_EQ(std::memcmp(a[i].variable.value().raw_data(), b[i].variable.value().raw_data(),
                          a[i].variable.value().size() * sizeof(float)),
              0);
  }
  Tensor x(DType::kFloat32, {2, 2, 5, 5});
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>(k % 11) / 11;
  Tensor ya = saved->Run({{"x", Variable(x)}}).at("pool").value();
  Tensor yb = loaded->Run({{"x", Variable(x)}}).at("pool").value();
  ASSERT_EQ(ya.shape(), Shape({2, 2}));
  EXPECT_EQ(std::memcmp(ya.raw_data(), yb.raw_data(), ya.size() * sizeof(float)), 0);
}

constexpr char kBnGraph[] = R"(format_version: 1
name: "ConvBn"
inputs { name: "x" shape { dims: -1 dims: 1 dims: 4 dims: 4 } dtype: "float32" }
nodes { name: "conv1" op: "Conv2D" inputs: "x"
  attrs { key: "in_channels" value { i: 1 } } attrs { key: "out_channels" value { i: 3 } }
  attrs { key: "kernel_size" value { ints { values: 3 } } } }
nodes { name: "bn1" op: "BatchNorm" inputs: "conv1" attrs { key: "num_features" value { i: 3 } } }
nodes { name: "pool" op: "GlobalAvgPool" inputs: "bn1" }
outputs: "pool"
)";

// BatchNorm's running statistics are state: saved as "state/<node>.<name>",
// restored bit-exactly, required by strict loading, listed in the
// fingerprint, and not parameters.
TEST(ConvCheckpoint, BatchNormStateRoundTripsBitExactly) {
  const std::string graph = Temp("conv_bn.pbtxt");
  { std::ofstream(graph) << kBnGraph; }
  ManualSeed(1);
  auto trained = GraphModel::Load(graph);
  EXPECT_EQ(trained->NamedParameters().size(), 4u);  // conv weight, bias; bn weight, bias
  ASSERT_EQ(trained->NamedBuffers().size(), 2u);
  EXPECT_EQ(trained->NamedBuffers()[0].name, "bn1.running_mean");
  Tensor x(DType::kFloat32, {3, 1, 4, 4});
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>(k % 7) / 3;
  trained->Train();
  for (int step = 0; step < 3; ++step) trained->Run({{"x", Variable(x)}});
  trained->Eval();

  Checkpoint checkpoint = CheckpointFromModule(*trained);
  bool listed = false;
  for (const auto& node : checkpoint.header.nodes()) {
    for (const auto& entry : node.params()) listed |= entry == "state running_var:[3]";
  }
  EXPECT_TRUE(listed) << "the fingerprint does not list bn1's state";
  const std::string path = Temp("conv_bn.ckpt");
  SaveCheckpoint(path, checkpoint);

  ManualSeed(2);
  auto loaded = GraphModel::Load(graph);
  loaded->Eval();
  LoadReport report = LoadParameters(ReadCheckpoint(path), loaded.get());
  EXPECT_TRUE(report.ok()) << report.ToString();
  std::vector<NamedBuffer> a = trained->NamedBuffers(), b = loaded->NamedBuffers();
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    EXPECT_NE(a[i].variable.value().at(0), i == 0 ? 0.0 : 1.0) << "state never moved";
    EXPECT_EQ(std::memcmp(a[i].variable.value().raw_data(), b[i].variable.value().raw_data(),
                          a[i].variable.value().size() * sizeof(float)),
              0);
  }
  Tensor ya = trained->Run({{"x", Variable(x)}}).at("pool").value();
  Tensor yb = loaded->Run({{"x", Variable(x)}}).at("pool").value();
  EXPECT_EQ(std::memcmp(ya.raw_data(), yb.raw_data(), ya.size() * sizeof(float)), 0);

  // A checkpoint without the state does not load strictly.
  Checkpoint stateless = ReadCheckpoint(path);
  stateless.params.erase(
      std::remove_if(stateless.params.begin(), stateless.params.end(),
                     [](const auto& p) { return p.first.rfind(kStateTensorPrefix, 0) == 0; }),
      stateless.params.end());
  try {
    LoadParameters(stateless, loaded.get());
    FAIL() << "loaded a checkpoint that lacks bn1's state";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing from the checkpoint: 'state/bn1.running_mean'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

// After many training-mode passes over one batch the running statistics
// equal that batch's (momentum 0.1: 0.9^100 of the initial values remain),
// so eval mode must compute what training mode computes on it, up to the
// unbiased variance (M / (M - 1), M = 3 * 16 here... per channel).
TEST(ConvBatchNorm, EvalMatchesTrainingOnceTheStatisticsConverge) {
  const std::string graph = Temp("conv_bn_eval.pbtxt");
  { std::ofstream(graph) << kBnGraph; }
  ManualSeed(3);
  auto model = GraphModel::Load(graph);
  Tensor x(DType::kFloat32, {64, 1, 4, 4});
  Rng rng(5);
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>(rng.Uniform(0, 1));
  model->Train();
  Tensor train_out;
  {
    NoGradGuard no_grad;
    for (int step = 0; step < 200; ++step) train_out = model->Run({{"x", Variable(x)}}).at("pool").value();
  }
  model->Eval();
  Tensor eval_out = model->Run({{"x", Variable(x)}}).at("pool").value();
  for (int64_t k = 0; k < train_out.size(); ++k) {
    EXPECT_NEAR(eval_out.at(k), train_out.at(k), 2e-2 * (1 + std::abs(train_out.at(k)))) << k;
  }
}

}  // namespace
}  // namespace nabla
