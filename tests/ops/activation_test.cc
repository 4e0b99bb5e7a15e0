// Activations: ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, Softmax, LogSoftmax.
#include <cmath>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::TensorsNear;
using testing::Values;
using testing::Var;

TEST(ReLU, ForwardAndBackward) {
  Variable x = Var({4}, {-2, -0.5, 0, 1.5}, true);
  Variable y = Relu(x);
  EXPECT_TRUE(TensorNear(y.value(), {4}, {0, 0, 0, 1.5}));
  y.Backward(Values({4}, {1, 2, 3, 4}));
  EXPECT_TRUE(TensorNear(x.grad(), {4}, {0, 0, 0, 4}));
}

TEST(ReLU, RejectsUnknownAttribute) {
  Variable x = Var({1}, {1});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("ReLU", {x}, {{"slope", 0.1}}); }),
                       {"unknown attribute 'slope' for op ReLU", "it has: none"}));
}

TEST(LeakyReLU, ForwardAndBackward) {
  Variable x = Var({4}, {-2, -0.5, 0, 1.5}, true);
  Variable y = LeakyRelu(x, 0.1);
  EXPECT_TRUE(TensorNear(y.value(), {4}, {-0.2, -0.05, 0, 1.5}, 1e-15));
  y.Backward(Values({4}, {1, 2, 3, 4}));
  // At x == 0 the gradient is the slope's.
  EXPECT_TRUE(TensorNear(x.grad(), {4}, {0.1, 0.2, 0.3, 4}, 1e-15));
}

TEST(LeakyReLU, SlopeOneIsTheIdentity) {
  Tensor values = Values({2, 3}, {-3, -0.25, 0, 0.5, 2, -1e6});
  Variable x(values, true);
  Variable y = LeakyRelu(x, 1.0);
  EXPECT_TRUE(TensorsNear(y.value(), values, 0));
  Tensor grad = Values({2, 3}, {1, -2, 3, -4, 5, -6});
  y.Backward(grad);
  EXPECT_TRUE(TensorsNear(x.grad(), grad, 0));
}

TEST(LeakyReLU, RejectsBadAttributes) {
  Variable x = Var({1}, {1});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("LeakyReLU", {x}, {{"slope", "abc"}}); }),
                       {"attribute 'slope': expected float, found string"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("LeakyReLU", {x}, {{"slop", 0.1}}); }),
                       {"unknown attribute 'slop' for op LeakyReLU", "it has: slope"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("LeakyReLU", {x}, {{"slope", INFINITY}}); }),
                       {"attribute 'slope': expected a finite number"}));
}

TEST(PReLU, SharedSlope) {
  Variable x = Var({2, 2}, {-1, 2, -3, 4}, true);
  Variable slope = Var({1}, {0.5}, true);
  Variable y = PRelu(x, slope);
  EXPECT_TRUE(TensorNear(y.value(), {2, 2}, {-0.5, 2, -1.5, 4}));
  y.Backward(Values({2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 2}, {0.5, 1, 0.5, 1}));
  EXPECT_TRUE(TensorNear(slope.grad(), {1}, {-4}));  // sum of x where x <= 0
}

