// LogSoftmax over dimension 1 of x [N, C]:
//   y[i, j] = x[i, j] - m_i - log(sum_k exp(x[i, k] - m_i)),  m_i = max_k x[i, k]
// The row max keeps exp() from overflowing; y stays finite for logits of
// +-1e4 where log(softmax(x)) would give log(0) = -inf.
// Backward (from the saved output; exp(y) is the softmax):
//   grad_input[i, j] = g[i, j] - exp(y[i, j]) * sum_k g[i, k]
// No attributes.
#include <cmath>

#include "graph/registry.h"

namespace nabla {
namespace {

struct LogSoftmaxKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    if (ctx.input(0).size() == 0) return;
    auto x = ctx.input(0).matrix<T>();
    auto y = ctx.output(0).matrix<T>();
    for (int64_t i = 0; i < x.rows(); ++i) {
      y.row(i).array() = x.row(i).array() - x.row(i).maxCoeff();
      y.row(i).array() -= std::log(y.row(i).array().exp().sum());
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0) || ctx.input(0).size() == 0) return;
    auto y = ctx.output(0).matrix<T>();
    auto grad_output = ctx.grad_output(0).matrix<T>();
    auto grad_input = ctx.grad_input(0).matrix<T>();
    for (int64_t i = 0; i < y.rows(); ++i) {
      const T sum = grad_output.row(i).sum();
      grad_input.row(i).array() = grad_output.row(i).array() - y.row(i).array().exp() * sum;
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("LogSoftmax")
        .Doc("log of the softmax over dimension 1 of [N, C]")
        .Input("x")
        .Output("y")
        .Shapes(RowwiseShape)
        .Sample({{}, {{3, 4}}, -3, 3})
        .Sample({{}, {{2, 1}}, -3, 3})
        .Kernels<LogSoftmaxKernel>());

}  // namespace
}  // namespace nabla
