// A plugin whose op trains but is wrong: FlippedTanh computes y = tanh(x)
// and returns the gradient with its sign flipped, grad_input =
// -(1 - y^2) * grad_output. `nabla gradcheck` must fail it naming the op
// and input; the plugin's other op (Copy, y = x) is right and must pass.
#include <cmath>

#include "plugins/testing/copy_op.h"

namespace {

struct FlippedTanhKernel {
  template <typename T>
  static void Forward(nabla::ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>().tanh();
  }
  template <typename T>
  static void Backward(nabla::BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const auto y = ctx.input(0).array<T>().tanh();
    ctx.grad_input(0).array<T>() = -(T(1) - y * y) * ctx.grad_output(0).array<T>();
  }
};

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::OpSchema("FlippedTanh")
                     .Doc("y = tanh(x), with a sign-flipped backward (a test plugin)")
                     .Input("x")
                     .Output("y")
                     .Shapes(nabla::ElementwiseShape)
                     .Sample({{}, {{2, 3}}})
                     .Kernels<FlippedTanhKernel>());
  registrar->Add(nabla::plugin_testing::CopySchema("Copy"));
}

}  // namespace

NABLA_PLUGIN(RegisterOps)
