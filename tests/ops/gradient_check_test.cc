// Finite-difference check of every registered op's backward.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace nabla
