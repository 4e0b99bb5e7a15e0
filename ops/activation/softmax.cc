// Softmax over dimension 1 of x [N, C]:
//   y[i, j] = exp(x[i, j] - m_i) / sum_k exp(x[i, k] - m_i),  m_i = max_k x[i, k]
// Subtracting the row max changes nothing mathematically and keeps exp()
// from overflowing, so logits of +-1e4 give finite probabilities.
// Backward (from the saved output):
//   grad_input[i, j] = y[i, j] * (g[i, j] - sum_k g[i, k] y[i, k])
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct SoftmaxKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    if (ctx.input(0).size() == 0) return;
    auto x = ctx.input(0).matrix<T>();
    auto y = ctx.output(0).matrix<T>();
    for (int64_t i = 0; i < x.rows(); ++i) {
      const T max = x.row(i).maxCoeff();
      y.row(i).array() = (x.row(i).array() - max).exp();
      y.row(i) *= T(1) / y.row(i).sum();
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0) || ctx.input(0).size() == 0) return;
    auto y = ctx.output(0).matrix<T>();
    auto grad_output = ctx.grad_output(0).matrix<T>();
    auto grad_input = ctx.grad_input(0).matrix<T>();
    for (int64_t i = 0; i < y.rows(); ++i) {
      const T dot = grad_output.row(i).dot(y.row(i));
      grad_input.row(i).array() = y.row(i).array() * (grad_output.row(i).array() - dot);
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("Softmax")
        .Doc("softmax over dimension 1 of [N, C]")
        .Input("x")
        .Output("y")
        .Shapes(RowwiseShape)
        .Sample({{}, {{3, 4}}, -3, 3})
        .Sample({{}, {{2, 1}}, -3, 3})
        .Kernels<SoftmaxKernel>());

}  // namespace
}  // namespace nabla
