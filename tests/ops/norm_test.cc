// BatchNorm: forward against hand-computed values, running statistics
// after a few steps against a hand computation (PyTorch's momentum and
// unbiased variance), eval mode reading them, the state facility through a
// layer, and the rejections. The registry's finite-difference check
// (gradient_check_test) covers its samples in training and eval mode.
#include <cmath>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/module.h"
#include "graph/registry.h"
#include "graph/gradcheck.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Values;
using testing::Var;

AttrMap Bn(int64_t c, double momentum = 0.1) {
  return {{"num_features", c}, {"momentum", momentum}};
}

TEST(BatchNorm, TrainingForwardNormalisesPerChannel) {
  // Channel 0: 1, 3 (mean 2, var 1); channel 1: 2, 6 (mean 4, var 4).
  Variable x = Var({2, 2}, {1, 2, 3, 6});
  Variable gamma = Var({2}, {2, 1}), beta = Var({2}, {0.5, -1});
  Tensor mean = Values({2}, {0, 0}), var = Values({2}, {1, 1});
  TrainingModeGuard training(true);
  Variable y = OpCall("BatchNorm", Bn(2)).Apply1({x, gamma, beta}, {&mean, &var});
  const double s0 = 1 / std::sqrt(1 + 1e-5), s1 = 2 / std::sqrt(4 + 1e-5);
  EXPECT_TRUE(TensorNear(y.value(), {2, 2},
                         {0.5 - 2 * s0, -1 - s1, 0.5 + 2 * s0, -1 + s1}, 1e-12));
  // running = 0.9 running + 0.1 batch, the variance unbiased (M / (M - 1) = 2).
  EXPECT_TRUE(TensorNear(mean, {2}, {0.2, 0.4}));
  EXPECT_TRUE(TensorNear(var, {2}, {0.9 + 0.1 * 2, 0.9 + 0.1 * 8}));
}

TEST(BatchNorm, RunningStatisticsAfterThreeStepsMatchAHandComputation) {
  // Rank 4: [N=2, C=1, H=1, W=2]; M = 4 values per channel.
  const std::vector<std::vector<double>> batches = {{1, 2, 3, 4}, {0, 0, 2, 2}, {5, 1, 1, 1}};
  Tensor mean = Values({1}, {0}), var = Values({1}, {1});
  double rm = 0, rv = 1;
  OpCall bn("BatchNorm", Bn(1, 0.25));
  TrainingModeGuard training(true);
  for (const auto& b : batches) {
    bn.Apply({Var({2, 1, 1, 2}, b), Var({1}, {1}), Var({1}, {0})}, {&mean, &var});
    double m = 0, v = 0;
    for (double x : b) m += x / 4;
    for (double x : b) v += (x - m) * (x - m) / 3;  // unbiased
    rm = 0.75 * rm + 0.25 * m;
    rv = 0.75 * rv + 0.25 * v;
  }
  EXPECT_TRUE(TensorNear(mean, {1}, {rm}));
  EXPECT_TRUE(TensorNear(var, {1}, {rv}));
}

TEST(BatchNorm, EvalUsesTheRunningStatisticsAndLeavesThemAlone) {
  Tensor mean = Values({2}, {1, -2}), var = Values({2}, {4, 0.25});
  TrainingModeGuard eval(false);
  Variable x = Var({1, 2, 1, 2}, {3, 5, -2, -1}, true);
  Variable y = OpCall("BatchNorm", {{"num_features", int64_t{2}}, {"eps", 1e-3}})
                   .Apply1({x, Var({2}, {1, 3}), Var({2}, {0, 1})}, {&mean, &var});
  const double a = 1 / std::sqrt(4.001), b = 3 / std::sqrt(0.251);
  EXPECT_TRUE(TensorNear(y.value(), {1, 2, 1, 2}, {2 * a, 4 * a, 1, 1 + b}));
  EXPECT_TRUE(TensorNear(mean, {2}, {1, -2}));
  EXPECT_TRUE(TensorNear(var, {2}, {4, 0.25}));
  // Eval backward treats the statistics as constants.
  y.Backward(Values({1, 2, 1, 2}, {1, 1, 1, 2}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 2, 1, 2}, {a, a, b, 2 * b}));
}

TEST(BatchNorm, ALayerOwnsItsStateAsBuffersNotParameters) {
  OpLayer layer("BatchNorm", Bn(3), "bn1");
  std::vector<NamedParameter> params = layer.NamedParameters();
  std::vector<NamedBuffer> buffers = layer.NamedBuffers();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "weight");
  ASSERT_EQ(buffers.size(), 2u);
  EXPECT_EQ(buffers[0].name, "running_mean");
  EXPECT_EQ(buffers[1].name, "running_var");
  EXPECT_FALSE(buffers[0].variable.requires_grad());
  EXPECT_TRUE(TensorNear(buffers[1].variable.value().To(DType::kFloat64), {3}, {1, 1, 1}));

  Tensor x(DType::kFloat32, {4, 3});
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>(k);
  layer.Train();
  layer.Forward(Variable(x));
  // Channel c holds c, c + 3, c + 6, c + 9: mean c + 4.5 after one step.
  EXPECT_NEAR(layer.state("running_mean").value().at(1), 0.1 * 5.5, 1e-6);
  const Tensor before = layer.state("running_mean").value().Clone();
  layer.Eval();
  layer.Forward(Variable(x));
  EXPECT_EQ(layer.state("running_mean").value().at(1), before.at(1));
}

TEST(BatchNorm, OneValuePerChannelInTrainingIsRefusedNamingTheNode) {
  TrainingModeGuard training(true);
  std::string message = ErrorOf([] {
    OpLayer layer("BatchNorm", Bn(3), "bn1");
    layer.Forward(Variable(Tensor(DType::kFloat32, {1, 3})));
  });
  EXPECT_TRUE(Mentions(message, {"node 'bn1'", "more than one value per channel", "[1, 3]"}));
}

TEST(BatchNorm, WrongChannelCountNamesTheNodeAndBothShapes) {
  std::string message = ErrorOf([] {
    OpLayer layer("BatchNorm", Bn(4), "bn2");
    layer.Forward(Variable(Tensor(DType::kFloat32, {2, 3, 5, 5})));
  });
  EXPECT_TRUE(Mentions(message, {"node 'bn2'", "[2, 3, 5, 5]", "3 channels", "[4]", "num_features 4"}));
  message = ErrorOf([] {
    OpLayer("BatchNorm", Bn(3), "bn3").Forward(Variable(Tensor(DType::kFloat32, {2, 3, 5})));
  });
  EXPECT_TRUE(Mentions(message, {"node 'bn3'", "[N, C] or [N, C, H, W]", "[2, 3, 5]"}));
}

TEST(BatchNorm, StateOfTheWrongShapeIsRefused) {
  Tensor mean = Values({2}, {0, 0}), var = Values({3}, {1, 1, 1});
  std::string message = ErrorOf([&] {
    OpCall("BatchNorm", Bn(2), "bn1").Apply({Var({2, 2}, {1, 2, 3, 4}), Var({2}, {1, 1}),
                                            Var({2}, {0, 0})}, {&mean, &var});
  });
  EXPECT_TRUE(Mentions(message, {"node 'bn1'", "state 'running_var'", "[2]", "[3]"}));
}

TEST(BatchNorm, PassesTheGradientCheckInBothModes) {
  EXPECT_EQ(CheckGradients(OpRegistry::Global().Get("BatchNorm")),
            std::vector<std::string>{});
}

}  // namespace
}  // namespace nabla
