// Optimiser updates against values computed by hand with PyTorch's rules.
#include "train/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ops/api.h"

namespace nabla {
namespace {

NamedParameter Param(const std::string& name, std::vector<float> values, bool weight_decay = true) {
  Shape shape{static_cast<int64_t>(values.size())};
  return {name, Variable(Tensor::FromVector(shape, values), true), weight_decay};
}

void SetGrad(NamedParameter& p, std::vector<float> grad) {
  p.variable.mutable_grad() = Tensor::FromVector(p.variable.shape(), grad);
}

TEST(Sgd, MomentumAndWeightDecayFollowPyTorch) {
  NamedParameter w = Param("w", {1.0f, -2.0f});
  Sgd sgd({w}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  // Step 1: d = g + wd*p = [0.51, 0.48]; buf = d; p -= 0.1*buf.
  SetGrad(w, {0.5f, 0.5f});
  sgd.Step();
  EXPECT_NEAR(w.variable.value().at(0), 1.0 - 0.1 * 0.51, 1e-6);
  EXPECT_NEAR(w.variable.value().at(1), -2.0 - 0.1 * 0.48, 1e-6);
  // Step 2: buf = 0.9*buf + d.
  double p0 = 1.0 - 0.051, d0 = 0.5 + 0.01 * p0, buf0 = 0.9 * 0.51 + d0;
  sgd.Step();
  EXPECT_NEAR(w.variable.value().at(0), p0 - 0.1 * buf0, 1e-6);
  EXPECT_NEAR(sgd.state().buffers.at("w")[0].at(0), buf0, 1e-6);
  EXPECT_EQ(sgd.state().step, 2);
}

TEST(Sgd, ParametersWithoutWeightDecayAreExempt) {
  NamedParameter slope = Param("act.slope", {0.25f}, /*weight_decay=*/false);
  Sgd sgd({slope}, {.lr = 1.0, .momentum = 0.0, .weight_decay = 0.5});
  SetGrad(slope, {0.0f});
  sgd.Step();
  EXPECT_FLOAT_EQ(slope.variable.value().at(0), 0.25f);
  sgd.SetWeightDecayEnabled("act.slope", true);
  sgd.Step();
  EXPECT_FLOAT_EQ(slope.variable.value().at(0), 0.25f - 0.125f);
}

TEST(Sgd, PReluSlopesAreExemptByDefault) {
  auto prelu = nn::PReLU(1, 0.25);
  ASSERT_EQ(prelu->NamedParameters().size(), 1u);
  EXPECT_FALSE(prelu->NamedParameters()[0].weight_decay);
  EXPECT_TRUE(nn::Linear(2, 2)->NamedParameters()[0].weight_decay);
}

TEST(Adam, MatchesTheReferenceUpdate) {
  NamedParameter w = Param("w", {1.0f});
  Adam adam({w}, {.lr = 0.1});
  SetGrad(w, {0.5f});
  adam.Step();
  // First step: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps).
  EXPECT_NEAR(w.variable.value().at(0), 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), 1e-6);
  SetGrad(w, {-1.0f});
  adam.Step();
  double m = 0.9 * 0.05 + 0.1 * -1.0, v = 0.999 * 0.00025 + 0.001 * 1.0;
  double m_hat = m / (1 - 0.81), v_hat = v / (1 - 0.999 * 0.999);
  EXPECT_NEAR(w.variable.value().at(0), 0.9 - 0.1 * m_hat / (std::sqrt(v_hat) + 1e-8), 1e-5);
}

// A small PReLU network, the same for a given seed.
std::shared_ptr<Sequential> SmallNet(uint64_t seed) {
  ManualSeed(seed);
  auto net = std::make_shared<Sequential>();
  net->Add(nn::Linear(4, 5)).Add(nn::PReLU(1, 0.1)).Add(nn::Linear(5, 3));
  return net;
}

// Trains `steps` steps on fixed data, dropping gradients either the classic
// way (ZeroGrad, Backward, Step) or after the update (StepAndZeroGrad).
template <typename Opt, typename Options>
std::vector<Tensor> Train(Options options, bool zero_in_step, int steps) {
  auto net = SmallNet(7);
  Opt opt(net->NamedParameters(), options);
  Tensor x = Tensor::FromVector<float>(Shape{2, 4}, {1, -2, 3, 0.5f, -1, 0.25f, 2, -3});
  Tensor y = Tensor::FromVector<int32_t>(Shape{2}, {0, 2});
  for (int step = 0; step < steps; ++step) {
    Variable loss = SoftmaxCrossEntropy(net->Forward(Variable(x)), Variable(y));
    if (!zero_in_step) opt.ZeroGrad();
    loss.Backward();
    if (!zero_in_step) {
      opt.Step();
      continue;
    }
    for (const NamedParameter& p : net->NamedParameters()) {
      EXPECT_TRUE(p.variable.grad().defined()) << p.name << " after backward, step " << step;
    }
    opt.StepAndZeroGrad();
    // Dropped, so the next backward overwrites a fresh gradient.
    for (const NamedParameter& p : net->NamedParameters()) {
      EXPECT_FALSE(p.variable.grad().defined()) << p.name << " after the step, step " << step;
    }
  }
  std::vector<Tensor> values;
  for (const NamedParameter& p : net->NamedParameters()) values.push_back(p.variable.value());
  return values;
}

void ExpectSameValues(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (int64_t k = 0; k < a[i].size(); ++k) {
      EXPECT_EQ(a[i].data<float>()[k], b[i].data<float>()[k])
          << "parameter " << i << " [" << k << "]";
    }
  }
}

// Bit for bit: both orders drop the gradients before each backward.
TEST(Optimizer, StepAndZeroGradTrainsExactlyLikeZeroGradThenStep) {
  SgdOptions momentum{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01};
  ExpectSameValues(Train<Sgd>(momentum, false, 6), Train<Sgd>(momentum, true, 6));
  SgdOptions nesterov{.lr = 0.1, .momentum = 0.9, .nesterov = true};
  ExpectSameValues(Train<Sgd>(nesterov, false, 6), Train<Sgd>(nesterov, true, 6));
  SgdOptions plain{.lr = 0.1, .momentum = 0.0};
  ExpectSameValues(Train<Sgd>(plain, false, 6), Train<Sgd>(plain, true, 6));
  AdamOptions adam{.lr = 0.01};
  ExpectSameValues(Train<Adam>(adam, false, 6), Train<Adam>(adam, true, 6));
}

TEST(Optimizer, StateRoundTripsAndMismatchesAreNamed) {
  NamedParameter w = Param("w", {1.0f, 2.0f});
  Sgd sgd({w}, {.lr = 0.1, .momentum = 0.9});
  SetGrad(w, {1.0f, 1.0f});
  sgd.Step();
  OptimizerState saved = sgd.state();
  NamedParameter w2 = Param("w", {1.0f, 2.0f});
  Sgd restored({w2}, {.lr = 0.1, .momentum = 0.9});
  restored.LoadState(saved);
  EXPECT_EQ(restored.state().buffers.at("w")[0].at(1), 1.0);

  OptimizerState wrong;
  wrong.buffers["v"] = {Tensor::Zeros(Shape{2})};
  wrong.buffers["w"] = {Tensor::Zeros(Shape{3})};
  try {
    restored.LoadState(wrong);
    FAIL();
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("unexpected optimiser state for parameter 'v'"), std::string::npos);
    EXPECT_NE(message.find("parameter 'w': buffer [3], parameter [2]"), std::string::npos);
  }
}

}  // namespace
}  // namespace nabla
