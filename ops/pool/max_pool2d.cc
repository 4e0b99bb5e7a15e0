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
  // Calls fn(output index, input index of the argmax) for every output of
  // plane `plane`, indices relative to the plane.
  template <typename T, typename Fn>
  static void ForEachArgmax(const pool::Geometry& g, const T* x, Fn&& fn) {
    for (int64_t i = 0; i < g.oh; ++i) {
      for (int64_t j = 0; j < g.ow; ++j) {
        int64_t r0, r1, c0, c1;
        g.Window(i, j, &r0, &r1, &c0, &c1);
        int64_t best = r0 * g.w + c0;
        for (int64_t r = r0; r < r1; ++r) {
          for (int64_t c = c0; c < c1; ++c) {
            if (x[r * g.w + c] > x[best]) best = r * g.w + c;
          }
        }
        fn(i * g.ow + j, best);
      }
    }
  }

  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < g.planes(); ++p) {
      const T* in = x + p * g.h * g.w;
      T* out = y + p * g.oh * g.ow;
      ForEachArgmax(g, in, [&](int64_t o, int64_t best) { out[o] = in[best]; });
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const pool::Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    const T* gy = ctx.grad_output(0).data<T>();
    T* gx = ctx.grad_input(0).data<T>();
    std::fill(gx, gx + ctx.grad_input(0).size(), T(0));
    for (int64_t p = 0; p < g.planes(); ++p) {
      const T* grad = gy + p * g.oh * g.ow;
      T* target = gx + p * g.h * g.w;
      ForEachArgmax(g, x + p * g.h * g.w,
                    [&](int64_t o, int64_t best) { target[best] += grad[o]; });
    }
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
