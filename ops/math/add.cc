// Add: y = a + b, y has a's shape.
// b is one of (checked by the shape function):
//   same shape as a;
//   a scalar (shape [] or [1]), added to every element;
//   a row [M] added to every row of a [N, M] (the bias row).
// Backward:
//   grad_a = grad_output
//   grad_b = grad_output summed over every position that shares an element
//            of b: nothing to sum (same shape), all elements (scalar), the
//            rows (row: grad_b[j] = sum_i grad_output[i, j]).
// No attributes.
#include <functional>

#include "graph/registry.h"
#include "ops/math/broadcast.h"

namespace nabla {
namespace {

struct AddKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    BroadcastApply<T>(ctx.input(0), ctx.input(1), ctx.output(0), std::plus<>());
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& grad_output = ctx.grad_output(0);
    if (ctx.needs_grad(0)) ctx.grad_input(0).array<T>() = grad_output.array<T>();
    if (!ctx.needs_grad(1)) return;
    ReduceToB<T>(ctx.input(0), ctx.input(1), ctx.grad_input(1),
                 [&](auto view) { return view(grad_output); });
  }
};

NABLA_REGISTER_OP(
    OpSchema("Add")
        .Doc("y = a + b; b has a's shape, is a scalar, or is a row [M] of a [N, M]")
        .Input("a")
        .Input("b")
        .Output("y")
        .Shapes(BroadcastShapes)
        .Sample({{}, {{3, 4}, {3, 4}}})
        .Sample({{}, {{3, 4}, {}}})
        .Sample({{}, {{3, 4}, {1}}})
        .Sample({{}, {{3, 4}, {4}}})
        .Kernels<AddKernel>());

}  // namespace
}  // namespace nabla
