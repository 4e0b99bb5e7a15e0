// Losses: SoftmaxCrossEntropy, MSE.
#include <cmath>

#include <gtest/gtest.h>

#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Var;

Variable Labels(std::vector<int32_t> labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  return Variable(Tensor::FromVector<int32_t>({n}, labels));
}

TEST(SoftmaxCrossEntropy, ForwardAndBackward) {
  // Row 0: softmax [1/2, 1/2], label 0 -> log 2.
  // Row 1: softmax [3/4, 1/4], label 0 -> log(4/3).
  Variable logits = Var({2, 2}, {0, 0, std::log(3.0), 0}, true);
  Variable loss = SoftmaxCrossEntropy(logits, Labels({0, 0}));
  EXPECT_EQ(loss.shape(), Shape({}));
  EXPECT_NEAR(loss.value().item(), (std::log(2.0) + std::log(4.0 / 3.0)) / 2, 1e-15);
  loss.Backward();
  // (softmax - one_hot) / N.
  EXPECT_TRUE(TensorNear(logits.grad(), {2, 2}, {-0.25, 0.25, -0.125, 0.125}, 1e-15));
}

TEST(SoftmaxCrossEntropy, FiniteAndCorrectForHugeLogits) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    Tensor values = Tensor::FromVector<double>({2, 2}, {1e4, -1e4, -1e4, 1e4}).To(dtype);
    Variable logits(values, true);
    Variable loss = SoftmaxCrossEntropy(logits, Labels({0, 0}));
    // Row 0 is certain and right (0), row 1 certain and wrong (2e4).
    EXPECT_NEAR(loss.value().item(), 1e4, 1e-3) << DTypeName(dtype);
    loss.Backward();
    EXPECT_TRUE(logits.grad().AllFinite());
    EXPECT_TRUE(TensorNear(logits.grad(), {2, 2}, {0, 0, -0.5, 0.5}, 1e-7));
  }
}

TEST(SoftmaxCrossEntropy, RejectsBadLabels) {
  Variable logits = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(Mentions(ErrorOf([&] { SoftmaxCrossEntropy(logits, Labels({0, 3})); }),
                       {"label 3 at row 1 is outside [0, 3)"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { SoftmaxCrossEntropy(logits, Labels({0, 1, 2})); }),
                       {"labels must be", "logits [2, 3], found [3]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { SoftmaxCrossEntropy(logits, Var({2}, {0, 1})); }),
                       {"input 1 (labels) must be int32, found float64"}));
}

TEST(MSE, ForwardAndBackward) {
  Variable prediction = Var({3}, {1, 2, 3}, true);
  Variable target = Var({3}, {1, 0, 0}, true);
  Variable loss = Mse(prediction, target);
  EXPECT_EQ(loss.shape(), Shape({}));
  EXPECT_NEAR(loss.value().item(), 13.0 / 3, 1e-15);
  loss.Backward();
  EXPECT_TRUE(TensorNear(prediction.grad(), {3}, {0, 4.0 / 3, 2}, 1e-15));  // 2 (p - t) / n
  EXPECT_TRUE(TensorNear(target.grad(), {3}, {0, -4.0 / 3, -2}, 1e-15));
}

TEST(MSE, EqualTensorsGiveZero) {
  Variable a = Var({2, 3}, {1.5, -2, 3, 1e6, 0, -7}, true);
  Variable loss = Mse(a, a);
  EXPECT_EQ(loss.value().item(), 0.0);
  loss.Backward();
  EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {0, 0, 0, 0, 0, 0}, 0));
}

TEST(MSE, RejectsDifferentShapesNamingBoth) {
  Variable prediction = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  Variable target = Var({3, 2}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Mse(prediction, target); }),
                       {"MSE", "prediction [2, 3] and target [3, 2]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("MSE", {prediction, Labels({1, 2})}); }),
                       {"input 1 (target) must be floating, found int32"}));
}

TEST(Losses, LayersTakeTwoInputs) {
  Variable logits = Var({1, 2}, {0, 0});
  EXPECT_NEAR(nn::SoftmaxCrossEntropy()->Forward({logits, Labels({1})}).value().item(),
              std::log(2.0), 1e-15);
  EXPECT_NEAR(nn::MSE()->Forward({logits, Var({1, 2}, {1, 1})}).value().item(), 1.0, 1e-15);
}

}  // namespace
}  // namespace nabla
