// ReLU: y = max(x, 0).
// Backward: grad_input = grad_output if x > 0, else 0 (0 at x == 0, as in
// PyTorch).
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct ReluKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().max(T(0));
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    auto x = ctx.input(0).array<T>();
    auto grad_output = ctx.grad_output(0).array<T>();
    ctx.grad_input(0).array<T>() = (x > T(0)).select(grad_output, T(0));
  }
};

NABLA_REGISTER_OP(
    OpSchema("ReLU")
        .Doc("y = max(x, 0)")
        .Input("x")
        .Output("y")
        .Shapes(ElementwiseShape)
        .BackwardInPlace()
        .Sample({{}, {{3, 4}}, -2, 2, {0.0}})
        .Kernels<ReluKernel>());

}  // namespace
}  // namespace nabla