TEST(PReLU, SlopePerChannel) {
  Variable x = Var({2, 2}, {-1, -2, 3, -4}, true);
  Variable slope = Var({2}, {0.5, 0.25}, true);
  Variable y = PRelu(x, slope);
  EXPECT_TRUE(TensorNear(y.value(), {2, 2}, {-0.5, -0.5, 3, -1}));
  y.Backward(Values({2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(slope.grad(), {2}, {-1, -6}));
}

TEST(PReLU, FrozenSlopeEqualsLeakyReLU) {
  Tensor values = Values({3, 4}, {-2, -1, -0.5, 0.5, 1, 2, -3, 3, 0.25, -0.25, 4, -4});
  Tensor grad = Values({3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  Variable x(values, true);
  Variable slope = Var({1}, {0.2}, /*requires_grad=*/false);
  Variable prelu = PRelu(x, slope);
  prelu.Backward(grad);
  Tensor prelu_grad = x.grad().Clone();
  x.ZeroGrad();
  Variable leaky = LeakyRelu(x, 0.2);
  leaky.Backward(grad);
  EXPECT_TRUE(TensorsNear(prelu.value(), leaky.value(), 0));
  EXPECT_TRUE(TensorsNear(prelu_grad, x.grad(), 0));
}

TEST(PReLU, RejectsBadAttributesAndShapes) {
  EXPECT_TRUE(Mentions(ErrorOf([] { nn::PReLU(0); }),
                       {"attribute 'num_parameters': expected a value > 0, found 0"}));
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  Variable slope = Var({2}, {0.1, 0.2});
  EXPECT_TRUE(Mentions(ErrorOf([&] { PRelu(x, slope); }),
                       {"input [2, 3] has 3 channels (dim 1), num_parameters is 2"}));
}

TEST(PReLU, LayerOwnsItsSlope) {
  auto layer = nn::PReLU(3, 0.1);
  EXPECT_EQ(layer->parameter("slope").shape(), Shape({3}));
  EXPECT_TRUE(TensorNear(layer->parameter("slope").value(), {3}, {0.1, 0.1, 0.1}, 1e-7));
  EXPECT_FALSE(layer->NamedParameters()[0].weight_decay);
}

TEST(Sigmoid, ForwardAndBackwardStayFinite) {
  const double ln3 = std::log(3.0);
  Variable x = Var({5}, {0, ln3, -ln3, 1e4, -1e4}, true);
  Variable y = Sigmoid(x);
  EXPECT_TRUE(TensorNear(y.value(), {5}, {0.5, 0.75, 0.25, 1, 0}, 1e-15));
  y.Backward(Values({5}, {1, 1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {5}, {0.25, 0.1875, 0.1875, 0, 0}, 1e-15));
}

TEST(Sigmoid, Float32AtLargeInputs) {
  Variable x(Tensor::FromVector<float>({3}, {-1e4f, 0.f, 1e4f}));
  EXPECT_TRUE(TensorNear(Sigmoid(x).value(), {3}, {0, 0.5, 1}, 0));
}

TEST(Tanh, ForwardAndBackward) {
  const double a = std::atanh(0.5);
  Variable x = Var({3}, {0, a, -a}, true);
  Variable y = Tanh(x);
  EXPECT_TRUE(TensorNear(y.value(), {3}, {0, 0.5, -0.5}, 1e-15));
  y.Backward(Values({3}, {1, 2, 4}));
  EXPECT_TRUE(TensorNear(x.grad(), {3}, {1, 1.5, 3}, 1e-15));
}

TEST(Softmax, Forward) {
  Variable x = Var({2, 3}, {0, std::log(2.0), std::log(5.0), 1e4, 1e4, -1e4});
  EXPECT_TRUE(TensorNear(Softmax(x).value(), {2, 3}, {0.125, 0.25, 0.625, 0.5, 0.5, 0}, 1e-15));
}

TEST(Softmax, RowsSumToOne) {
  Variable x(Tensor::FromVector<float>({3, 4}, {1, 2, 3, 4, -50, 0, 50, 80, 1e4f, -1e4f, 0, 1e4f}));
  Tensor y = Softmax(x).value();
  for (int64_t i = 0; i < 3; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < 4; ++j) sum += y.at(i * 4 + j);
    EXPECT_NEAR(sum, 1.0, 1e-6) << "row " << i;
  }
  EXPECT_TRUE(y.AllFinite());
}

TEST(Softmax, Backward) {
  Variable x = Var({1, 3}, {0, std::log(2.0), std::log(5.0)}, true);
  Softmax(x).Backward(Values({1, 3}, {1, 0, 0}));
  // y * (g - sum(g * y)) with y = [1/8, 1/4, 5/8] and sum(g * y) = 1/8.
  EXPECT_TRUE(TensorNear(x.grad(), {1, 3}, {0.109375, -0.03125, -0.078125}, 1e-15));
}

TEST(Softmax, RejectsRankOtherThanTwo) {
  Variable x = Var({3}, {1, 2, 3});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Softmax(x); }),
                       {"Softmax", "input must be [batch, classes], found [3]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { LogSoftmax(x); }),
                       {"LogSoftmax", "input must be [batch, classes], found [3]"}));
}

TEST(LogSoftmax, ForwardIsFiniteForLargeLogits) {
  const double ln2 = std::log(2.0);
  Variable x = Var({2, 3}, {0, ln2, std::log(5.0), 1e4, 1e4, -1e4});
  EXPECT_TRUE(TensorNear(LogSoftmax(x).value(), {2, 3},
                         {std::log(0.125), std::log(0.25), std::log(0.625), -ln2, -ln2,
                          -2e4 - ln2},
                         1e-12));
}

TEST(LogSoftmax, EqualsLogOfSoftmax) {
  Variable x = Var({2, 3}, {0.5, -1, 2, 3, 3, -0.25});
  Tensor log_softmax = LogSoftmax(x).value();
  Tensor softmax = Softmax(x).value();
  for (int64_t k = 0; k < 6; ++k) EXPECT_NEAR(log_softmax.at(k), std::log(softmax.at(k)), 1e-14);
}

TEST(LogSoftmax, Backward) {
  Variable x = Var({1, 3}, {0, std::log(2.0), std::log(5.0)}, true);
  LogSoftmax(x).Backward(Values({1, 3}, {1, 0, 0}));
  // g - softmax * sum(g).
  EXPECT_TRUE(TensorNear(x.grad(), {1, 3}, {0.875, -0.25, -0.625}, 1e-15));
}

TEST(Activations, LayersHaveNoParameters) {
  for (auto layer : {nn::ReLU(), nn::LeakyReLU(0.2), nn::Sigmoid(), nn::Tanh(), nn::Softmax(),
                     nn::LogSoftmax()}) {
    EXPECT_EQ(layer->NumParameters(), 0) << layer->type_name();
    Variable y = layer->Forward(Var({1, 2}, {1, -1}));
    EXPECT_EQ(y.shape(), Shape({1, 2})) << layer->type_name();
  }
}

}  // namespace
}  // namespace nabla
