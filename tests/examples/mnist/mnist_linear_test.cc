// LeakyReLU with slope 1 is the identity, so mlp_leaky.pbtxt loaded with
// act1.slope=1 and act2.slope=1 is the network without activations: one
// affine map x -> W3 (W2 (W1 x + b1) + b2) + b3. The slope sweep
// (examples/mnist/slope_sweep.py) relies on that reading of its slope-1 row.
//
// Checked three ways on the same weights: against a graph file with the
// activations removed (forward and every parameter gradient), against the
// collapsed single matrix computed here in double precision, and, as a
// control that the comparison can fail, against the file's own slope 0.01.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "graph/init.h"
#include "graph/model.h"

namespace nabla {
namespace {

constexpr char kLeaky[] = "examples/mnist/mlp_leaky.pbtxt";
constexpr int64_t kBatch = 16;

// mlp_leaky.pbtxt without act1 and act2: fc1 -> fc2 -> fc3.
constexpr char kNoActivation[] = R"pb(
format_version: 1
name: "MNISTNetworkLinear"
inputs { name: "image" shape { dims: -1 dims: 784 } dtype: "float32" }
inputs { name: "label" shape { dims: -1 } dtype: "int32" }
nodes { name: "fc1" op: "Linear" inputs: "image"
        attrs { key: "in_features" value { i: 784 } }
        attrs { key: "out_features" value { i: 1000 } } }
nodes { name: "fc2" op: "Linear" inputs: "fc1"
        attrs { key: "in_features" value { i: 1000 } }
        attrs { key: "out_features" value { i: 100 } } }
nodes { name: "fc3" op: "Linear" inputs: "fc2"
        attrs { key: "in_features" value { i: 100 } }
        attrs { key: "out_features" value { i: 10 } } }
nodes { name: "loss" op: "SoftmaxCrossEntropy" inputs: "fc3" inputs: "label" }
outputs: "fc3"
loss: "loss"
)pb";

std::string WriteNoActivationGraph() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/mlp_linear.pbtxt";
  std::ofstream(path) << kNoActivation;
  return path;
}

// Pixel-like inputs in [0, 1): the hidden pre-activations still take both
// signs, so the negative branch of LeakyReLU is exercised.
Variable Images() {
  Rng rng(3);
  Tensor images(Shape{kBatch, 784});
  for (int64_t i = 0; i < images.size(); ++i) {
    images.data<float>()[i] = static_cast<float>(rng.Uniform());
  }
  return Variable(images);
}

Variable Labels() {
  Tensor labels(DType::kInt32, Shape{kBatch});
  for (int64_t i = 0; i < kBatch; ++i) labels.data<int32_t>()[i] = static_cast<int32_t>(i % 10);
  return Variable(labels);
}

const Variable& Param(const std::vector<NamedParameter>& params, const std::string& name) {
  for (const NamedParameter& p : params) {
    if (p.name == name) return p.variable;
  }
  ADD_FAILURE() << "no parameter " << name;
  static Variable none;
  return none;
}

// Copies every parameter of `from` into the same-named parameter of `to`.
void CopyParameters(const GraphModel& from, GraphModel* to) {
  std::vector<NamedParameter> source = from.NamedParameters();
  for (NamedParameter& p : to->NamedParameters()) {
    p.variable.mutable_value().CopyFrom(Param(source, p.name).value());
  }
}

double MaxAbsDiff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  double worst = 0;
  for (int64_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::fabs(double(a.data<float>()[i]) - b.data<float>()[i]));
  }
  return worst;
}

double MaxAbs(const Tensor& a) {
  double m = 0;
  for (int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a.data<float>()[i])));
  return m;
}

struct Models {
  std::shared_ptr<GraphModel> slope_one;  // mlp_leaky.pbtxt, slopes set to 1
  std::shared_ptr<GraphModel> linear;     // no activations, same weights
};

Models Load() {
  ManualSeed(11);
  Models m;
  m.slope_one = GraphModel::Load(kLeaky, {"act1.slope=1", "act2.slope=1"});
  m.linear = GraphModel::Load(WriteNoActivationGraph());
  CopyParameters(*m.slope_one, m.linear.get());
  return m;
}

