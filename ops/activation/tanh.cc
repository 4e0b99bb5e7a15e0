// Tanh: y = tanh(x).
// Backward: grad_input = grad_output * (1 - y^2), from the saved output.
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct TanhKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().tanh();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    auto y = ctx.output(0).array<T>();
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>() * (T(1) - y.square());
  }
};

NABLA_REGISTER_OP(
    OpSchema("Tanh")
        .Doc("y = tanh(x)")
        .Input("x")
        .Output("y")
        .Shapes(ElementwiseShape)
        .Sample({{}, {{3, 4}}, -3, 3})
        .Kernels<TanhKernel>());

}  // namespace
}  // namespace nabla
