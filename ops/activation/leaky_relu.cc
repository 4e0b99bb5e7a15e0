// LeakyReLU: y = x if x > 0, else slope * x.
// Backward: grad_input = grad_output if x > 0, else slope * grad_output.
//
// Attribute slope (float, default 0.01): any finite value. 0 is ReLU, 1 is
// the identity (the network becomes linear), negative and > 1 slopes are
// legal: the course experiments sweep them. At x == 0 the gradient is slope.
#include "graph/parallel.h"
#include "graph/registry.h"

namespace nabla {
namespace {

// Below this many elements per thread, one thread is faster.
constexpr int64_t kMinPerThread = 1 << 14;

struct LeakyReluKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const T slope = static_cast<T>(ctx.attr_float("slope"));
    auto x = ctx.input(0).array<T>();
    auto y = ctx.output(0).array<T>();
    ParallelFor(x.size(), kMinPerThread, [&](int64_t begin, int64_t end) {
      auto xs = x.segment(begin, end - begin);
      y.segment(begin, end - begin) = (xs > T(0)).select(xs, slope * xs);
    });
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const T slope = static_cast<T>(ctx.attr_float("slope"));
    auto x = ctx.input(0).array<T>();
    auto grad_output = ctx.grad_output(0).array<T>();
    auto grad_input = ctx.grad_input(0).array<T>();
    ParallelFor(x.size(), kMinPerThread, [&](int64_t begin, int64_t end) {
      const int64_t n = end - begin;
      auto g = grad_output.segment(begin, n);
      grad_input.segment(begin, n) = (x.segment(begin, n) > T(0)).select(g, slope * g);
    });
  }
};

NABLA_REGISTER_OP(
    OpSchema("LeakyReLU")
        .Doc("y = x if x > 0 else slope * x")
        .Input("x")
        .Output("y")
        .Attr("slope", AttrType::kFloat, 0.01, "multiplier for x <= 0")
        .Constraint("finite", Finite())
        .Shapes(ElementwiseShape)
        .BackwardInPlace()
        .Repr([](const AttrMap& a) { return "(slope=" + a.at("slope").ToString() + ")"; })
        .Sample({{{"slope", -0.5}}, {{3, 4}}, -2, 2, {0.0}})
        .Sample({{{"slope", 3.0}}, {{2, 5}}, -2, 2, {0.0}})
        .Kernels<LeakyReluKernel>());

}  // namespace
}  // namespace nabla
