// A "plugin" that registers with NABLA_REGISTER_OP instead of NABLA_PLUGIN
// (it cannot include plugin_api.h, which forbids that): the loader must
// notice that opening it registered an op and fail.
#include "graph/registry.h"

namespace {

struct CopyKernel {
  template <typename T>
  static void Forward(nabla::ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>();
  }
  template <typename T>
  static void Backward(nabla::BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>();
  }
};

NABLA_REGISTER_OP(nabla::OpSchema("StaticallyRegisteredOp")
                      .Input("x")
                      .Output("y")
                      .Shapes(nabla::ElementwiseShape)
                      .Sample({{}, {{3}}})
                      .Kernels<CopyKernel>());

}  // namespace
