// Reductions: Sum, Mean.
#include <gtest/gtest.h>

#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::TensorNear;
using testing::Values;
using testing::Var;

TEST(Sum, ForwardAndBackward) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6}, true);
  Variable y = Sum(x);
  EXPECT_EQ(y.shape(), Shape({}));
  EXPECT_EQ(y.value().item(), 21);
  y.Backward(Values({}, {2}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 3}, {2, 2, 2, 2, 2, 2}));
}

TEST(Sum, OfAScalar) {
  Variable x = Var({}, {-4}, true);
  Variable y = Sum(x);
  EXPECT_EQ(y.value().item(), -4);
  y.Backward();
  EXPECT_TRUE(TensorNear(x.grad(), {}, {1}));
}

TEST(Sum, Float32AccumulatesAccurately) {
  // A float running sum of a million 0.1f drifts by about 1%.
  Variable x(Tensor::Filled({1000, 1000}, 0.1, DType::kFloat32));
  EXPECT_NEAR(Sum(x).value().item(), 1e5, 0.01);
  EXPECT_NEAR(Mean(x).value().item(), 0.1, 1e-8);
}

TEST(Mean, ForwardAndBackward) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6}, true);
  Variable y = Mean(x);
  EXPECT_EQ(y.shape(), Shape({}));
  EXPECT_EQ(y.value().item(), 3.5);
  y.Backward(Values({}, {3}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 3}, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}));
}

}  // namespace
}  // namespace nabla
