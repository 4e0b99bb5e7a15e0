// Mean: y = (sum of every element of x) / n, a scalar (shape []), n the
// element count (NaN for an empty x, as in PyTorch).
// Backward: grad_input = g / n everywhere (g the scalar output gradient).
// Float inputs are summed in double (see sum.cc).
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct MeanKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const double sum = x.array<T>().template cast<double>().sum();
    ctx.output(0).data<T>()[0] = static_cast<T>(sum / static_cast<double>(x.size()));
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    Tensor& grad_input = ctx.grad_input(0);
    grad_input.array<T>().setConstant(ctx.grad_output(0).data<T>()[0] /
                                      static_cast<T>(grad_input.size()));
  }
};

NABLA_REGISTER_OP(
    OpSchema("Mean")
        .Doc("mean of all elements")
        .Input("x")
        .Output("y")
        .Shapes([](const std::vector<Shape>&, const AttrMap&) {
          return std::vector<Shape>{Shape{}};
        })
        .Sample({{}, {{3, 4}}})
        .Sample({{}, {{5}}})
        .Kernels<MeanKernel>());

}  // namespace
}  // namespace nabla
