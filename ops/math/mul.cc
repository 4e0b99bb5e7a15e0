// Mul: y = a * b elementwise, y has a's shape.
// b is one of (checked by the shape function):
//   same shape as a;
//   a scalar (shape [] or [1]), multiplying every element;
//   a row [M] multiplying every row of a [N, M] (per-column scales).
// Backward (b broadcast to a's shape as in the forward):
//   grad_a = grad_output * b
//   grad_b = grad_output * a, summed over every position that shares an
//            element of b: nothing to sum (same shape), all elements
//            (scalar), the rows (row: grad_b[j] = sum_i g[i, j] a[i, j]).
// No attributes.
#include <functional>

#include "graph/registry.h"
#include "ops/math/broadcast.h"

namespace nabla {
namespace {

struct MulKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    BroadcastApply<T>(ctx.input(0), ctx.input(1), ctx.output(0), std::multiplies<>());
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor& grad_output = ctx.grad_output(0);
    // grad_output has a's shape, so b broadcasts against it as against a.
    if (ctx.needs_grad(0)) {
      BroadcastApply<T>(grad_output, b, ctx.grad_input(0), std::multiplies<>());
    }
    if (!ctx.needs_grad(1)) return;
    ReduceToB<T>(a, b, ctx.grad_input(1), [&](auto view) { return view(grad_output) * view(a); });
  }
};

NABLA_REGISTER_OP(
    OpSchema("Mul")
        .Doc("y = a * b elementwise; b has a's shape, is a scalar, or is a row [M] of a [N, M]")
        .Input("a")
        .Input("b")
        .Output("y")
        .Shapes(BroadcastShapes)
        .Sample({{}, {{3, 4}, {3, 4}}})
        .Sample({{}, {{3, 4}, {}}})
        .Sample({{}, {{3, 4}, {1}}})
        .Sample({{}, {{3, 4}, {4}}})
        .Kernels<MulKernel>());

}  // namespace
}  // namespace nabla
