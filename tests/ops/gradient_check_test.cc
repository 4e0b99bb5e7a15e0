// Finite-difference check of every registered op's backward.
#include <gtest/gtest.h>

#include "graph/registry.h"
#include "tests/ops/gradient_check.h"

namespace nabla {
namespace {

TEST(GradientCheck, EveryRegisteredOp) {
  std::vector<std::string> names = OpRegistry::Global().Names();
  ASSERT_GE(names.size(), 19u) << "built-in ops are missing from the registry";
  for (const std::string& name : names) {
    const OpSchema& op = OpRegistry::Global().Get(name);
    SCOPED_TRACE(name);
    EXPECT_FALSE(op.samples().empty()) << name << " declares no gradient-check samples";
    for (const std::string& problem : testing::CheckGradients(op)) ADD_FAILURE() << problem;
  }
}

// The checker itself must catch a wrong backward.
struct WrongBackwardKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().square();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>();  // misses 2x
  }
};

TEST(GradientCheck, CatchesAWrongBackward) {
  OpSchema op = OpSchema("WrongSquare")
                    .Input("x")
                    .Output("y")
                    .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
                      return std::vector<Shape>{in[0]};
                    })
                    .Sample({{}, {{3}}})
                    .Kernels<WrongBackwardKernel>();
  EXPECT_FALSE(testing::CheckGradients(op).empty());
}

// Correct gradient, but it overwrites where it promised to accumulate.
struct OverwritingKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().square();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = 2 * ctx.input(0).array<T>() * ctx.grad_output(0).array<T>();
  }
};

TEST(GradientCheck, CatchesABackwardThatIgnoresAccumulates) {
  OpSchema op = OpSchema("OverwritingSquare")
                    .Input("x")
                    .Output("y")
                    .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
                      return std::vector<Shape>{in[0]};
                    })
                    .Sample({{}, {{3}}})
                    .AccumulatesGradients()
                    .Kernels<OverwritingKernel>();
  const std::vector<std::string> problems = testing::CheckGradients(op);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("accumulated gradient"), std::string::npos) << problems[0];
}

}  // namespace
}  // namespace nabla
