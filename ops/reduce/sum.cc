// Sum: y = sum of every element of x, a scalar (shape []).
// Backward: grad_input = g everywhere (g the scalar output gradient).
// Float inputs are summed in double: a float running sum over a million
// activations loses several digits.
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct SumKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const double sum = ctx.input(0).array<T>().template cast<double>().sum();
    ctx.output(0).data<T>()[0] = static_cast<T>(sum);
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    ctx.grad_input(0).array<T>().setConstant(ctx.grad_output(0).data<T>()[0]);
  }
};

NABLA_REGISTER_OP(
    OpSchema("Sum")
        .Doc("sum of all elements")
        .Input("x")
        .Output("y")
        .Shapes([](const std::vector<Shape>&, const AttrMap&) {
          return std::vector<Shape>{Shape{}};
        })
        .Sample({{}, {{3, 4}}})
        .Sample({{}, {{}}})
        .Kernels<SumKernel>());

}  // namespace
}  // namespace nabla
