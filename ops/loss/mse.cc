// MSE: mean squared error, loss = sum((prediction - target)^2) / n, where n
// is the element count. prediction and target have the same shape; both
// are floating and both receive gradients (a target computed by the
// network, as in autoencoders and distillation, is differentiable).
// Backward, g the scalar output gradient:
//   grad_prediction = 2 g (prediction - target) / n
//   grad_target     = -grad_prediction
// The sum runs in double for float inputs (see reduce/sum.cc).
// No attributes.
#include "graph/registry.h"

namespace nabla {
namespace {

struct MseKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& prediction = ctx.input(0);
    const double sum =
        (prediction.array<T>() - ctx.input(1).array<T>()).square().template cast<double>().sum();
    ctx.output(0).data<T>()[0] = static_cast<T>(sum / static_cast<double>(prediction.size()));
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& prediction = ctx.input(0);
    const T scale =
        T(2) * ctx.grad_output(0).data<T>()[0] / static_cast<T>(prediction.size());
    auto diff = prediction.array<T>() - ctx.input(1).array<T>();
    if (ctx.needs_grad(0)) ctx.grad_input(0).array<T>() = scale * diff;
    if (ctx.needs_grad(1)) ctx.grad_input(1).array<T>() = -scale * diff;
  }
};

NABLA_REGISTER_OP(
    OpSchema("MSE")
        .Doc("mean over all elements of (prediction - target)^2")
        .Input("prediction")
        .Input("target")
        .Output("loss")
        .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
          if (!in[0].CompatibleWith(in[1])) {
            NABLA_THROW(kInvalidArgument) << "prediction " << in[0].ToString() << " and target "
                                          << in[1].ToString() << " must have the same shape";
          }
          return std::vector<Shape>{Shape{}};
        })
        .Sample({{}, {{3, 4}, {3, 4}}})
        .Sample({{}, {{5}, {5}}})
        .Kernels<MseKernel>());

}  // namespace
}  // namespace nabla
