// The tape and backward engine: accumulation, shared subexpressions,
// diamonds, no-grad scope, freed graphs and deep chains.
#include <gtest/gtest.h>

#include "graph/apply.h"
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

// Linear accumulates into a leaf's existing gradient in place
// (OpSchema::AccumulatesGradients), except for a leaf that is two of the
// node's inputs at once, and a weight shared by two nodes gets both sums.
TEST(Autodiff, InPlaceAccumulationHandlesSharedLeaves) {
  OpCall linear("Linear", {{"in_features", int64_t{2}}, {"out_features", int64_t{2}}});
  auto leaf = [](std::vector<double> v, Shape shape) {
    return Variable(Tensor::FromVector<double>(shape, v), /*requires_grad=*/true);
  };
  // y = a a^T + b with a [2, 2]: both the input and the weight are `a`.
  auto run_twice = [&](bool prior) {
    Variable a = leaf({1, 2, -1, 0.5}, Shape{2, 2});
    Variable b = leaf({0.5, -0.25}, Shape{2});
    if (prior) {
      a.mutable_grad() = Tensor::FromVector<double>(Shape{2, 2}, {10, 20, 30, 40});
      b.mutable_grad() = Tensor::FromVector<double>(Shape{2}, {1, 2});
    }
    Sum(linear.Apply1({a, a, b}) * linear.Apply1({a, a, b})).Backward();
    return std::make_pair(a.grad(), b.grad());
  };
  auto [fresh_a, fresh_b] = run_twice(false);
  auto [sum_a, sum_b] = run_twice(true);
  const double prior_a[] = {10, 20, 30, 40}, prior_b[] = {1, 2};
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(sum_a.at(k), prior_a[k] + fresh_a.at(k), 1e-12) << k;
  for (int k = 0; k < 2; ++k) EXPECT_NEAR(sum_b.at(k), prior_b[k] + fresh_b.at(k), 1e-12) << k;
  // d/da of sum((a a^T + b)^2), by hand: G = 2 (a a^T + b); dA = G a + G^T a.
  const double a[2][2] = {{1, 2}, {-1, 0.5}}, bias[2] = {0.5, -0.25};
  double g[2][2];
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      g[i][j] = 2 * (a[i][0] * a[j][0] + a[i][1] * a[j][1] + bias[j]);
    }
  }
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 2; ++k) {
      double expected = 0;
      for (int j = 0; j < 2; ++j) expected += g[i][j] * a[j][k] + g[j][i] * a[j][k];
      // Two nodes compute Y; the loss sum(Y1 * Y2) sends Y back through
      // each, and the two halves add up to the gradient of sum(Y^2).
      EXPECT_NEAR(fresh_a.at(i * 2 + k), expected, 1e-12) << i << "," << k;
    }
  }
}

// y = 3x whose backward records whether the engine handed it one buffer
// as grad_output(0) and grad_input(0) (OpSchema::BackwardInPlace).
bool probe_aliased = false;
struct TripleProbe {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = 3 * ctx.input(0).array<T>();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    probe_aliased = ctx.grad_input(0).data<T>() == ctx.grad_output(0).data<T>();
    ctx.grad_input(0).array<T>() = 3 * ctx.grad_output(0).array<T>();
  }
};

OpSchema TripleOp(bool in_place) {
  OpSchema op("Triple");
  op.Input("x").Output("y").Kernels<TripleProbe>().Shapes(
      [](const std::vector<Shape>& in, const AttrMap&) { return std::vector<Shape>{in[0]}; });
  if (in_place) op.BackwardInPlace();
  return op;
}

TEST(Autodiff, BackwardInPlaceWritesOverTheOutputGradient) {
  for (bool in_place : {false, true}) {
    SCOPED_TRACE(in_place ? "declared" : "not declared");
    const OpSchema op = TripleOp(in_place);
    OpCall triple(op, {}, "triple");
    Variable x = Param({1.0, -2.0, 4.0});
    Variable h = x * x;                           // d sum(3 h w) / dx = 6 x w
    Variable y = triple.Apply1({h});
    Variable w(Tensor::FromVector<double>(Shape{3}, {1.0, 0.5, -1.0}));
    probe_aliased = !in_place;
    Sum(y * w).Backward();
    EXPECT_EQ(probe_aliased, in_place);
    EXPECT_DOUBLE_EQ(x.grad().at(0), 6.0);
    EXPECT_DOUBLE_EQ(x.grad().at(1), -6.0);
    EXPECT_DOUBLE_EQ(x.grad().at(2), -24.0);
  }
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
