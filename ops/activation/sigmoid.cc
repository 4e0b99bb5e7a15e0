// Sigmoid: y = 1 / (1 + exp(-x)).
// Backward: grad_input = grad_output * y * (1 - y), from the saved output, so
// it never evaluates exp again and stays finite for any x.
// Forward is stable for large |x|: exp(-x) overflows to inf for x << 0 and
// 1 / inf is 0; it never forms inf / inf.
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct SigmoidKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = (T(1) + (-ctx.input(0).array<T>()).exp()).inverse();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    auto y = ctx.output(0).array<T>();
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>() * y * (T(1) - y);
  }
};

NABLA_REGISTER_OP(
    OpSchema("Sigmoid")
        .Doc("y = 1 / (1 + exp(-x))")
        .Input("x")
        .Output("y")
        .Shapes(ElementwiseShape)
        .Sample({{}, {{3, 4}}, -4, 4})
        .Kernels<SigmoidKernel>());

}  // namespace
}  // namespace nabla
