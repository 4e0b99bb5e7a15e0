// A trivial valid op (y = x) for the broken test plugins, so that each of
// them also carries a good op and tests can check nothing was registered.
#ifndef NABLA_PLUGINS_TESTING_COPY_OP_H_
#define NABLA_PLUGINS_TESTING_COPY_OP_H_

#include <string>
#include <vector>

#include "plugins/plugin_api.h"

namespace nabla::plugin_testing {

struct CopyKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (ctx.needs_grad(0)) ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>();
  }
};

inline OpSchema CopySchema(const std::string& name) {
  return OpSchema(name)
      .Doc("y = x")
      .Input("x")
      .Output("y")
      .Shapes(nabla::ElementwiseShape)
      .Sample({{}, {{3}}})
      .Kernels<CopyKernel>();
}

}  // namespace nabla::plugin_testing

#endif  // NABLA_PLUGINS_TESTING_COPY_OP_H_
