// MaxPool2D, AvgPool2D, GlobalAvgPool: forward and backward against
// hand-computed values, ties, padding, and the shape rejections. The
// registry's finite-difference check (gradient_check_test) covers their
// samples.
#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/registry.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Values;
using testing::Var;
using Ints = std::vector<int64_t>;

Variable Pool(const std::string& op, const Variable& x, AttrMap attrs) {
  return OpCall(op, std::move(attrs), "pool1").Apply1({x});
}

std::vector<double> Range(int n) {
  std::vector<double> v(n);
  for (int k = 0; k < n; ++k) v[k] = k + 1;
  return v;
}

TEST(MaxPool2D, OverlappingWindowsForwardAndBackward) {
  Variable x = Var({1, 1, 3, 3}, {1, 5, 2, 4, 3, 6, 9, 8, 7}, true);
  Variable y = Pool("MaxPool2D", x, {{"kernel_size", Ints{2}}, {"stride", Ints{1}}});
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {5, 6, 9, 8}));
  y.Backward(Values({1, 1, 2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 3, 3}, {0, 1, 0, 0, 0, 2, 3, 4, 0}));
}

TEST(MaxPool2D, StrideDefaultsToTheKernel) {
  Variable x = Var({1, 2, 4, 4}, [] {
    std::vector<double> v = Range(16), w = Range(16);
    for (double& e : w) e = -e;
    v.insert(v.end(), w.begin(), w.end());
    return v;
  }());
  Variable y = Pool("MaxPool2D", x, {{"kernel_size", Ints{2}}});
  EXPECT_TRUE(TensorNear(y.value(), {1, 2, 2, 2}, {6, 8, 14, 16, -1, -3, -9, -11}));
}

TEST(MaxPool2D, TiesGoToTheFirstMaximum) {
  Variable x = Var({1, 1, 2, 2}, {7, 7, 7, 7}, true);
  Variable y = Pool("MaxPool2D", x, {{"kernel_size", Ints{2}}});
  y.Backward(Values({1, 1, 1, 1}, {3}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 2, 2}, {3, 0, 0, 0}));
}

TEST(MaxPool2D, PaddingNeverWins) {
  Variable x = Var({1, 1, 2, 2}, {-1, -2, -3, -4}, true);
  Variable y = Pool("MaxPool2D", x,
                    {{"kernel_size", Ints{2}}, {"stride", Ints{2}}, {"padding", Ints{1}}});
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {-1, -2, -3, -4}));
  y.Backward(Values({1, 1, 2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 2, 2}, {1, 2, 3, 4}));
}

TEST(MaxPool2D, OddSizesDropTheRemainder) {
  Variable x = Var({1, 1, 3, 5}, Range(15));
  Variable y = Pool("MaxPool2D", x, {{"kernel_size", Ints{2}}});
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 1, 2}, {7, 9}));
}

TEST(AvgPool2D, Forward) {
  Variable x = Var({1, 1, 4, 4}, Range(16));
  Variable y = Pool("AvgPool2D", x, {{"kernel_size", Ints{2}}});
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {3.5, 5.5, 11.5, 13.5}));
  Variable rect = Pool("AvgPool2D", Var({1, 1, 2, 5}, Range(10)),
                       {{"kernel_size", Ints{1, 2}}, {"stride", Ints{1, 2}}});
  EXPECT_TRUE(TensorNear(rect.value(), {1, 1, 2, 2}, {1.5, 3.5, 6.5, 8.5}));
}

TEST(AvgPool2D, PaddingCountsInTheMeanLikePyTorchsDefault) {
  Variable x = Var({1, 1, 2, 2}, {1, 2, 3, 4}, true);
  Variable y = Pool("AvgPool2D", x,
                    {{"kernel_size", Ints{2}}, {"stride", Ints{2}}, {"padding", Ints{1}}});
  // Each window holds one element and three padding zeros: divided by 4.
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {0.25, 0.5, 0.75, 1}));
  y.Backward(Values({1, 1, 2, 2}, {4, 8, 12, 16}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 2, 2}, {1, 2, 3, 4}));
}

TEST(AvgPool2D, OverlappingBackwardSumsEveryWindow) {
  Variable x = Var({1, 1, 3, 3}, std::vector<double>(9, 1.0), true);
  Variable y = Pool("AvgPool2D", x, {{"kernel_size", Ints{2}}, {"stride", Ints{1}}});
  y.Backward(Values({1, 1, 2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 3, 3},
                         {0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25}));
}

TEST(GlobalAvgPool, MeanPerChannel) {
  Variable x = Var({1, 2, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40}, true);
  Variable y = Pool("GlobalAvgPool", x, {});
  EXPECT_TRUE(TensorNear(y.value(), {1, 2}, {2.5, 25}));
  y.Backward(Values({1, 2}, {4, 8}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 2, 2, 2}, {1, 1, 1, 1, 2, 2, 2, 2}));
  EXPECT_EQ(OpRegistry::Global().Get("GlobalAvgPool").shape_fn()({Shape{kUnknownDim, 64, 7, 7}}, {})[0],
            Shape({kUnknownDim, 64}));
}

std::string PoolError(const std::string& op, const Shape& x, AttrMap attrs) {
  std::string problems;
  for (const std::string& p : OpRegistry::Global().Get(op).CheckAttrs(&attrs)) problems += p;
  if (!problems.empty()) return problems;
  return ErrorOf([&] { Pool(op, Variable(Tensor::Zeros(x, DType::kFloat64)), attrs); });
}

TEST(Pool, Rejections) {
  for (const std::string op : {"MaxPool2D", "AvgPool2D"}) {
    SCOPED_TRACE(op);
    EXPECT_TRUE(Mentions(PoolError(op, {1, 1, 4, 4}, {{"kernel_size", Ints{5}}}),
                         {"node 'pool1' (" + op + ")",
                          "kernel 5x5 is larger than the padded input 4x4 (input [1, 1, 4, 4], "
                          "padding 0x0)"}));
    EXPECT_TRUE(Mentions(PoolError(op, {1, 1, 2, 6}, {{"kernel_size", Ints{5}}, {"padding", Ints{1}}}),
                         {"kernel 5x5 is larger than the padded input 4x8 (input [1, 1, 2, 6], "
                          "padding 1x1)"}));
    EXPECT_TRUE(Mentions(PoolError(op, {1, 1, 8, 8}, {{"kernel_size", Ints{3}}, {"padding", Ints{2}}}),
                         {"padding 2x2 must be at most half the kernel 3x3"}));
    EXPECT_TRUE(Mentions(PoolError(op, {1, 1, 8, 8}, {{"kernel_size", Ints{2}}, {"padding", Ints{-1}}}),
                         {"attribute 'padding': expected one or two ints, each >= 0, found [-1]"}));
    EXPECT_TRUE(Mentions(PoolError(op, {1, 1, 8, 8}, {{"kernel_size", Ints{2}}, {"stride", Ints{0}}}),
                         {"attribute 'stride': expected [], or one or two ints, each >= 1, found [0]"}));
    EXPECT_TRUE(Mentions(PoolError(op, {1, 8, 8}, {{"kernel_size", Ints{2}}}),
                         {"input must be [N, C, H, W], found [1, 8, 8]"}));
  }
  EXPECT_TRUE(Mentions(PoolError("GlobalAvgPool", {2, 8}, {}),
                       {"node 'pool1' (GlobalAvgPool)", "input must be [N, C, H, W], found [2, 8]"}));
}

}  // namespace
}  // namespace nabla