TEST(MnistLinearTest, SlopeOneMatchesTheGraphWithoutActivations) {
  Models m = Load();
  Variable images = Images(), labels = Labels();
  std::map<std::string, Variable> a = m.slope_one->Run({{"image", images}, {"label", labels}});
  std::map<std::string, Variable> b = m.linear->Run({{"image", images}, {"label", labels}});
  const Tensor& logits = a.at("fc3").value();
  EXPECT_GT(MaxAbs(logits), 1e-2) << "logits too small for the comparison to mean much";
  EXPECT_LE(MaxAbsDiff(logits, b.at("fc3").value()), 1e-5 * std::max(1.0, MaxAbs(logits)));
  EXPECT_NEAR(a.at("loss").value().item(), b.at("loss").value().item(), 1e-6);

  // Same function, so same gradients: training follows the same path.
  a.at("loss").Backward();
  b.at("loss").Backward();
  std::vector<NamedParameter> grads = m.linear->NamedParameters();
  for (const NamedParameter& p : m.slope_one->NamedParameters()) {
    SCOPED_TRACE(p.name);
    const Tensor& g = p.variable.grad();
    EXPECT_LE(MaxAbsDiff(g, Param(grads, p.name).grad()), 1e-5 * std::max(1.0, MaxAbs(g)));
  }
}

// W3 W2 W1 and W3 (W2 b1 + b2) + b3 in double precision: the slope-1 network
// is one affine map from 784 pixels to 10 logits.
TEST(MnistLinearTest, SlopeOneIsOneAffineMap) {
  Models m = Load();
  std::vector<NamedParameter> params = m.slope_one->NamedParameters();
  // Weights are [out_features, in_features].
  auto weight = [&](const char* name) -> const Tensor& { return Param(params, name).value(); };
  const Tensor& w1 = weight("fc1.weight");
  const Tensor& w2 = weight("fc2.weight");
  const Tensor& w3 = weight("fc3.weight");
  const Tensor& b1 = weight("fc1.bias");
  const Tensor& b2 = weight("fc2.bias");
  const Tensor& b3 = weight("fc3.bias");
  ASSERT_EQ(w1.shape(), (Shape{1000, 784}));
  ASSERT_EQ(w2.shape(), (Shape{100, 1000}));
  ASSERT_EQ(w3.shape(), (Shape{10, 100}));

  // w32 = W3 W2 [10, 1000]; c = W3 b2 + b3 + W3 W2 b1.
  std::vector<double> w32(10 * 1000, 0.0), c(10, 0.0);
  for (int o = 0; o < 10; ++o) {
    c[o] = b3.data<float>()[o];
    for (int k = 0; k < 100; ++k) {
      const double w3ok = w3.data<float>()[o * 100 + k];
      c[o] += w3ok * b2.data<float>()[k];
      for (int j = 0; j < 1000; ++j) w32[o * 1000 + j] += w3ok * w2.data<float>()[k * 1000 + j];
    }
    for (int j = 0; j < 1000; ++j) c[o] += w32[o * 1000 + j] * b1.data<float>()[j];
  }
  std::vector<double> w(10 * 784, 0.0);  // W3 W2 W1
  for (int o = 0; o < 10; ++o) {
    for (int j = 0; j < 1000; ++j) {
      const double a = w32[o * 1000 + j];
      for (int i = 0; i < 784; ++i) w[o * 784 + i] += a * w1.data<float>()[j * 784 + i];
    }
  }

  Variable images = Images();
  Variable out = m.slope_one->Run({{"image", images}}).at("fc3");
  const Tensor& logits = out.value();
  const Tensor& x = images.value();
  double worst = 0, scale = 0;
  for (int64_t n = 0; n < kBatch; ++n) {
    for (int o = 0; o < 10; ++o) {
      double y = c[o];
      for (int i = 0; i < 784; ++i) y += w[o * 784 + i] * x.data<float>()[n * 784 + i];
      worst = std::max(worst, std::fabs(y - logits.data<float>()[n * 10 + o]));
      scale = std::max(scale, std::fabs(y));
    }
  }
  EXPECT_GT(scale, 1e-2);
  EXPECT_LE(worst, 1e-4 * std::max(1.0, scale)) << "float32 network vs double affine map";
}

// The control: at the file's own slope (0.01) the same weights give a
// different function, by far more than the tolerances above.
TEST(MnistLinearTest, OtherSlopesAreNotLinear) {
  Models m = Load();
  ManualSeed(11);
  auto leaky = GraphModel::Load(kLeaky);
  CopyParameters(*m.slope_one, leaky.get());
  Variable images = Images();
  Variable linear = m.linear->Run({{"image", images}}).at("fc3");
  Variable nonlinear = leaky->Run({{"image", images}}).at("fc3");
  EXPECT_GT(MaxAbsDiff(linear.value(), nonlinear.value()), 1e-2);
}

}  // namespace
}  // namespace nabla
