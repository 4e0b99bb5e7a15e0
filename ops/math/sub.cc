// Sub: y = a - b, y has a's shape.
// b is one of (checked by the shape function):
//   same shape as a;
//   a scalar (shape [] or [1]), subtracted from every element;
//   a row [M] subtracted from every row of a [N, M] (the bias row).
// Backward:
//   grad_a = grad_output
//   grad_b = -grad_output summed over every position that shares an element
//            of b: nothing to sum (same shape), all elements (scalar), the
//            rows (row: grad_b[j] = sum_i grad_output[i, j]).
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

enum class Broadcast { kSame, kScalar, kRow };

// The shape function has accepted the pair, so anything else is a row.
Broadcast BroadcastOf(const Tensor& a, const Tensor& b) {
  if (b.shape() == a.shape()) return Broadcast::kSame;
  if (b.rank() <= 1 && b.size() == 1) return Broadcast::kScalar;
  return Broadcast::kRow;
}

struct SubKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& y = ctx.output(0);
    switch (BroadcastOf(a, b)) {
      case Broadcast::kSame: y.array<T>() = a.array<T>() - b.array<T>(); break;
      case Broadcast::kScalar: y.array<T>() = a.array<T>() - b.data<T>()[0]; break;
      case Broadcast::kRow:
        y.matrix<T>().array() = a.matrix<T>().array().rowwise() - b.array<T>().transpose();
        break;
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& grad_output = ctx.grad_output(0);
    if (ctx.needs_grad(0)) ctx.grad_input(0).array<T>() = grad_output.array<T>();
    if (!ctx.needs_grad(1)) return;
    Tensor& grad_b = ctx.grad_input(1);
    switch (BroadcastOf(ctx.input(0), ctx.input(1))) {
      case Broadcast::kSame: grad_b.array<T>() = -grad_output.array<T>(); break;
      case Broadcast::kScalar: grad_b.data<T>()[0] = -grad_output.array<T>().sum(); break;
      case Broadcast::kRow:
        grad_b.array<T>() = -grad_output.matrix<T>().colwise().sum().transpose().array();
        break;
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("Sub")
        .Doc("y = a - b; b has a's shape, is a scalar, or is a row [M] of a [N, M]")
        .Input("a")
        .Input("b")
        .Output("y")
        .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
          const Shape& a = in[0];
          const Shape& b = in[1];
          bool same = b.CompatibleWith(a);
          bool scalar = b.rank() == 0 || b.CompatibleWith(Shape{1});
          bool row = a.rank() == 2 && b.CompatibleWith(Shape{a[1]});
          if (!same && !scalar && !row) {
            NABLA_THROW(kInvalidArgument)
                << "b " << b.ToString() << " does not broadcast against a " << a.ToString()
                << ": expected a's shape, a scalar ([] or [1]) or a row [M] of a [N, M]";
          }
          return std::vector<Shape>{a};
        })
        .Sample({{}, {{3, 4}, {3, 4}}})
        .Sample({{}, {{3, 4}, {}}})
        .Sample({{}, {{3, 4}, {1}}})
        .Sample({{}, {{3, 4}, {4}}})
        .Kernels<SubKernel>());

}  // namespace
}  // namespace nabla
