// AvgPool2D: the mean of each window of an NCHW image (ops/pool/
// pool_geometry.h has the attributes and the output size).
//   y[n, c, i, j] = (1 / (KH KW)) sum of x[n, c, p, q] over the window
// Padding counts as zeros in the mean, like PyTorch's default
// count_include_pad=True: every window divides by KH KW, even one that
// hangs over the image's edge.
// Backward: grad_input[n, c, p, q] = sum of gy[n, c, i, j] / (KH KW) over
// the windows that contain (p, q).
#include <algorithm>

#include "graph/registry.h"
#include "ops/pool/pool_geometry.h"

namespace nabla {
namespace {

struct AvgPoolKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T scale = T(1) / static_cast<T>(g.k.h * g.k.w);
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    g.ForEachWindow([&](const pool::Geometry::Window& win) {
      const T* in = x + win.plane * g.h * g.w;
      T sum = 0;
      for (int64_t r = win.r0; r < win.r1; ++r) {
        for (int64_t c = win.c0; c < win.c1; ++c) sum += in[r * g.w + c];
      }
      y[win.plane * g.oh * g.ow + win.out] = sum * scale;
    });
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T scale = T(1) / static_cast<T>(g.k.h * g.k.w);
    const T* gy = ctx.grad_output(0).data<T>();
    T* gx = ctx.grad_input(0).data<T>();
    std::fill(gx, gx + ctx.grad_input(0).size(), T(0));
    g.ForEachWindow([&](const pool::Geometry::Window& win) {
      T* target = gx + win.plane * g.h * g.w;
      const T share = gy[win.plane * g.oh * g.ow + win.out] * scale;
      for (int64_t r = win.r0; r < win.r1; ++r) {
        for (int64_t c = win.c0; c < win.c1; ++c) target[r * g.w + c] += share;
      }
    });
  }
};

OpSchema MakeSchema() {
  OpSchema schema("AvgPool2D");
  schema.Doc("mean over each window of an NCHW image (padding counts as zeros)");
  pool::PoolAttrs(schema).Kernels<AvgPoolKernel>();
  return schema;
}

NABLA_REGISTER_OP(MakeSchema());

}  // namespace
}  // namespace nabla
