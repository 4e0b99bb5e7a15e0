// MaxPool2D: the largest value in each window of an NCHW image
// (ops/pool/pool_geometry.h has the attributes and the output size).
//   y[n, c, i, j] = max of x[n, c, p, q] over the window of (i, j)
// Padding never wins: windows are clipped to the image (PyTorch pads with
// -inf). Backward routes each output's gradient to its argmax:
//   grad_input[n, c, p, q] = sum of gy[n, c, i, j] over the outputs whose
//       argmax is (p, q)
// The argmax is the first maximum in row-major window order (ties go to the
// upper, then left, element). Backward recomputes it from the input rather
// than keeping indices from forward, so inference stores nothing.
#include <algorithm>

#include "graph/registry.h"
#include "ops/pool/pool_geometry.h"

namespace nabla {
namespace {

struct MaxPoolKernel {
  // The input index of window `win`'s first maximum, relative to its plane.
  template <typename T>
  static int64_t Argmax(const pool::Geometry& g, const T* in, const pool::Geometry::Window& win) {
    int64_t best = win.r0 * g.w + win.c0;
    for (int64_t r = win.r0; r < win.r1; ++r) {
      for (int64_t c = win.c0; c < win.c1; ++c) {
        if (in[r * g.w + c] > in[best]) best = r * g.w + c;
      }
    }
    return best;
  }

  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    g.ForEachWindow([&](const pool::Geometry::Window& win) {
      const T* in = x + win.plane * g.h * g.w;
      y[win.plane * g.oh * g.ow + win.out] = in[Argmax(g, in, win)];
    });
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    const T* gy = ctx.grad_output(0).data<T>();
    T* gx = ctx.grad_input(0).data<T>();
    std::fill(gx, gx + ctx.grad_input(0).size(), T(0));
    g.ForEachWindow([&](const pool::Geometry::Window& win) {
      const int64_t plane = win.plane * g.h * g.w;
      gx[plane + Argmax(g, x + plane, win)] += gy[win.plane * g.oh * g.ow + win.out];
    });
  }
};

OpSchema MakeSchema() {
  OpSchema schema("MaxPool2D");
  schema.Doc("max over each window of an NCHW image");
  pool::PoolAttrs(schema).Kernels<MaxPoolKernel>();
  return schema;
}

NABLA_REGISTER_OP(MakeSchema());

}  // namespace
}  // namespace nabla
