// GlobalAvgPool: the mean of each channel's image, [N, C, H, W] -> [N, C]
// (ready for a Linear layer, no Flatten needed; PyTorch's
// AdaptiveAvgPool2d(1) keeps [N, C, 1, 1] instead).
//   y[n, c] = (1 / (H W)) sum over p, q of x[n, c, p, q]
// Backward: grad_input[n, c, p, q] = gy[n, c] / (H W).
#include "graph/registry.h"

namespace nabla {
namespace {

struct GlobalAvgPoolKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const int64_t planes = x.dim(0) * x.dim(1), area = x.dim(2) * x.dim(3);
    const T* in = x.data<T>();
    T* y = ctx.output(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      T sum = 0;
      for (int64_t k = 0; k < area; ++k) sum += in[p * area + k];
      y[p] = sum / static_cast<T>(area);
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const Tensor& x = ctx.input(0);
    const int64_t planes = x.dim(0) * x.dim(1), area = x.dim(2) * x.dim(3);
    const T* gy = ctx.grad_output(0).data<T>();
    T* gx = ctx.grad_input(0).data<T>();
    for (int64_t p = 0; p < planes; ++p) {
      const T share = gy[p] / static_cast<T>(area);
      for (int64_t k = 0; k < area; ++k) gx[p * area + k] = share;
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("GlobalAvgPool")
        .Doc("mean over H and W of an NCHW image: [N, C, H, W] -> [N, C]")
        .Input("x")
        .Output("y")
        .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
          const Shape& x = in[0];
          if (x.rank() != 4) {
            NABLA_THROW(kInvalidArgument) << "input must be [N, C, H, W], found " << x.ToString();
          }
          if (x[2] == 0 || x[3] == 0) {
            NABLA_THROW(kInvalidArgument) << "input " << x.ToString() << " has an empty image";
          }
          return std::vector<Shape>{Shape{x[0], x[1]}};
        })
        .Sample({{}, {{2, 3, 2, 3}}})
        .Sample({{}, {{1, 2, 1, 1}}})
        .Kernels<GlobalAvgPoolKernel>());

}  // namespace
}  // namespace nabla
