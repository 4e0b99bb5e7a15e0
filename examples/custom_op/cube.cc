// Cube: y = scale * x^3, an op this example program registers itself.
// Backward: grad_input = 3 * scale * x^2 * grad_output.
//
// Attribute scale (float, default 1.0, finite): multiplies the cube.
//
// The declaration is the one built-in ops use (ops/activation/prelu.cc):
// NABLA_REGISTER_OP with an OpSchema and a Kernel struct. Compiled outside
// ops/, it is recorded as "registered by the program (examples/custom_op/
// cube.cc:NN)". Its library is alwayslink: nothing refers to the
// registration object, and the linker would otherwise drop it.
#include "graph/registry.h"

namespace nabla {
namespace {

struct CubeKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const T scale = static_cast<T>(ctx.attr_float("scale"));
    ctx.output(0).array<T>() = scale * ctx.input(0).array<T>().cube();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const T scale = static_cast<T>(ctx.attr_float("scale"));
    ctx.grad_input(0).array<T>() =
        T(3) * scale * ctx.input(0).array<T>().square() * ctx.grad_output(0).array<T>();
  }
};

NABLA_REGISTER_OP(OpSchema("Cube")
                      .Doc("y = scale * x^3")
                      .Input("x")
                      .Output("y")
                      .Attr("scale", AttrType::kFloat, 1.0, "multiplies the cube")
                      .Constraint("finite", Finite())
                      .Shapes(nabla::ElementwiseShape)
                      .Sample({{}, {{3, 4}}})
                      .Sample({{{"scale", -0.5}}, {{2, 3}}})
                      .Kernels<CubeKernel>());

}  // namespace
}  // namespace nabla
