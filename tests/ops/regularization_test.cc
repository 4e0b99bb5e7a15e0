// Dropout.
#include <cmath>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorsNear;
using testing::Values;
using testing::Var;

constexpr int64_t kCount = 100000;

Variable Ones(bool requires_grad = false) {
  return Variable(Tensor::Filled({kCount}, 1.0, DType::kFloat64), requires_grad);
}

double FractionOfZeros(const Tensor& t) {
  int64_t zeros = 0;
  for (int64_t k = 0; k < t.size(); ++k) zeros += t.at(k) == 0;
  return static_cast<double>(zeros) / t.size();
}

TEST(Dropout, EvalModeIsTheIdentity) {
  TrainingModeGuard eval(false);
  Tensor values = Values({2, 3}, {1, -2, 3, -4, 5, -6});
  Variable x(values, true);
  Variable y = Dropout(x, 0.5);
  EXPECT_TRUE(TensorsNear(y.value(), values, 0));
  Tensor grad = Values({2, 3}, {6, 5, 4, 3, 2, 1});
  y.Backward(grad);
  EXPECT_TRUE(TensorsNear(x.grad(), grad, 0));
}

TEST(Dropout, TrainingZeroesAboutPAndScalesTheRest) {
  TrainingModeGuard training(true);
  Variable x = Ones(true);
  Variable y = Dropout(x, 0.3);
  EXPECT_NEAR(FractionOfZeros(y.value()), 0.3, 0.01);
  for (int64_t k = 0; k < kCount; ++k) {
    const double v = y.value().at(k);
    ASSERT_TRUE(v == 0 || std::abs(v - 1 / 0.7) < 1e-12) << "element " << k << " is " << v;
  }
  // Gradient flows through exactly the kept elements, with the same scale.
  y.Backward(Tensor::Filled({kCount}, 1.0, DType::kFloat64));
  EXPECT_TRUE(TensorsNear(x.grad(), y.value(), 0));
}

TEST(Dropout, SameSeedSameMask) {
  TrainingModeGuard training(true);
  ManualSeed(7);
  Tensor first = Dropout(Ones(), 0.5).value();
  ManualSeed(7);
  Tensor second = Dropout(Ones(), 0.5).value();
  EXPECT_TRUE(TensorsNear(first, second, 0));
  // The next call draws a new seed, hence a different mask.
  Tensor third = Dropout(Ones(), 0.5).value();
  EXPECT_FALSE(TensorsNear(first, third, 0));
}

TEST(Dropout, ZeroProbabilityIsTheIdentityInTraining) {
  TrainingModeGuard training(true);
  Tensor values = Values({3}, {1, 2, 3});
  EXPECT_TRUE(TensorsNear(Dropout(Variable(values), 0).value(), values, 0));
}

TEST(Dropout, LayerFollowsItsMode) {
  auto layer = nn::Dropout(0.5);
  EXPECT_GT(FractionOfZeros(layer->Forward(Ones()).value()), 0.4);  // modules start in training
  layer->Eval();
  EXPECT_EQ(FractionOfZeros(layer->Forward(Ones()).value()), 0);
  EXPECT_EQ(layer->ToString(), "Dropout (p=0.5)\n");
}

TEST(Dropout, RejectsProbabilityOutsideZeroToOne) {
  Variable x = Var({1}, {1});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Dropout(x, 1.0); }),
                       {"attribute 'p': expected a value in [0, 1), found 1"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Dropout(x, -0.1); }),
                       {"attribute 'p': expected a value in [0, 1), found -0.1"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Dropout", {x}, {{"p", "half"}}); }),
                       {"attribute 'p': expected float, found string"}));
}

}  // namespace
}  // namespace nabla
