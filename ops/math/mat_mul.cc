// MatMul: y = a b, a [N, K], b [K, M], y [N, M].
// Backward:
//   grad_a = grad_output b^T   [N, K]
//   grad_b = a^T grad_output   [K, M]
// No attributes. Both products run through Eigen's GEMM.
#include "graph/registry.h"

namespace nabla {
namespace {

struct MatMulKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).matrix<T>().noalias() = ctx.input(0).matrix<T>() * ctx.input(1).matrix<T>();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    auto grad_output = ctx.grad_output(0).matrix<T>();
    if (ctx.needs_grad(0)) {
      ctx.grad_input(0).matrix<T>().noalias() =
          grad_output * ctx.input(1).matrix<T>().transpose();
    }
    if (ctx.needs_grad(1)) {
      ctx.grad_input(1).matrix<T>().noalias() =
          ctx.input(0).matrix<T>().transpose() * grad_output;
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("MatMul")
        .Doc("y = a b for a [N, K] and b [K, M]")
        .Input("a")
        .Input("b")
        .Output("y")
        .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
          const Shape& a = in[0];
          const Shape& b = in[1];
          if (a.rank() != 2 || b.rank() != 2) {
            NABLA_THROW(kInvalidArgument) << "a and b must be matrices, found a "
                                          << a.ToString() << " and b " << b.ToString();
          }
          if (a[1] != kUnknownDim && b[0] != kUnknownDim && a[1] != b[0]) {
            NABLA_THROW(kInvalidArgument)
                << "a " << a.ToString() << " has " << a[1] << " columns, b " << b.ToString()
                << " has " << b[0] << " rows";
          }
          return std::vector<Shape>{Shape{a[0], b[1]}};
        })
        .Sample({{}, {{3, 4}, {4, 5}}})
        .Sample({{}, {{1, 3}, {3, 1}}})
        .Kernels<MatMulKernel>());

}  // namespace
}  // namespace nabla
