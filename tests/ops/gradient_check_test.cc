// Finite-difference check of every registered op's backward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "graph/registry.h"
#include "graph/gradcheck.h"

namespace nabla {
namespace {

TEST(GradientCheck, EveryRegisteredOp) {
  std::vector<std::string> names = OpRegistry::Global().Names();
  ASSERT_GE(names.size(), 19u) << "built-in ops are missing from the registry";
  for (const std::string& name : names) {
    const OpSchema& op = OpRegistry::Global().Get(name);
    SCOPED_TRACE(name);
    EXPECT_FALSE(op.samples().empty()) << name << " declares no gradient-check samples";
    for (const std::string& problem : CheckGradients(op)) ADD_FAILURE() << problem;
  }
}

// y = x^2 with a backward under test: Grad::Run<T>(ctx).
template <typename Grad>
struct SquareKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().square();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    Grad::template Run<T>(ctx);
  }
};

template <typename Grad>
OpSchema SquareOp(const std::string& name) {
  return OpSchema(name)
      .Input("x")
      .Output("y")
      .Shapes(ElementwiseShape)
      .Sample({{}, {{3}}})
      .template Kernels<SquareKernel<Grad>>();
}

// The checker itself must catch a wrong backward.
struct MissesTheFactorTwo {
  template <typename T>
  static void Run(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>();
  }
};

TEST(GradientCheck, CatchesAWrongBackward) {
  EXPECT_FALSE(CheckGradients(SquareOp<MissesTheFactorTwo>("WrongSquare")).empty());
}

// The structured result: one entry per sample and floating input, with the
// largest relative error and where it is.
TEST(GradientCheck, ReportsTheLargestErrorPerInput) {
  const GradCheckResult wrong = RunGradCheck(SquareOp<MissesTheFactorTwo>("WrongSquare"));
  EXPECT_FALSE(wrong.passed());
  EXPECT_EQ(wrong.op, "WrongSquare");
  ASSERT_EQ(wrong.entries.size(), 1u);
  const GradCheckEntry& e = wrong.entries[0];
  EXPECT_EQ(e.sample, 0);
  EXPECT_EQ(e.index, 0);
  EXPECT_EQ(e.name, "x");
  EXPECT_FALSE(e.is_param);
  EXPECT_EQ(e.elements, 3);
  EXPECT_FALSE(e.pass);
  EXPECT_TRUE(e.accumulates);
  // analytic g, numeric 2 x g: the reported error is the one at `worst`.
  EXPECT_NEAR(e.max_error, std::abs(e.numeric - e.analytic) / std::max(1.0, std::abs(e.numeric)),
              1e-12);
  EXPECT_GT(e.max_error, kGradCheckTolerance);
  EXPECT_GE(e.worst, 0);
  EXPECT_LT(e.worst, 3);

  const GradCheckResult right = RunGradCheck(OpRegistry::Global().Get("PReLU"));
  EXPECT_TRUE(right.passed());
  bool saw_slope = false;
  for (const GradCheckEntry& entry : right.entries) {
    EXPECT_TRUE(entry.pass) << entry.name;
    EXPECT_LE(entry.max_error, kGradCheckTolerance);
    saw_slope |= entry.is_param && entry.name == "slope" && entry.index == 1;
  }
  EXPECT_TRUE(saw_slope);
}

// A NaN gradient is never within tolerance.
struct ReturnsNaN {
  template <typename T>
  static void Run(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = std::numeric_limits<T>::quiet_NaN();
  }
};

TEST(GradientCheck, FailsANaNGradient) {
  const GradCheckResult result = RunGradCheck(SquareOp<ReturnsNaN>("NaNSquare"));
  EXPECT_FALSE(result.passed());
  ASSERT_EQ(result.entries.size(), 1u);
  EXPECT_TRUE(std::isnan(result.entries[0].max_error));
}

// Correct gradient, but it overwrites where it promised to accumulate.
struct Overwrites {
  template <typename T>
  static void Run(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = 2 * ctx.input(0).array<T>() * ctx.grad_output(0).array<T>();
  }
};

TEST(GradientCheck, CatchesABackwardThatIgnoresAccumulates) {
  OpSchema op = SquareOp<Overwrites>("OverwritingSquare").AccumulatesGradients();
  const std::vector<std::string> problems = CheckGradients(op);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("accumulated gradient"), std::string::npos) << problems[0];
  // Without the promise the engine accumulates, and the same kernel passes.
  EXPECT_TRUE(CheckGradients(SquareOp<Overwrites>("Square")).empty());
}

// Overwrites grad_input with zeros, then adds: in place that zeroes the
// output gradient it was about to read.
struct ZeroesFirst {
  template <typename T>
  static void Run(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = T(0);
    ctx.grad_input(0).array<T>() += 2 * ctx.input(0).array<T>() * ctx.grad_output(0).array<T>();
  }
};

TEST(GradientCheck, RunsBackwardInPlaceOpsInPlace) {
  OpSchema unsafe = SquareOp<ZeroesFirst>("ZeroingSquare").BackwardInPlace();
  const std::vector<std::string> problems = CheckGradients(unsafe);
  EXPECT_FALSE(problems.empty()) << "an in-place call of a kernel that is not in-place safe passed";
  // Without the promise the same kernel gets its own buffer and passes.
  EXPECT_TRUE(CheckGradients(SquareOp<ZeroesFirst>("Square")).empty());
  // A kernel that reads each element before writing it passes in place.
  EXPECT_TRUE(CheckGradients(SquareOp<Overwrites>("Square").BackwardInPlace()).empty());
}

}  // namespace
}  // namespace nabla
