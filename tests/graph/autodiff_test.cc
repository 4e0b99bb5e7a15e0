// The tape and backward engine: accumulation, shared subexpressions,
// diamonds, no-grad scope, freed graphs and deep chains.
#include <gtest/gtest.h>

#include "graph/variable.h"
#include "ops/api.h"

namespace nabla {
namespace {

Variable Param(std::vector<double> values) {
  Shape shape{static_cast<int64_t>(values.size())};
  return Variable(Tensor::FromVector(shape, values), /*requires_grad=*/true);
}

TEST(Autodiff, VariableUsedTwiceAccumulates) {
  Variable x = Param({1.0, -2.0, 3.0});
  Variable y = Sum(x * x + x);  // d/dx = 2x + 1
  y.Backward();
  EXPECT_DOUBLE_EQ(x.grad().at(0), 3.0);
  EXPECT_DOUBLE_EQ(x.grad().at(1), -3.0);
  EXPECT_DOUBLE_EQ(x.grad().at(2), 7.0);
}

TEST(Autodiff, DiamondGraph) {
  // a -> b = 2a, c = a*a -> d = b * c = 2a^3; dd/da = 6a^2.
  Variable a = Param({2.0});
  Variable two(Tensor::FromVector<double>(Shape{1}, {2.0}));
  Variable b = a * two;
  Variable c = a * a;
  Variable d = Sum(b * c);
  d.Backward();
  EXPECT_DOUBLE_EQ(d.value().item(), 16.0);
  EXPECT_DOUBLE_EQ(a.grad().at(0), 24.0);
}

TEST(Autodiff, SharedSubexpressionIsDifferentiatedOnce) {
  Variable x = Param({0.5});
  Variable s = Sigmoid(x);
  Variable y = Sum(s + s + s);  // 3 sigmoid'(x)
  y.Backward();
  double sig = 1.0 / (1.0 + std::exp(-0.5));
  EXPECT_NEAR(x.grad().at(0), 3 * sig * (1 - sig), 1e-12);
}

TEST(Autodiff, GradientsAccumulateAcrossBackwardsUntilZeroGrad) {
  Variable x = Param({1.0, 2.0});
  Sum(x * x).Backward();
  Sum(x * x).Backward();
  EXPECT_DOUBLE_EQ(x.grad().at(1), 8.0);
  x.ZeroGrad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autodiff, InputsWithoutRequiresGradGetNoGradient) {
  Variable w = Param({3.0});
  Variable data(Tensor::FromVector<double>(Shape{1}, {4.0}));
  Sum(w * data).Backward();
  EXPECT_DOUBLE_EQ(w.grad().at(0), 4.0);
  EXPECT_FALSE(data.grad().defined());
}

TEST(Autodiff, NoGradScopeRecordsNothing) {
  Variable x = Param({1.0});
  Variable y;
  {
    NoGradGuard no_grad;
    y = Sum(x * x);
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  EXPECT_TRUE(GradEnabled());
  try {
    y.Backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not require gradients"), std::string::npos);
  }
}

TEST(Autodiff, SecondBackwardThroughFreedGraphIsAnError) {
  Variable x = Param({1.0});
  Variable y = Sum(x * x);
  y.Backward();
  try {
    y.Backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already freed"), std::string::npos) << e.what();
  }
}

TEST(Autodiff, RetainGraphAllowsASecondBackward) {
  Variable x = Param({3.0});
  Variable y = Sum(x * x);
  y.Backward(/*retain_graph=*/true);
  y.Backward();
  EXPECT_DOUBLE_EQ(x.grad().at(0), 12.0);
}

TEST(Autodiff, DeepChainNeitherOverflowsNorLeaksTheStack) {
  // 100,000 nodes: backward and destruction must both be iterative.
  Variable x = Param({1.0});
  Variable h = x;
  for (int i = 0; i < 100000; ++i) h = LeakyRelu(h, 1.0);
  Variable y = Sum(h);
  y.Backward();
  EXPECT_DOUBLE_EQ(x.grad().at(0), 1.0);
  // A chain that is never backpropagated is released when dropped.
  Variable g = x;
  for (int i = 0; i < 100000; ++i) g = LeakyRelu(g, 1.0);
}

TEST(Autodiff, ExplicitOutputGradient) {
  Variable x = Param({1.0, 2.0});
  Variable y = x * x;
  y.Backward(Tensor::FromVector<double>(Shape{2}, {10.0, 100.0}));
  EXPECT_DOUBLE_EQ(x.grad().at(0), 20.0);
  EXPECT_DOUBLE_EQ(x.grad().at(1), 400.0);
}

TEST(Autodiff, BackwardOnNonScalarNeedsAGradient) {
  Variable x = Param({1.0, 2.0});
  Variable y = x * x;
  EXPECT_THROW(y.Backward(), Error);
}

TEST(Autodiff, DynamicControlFlow) {
  // The graph follows C++ control flow: different branches, right grads.
  for (double start : {0.5, 4.0}) {
    Variable x = Param({start});
    Variable h = x;
    int steps = 0;
    while (h.value().at(0) < 10.0) {
      h = h * h + x;
      ++steps;
    }
    Sum(h).Backward();
    EXPECT_GT(x.grad().at(0), 0.0) << "start " << start << ", steps " << steps;
  }
}

}  // namespace
}  // namespace nabla
