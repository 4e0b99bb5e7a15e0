// oneDNN kernels for Linear (ops/linear/linear.cc has the math and the
// reference): y = x W^T + b, x [N, in], W [out, in], b [out].
//
//   forward          y = x W^T + b         one matmul, bias fused
//   backward data    grad_x = grad_y W     [N, in]
//   backward weights grad_W (+)= grad_y^T x [out, in]; accumulating is a
//                    sum post-op, so a kept gradient is never zeroed
//   bias             column sums of grad_y (memory-bound; plain loop)
//
// float32: tensors as they are, wrapped, never copied. Up to four rows
// (batch-1 inference) the forward delegates to the reference kernel, whose
// matrix-vector path keeps each thread's share of W in its own L2.
// bf16 (mixed precision): x and W are converted to bf16 once per forward
// and kept on the tape node for backward (W once per step, not once per
// GEMM); grad_y is converted once per backward; every GEMM accumulates
// and writes float32.
#include <memory>
#include <vector>

#include "backends/dnnl/gemm.h"
#include "graph/kernel.h"
#include "graph/registry.h"

namespace nabla::dnnl_backend {
namespace {

constexpr int64_t kSmallBatch = 4;

struct Shapes {
  int64_t rows, in, out;
  explicit Shapes(const Tensor& x, const Tensor& weight)
      : rows(x.dim(0)), in(weight.dim(1)), out(weight.dim(0)) {}
  GemmShape Forward(bool bf16) const { return {rows, in, out, false, true, bf16, false, true}; }
  GemmShape BackwardData(bool bf16, bool accumulate) const {
    return {rows, out, in, false, false, bf16, accumulate, false};
  }
  GemmShape BackwardWeights(bool bf16, bool accumulate) const {
    return {out, rows, in, true, false, bf16, accumulate, false};
  }
};

class LinearF32 : public OpKernel {
 public:
  LinearF32() : reference_(OpRegistry::Global().Get("Linear").forward(DType::kFloat32)) {}

  void Forward(ForwardContext& ctx) override {
    const Tensor& x = ctx.input(0);
    if (x.dim(0) <= kSmallBatch) return reference_(ctx);
    Shapes s(x, ctx.input(1));
    gemm_.Run(s.Forward(false), x.data<float>(), ctx.input(1).data<float>(),
              ctx.output(0).data<float>(), ctx.input(2).data<float>());
  }

  void Backward(BackwardContext& ctx) override {
    Shapes s(ctx.input(0), ctx.input(1));
    const float* grad_y = ctx.grad_output(0).data<float>();
    if (ctx.needs_grad(0)) {
      gemm_.Run(s.BackwardData(false, ctx.accumulates(0)), grad_y, ctx.input(1).data<float>(),
                ctx.grad_input(0).data<float>());
    }
    if (ctx.needs_grad(1)) {
      gemm_.Run(s.BackwardWeights(false, ctx.accumulates(1)), grad_y, ctx.input(0).data<float>(),
                ctx.grad_input(1).data<float>());
    }
    if (ctx.needs_grad(2)) {
      ColumnSums(grad_y, s.rows, s.out, ctx.accumulates(2), ctx.grad_input(2).data<float>());
    }
  }

 private:
  ForwardFn reference_;
  Gemm gemm_;
};

class LinearBf16 : public OpKernel {
 public:
  // What backward needs from forward: bf16 copies of x and W.
  struct Saved {
    std::shared_ptr<std::vector<Bf16>> x, weight;
  };

  void Forward(ForwardContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& weight = ctx.input(1);
    Shapes s(x, weight);
    auto saved = std::make_shared<Saved>();
    saved->x = pool_.Acquire(x.size());
    saved->weight = pool_.Acquire(weight.size());
    ToBf16(x.data<float>(), x.size(), saved->x->data());
    ToBf16(weight.data<float>(), weight.size(), saved->weight->data());
    gemm_.Run(s.Forward(true), saved->x->data(), saved->weight->data(),
              ctx.output(0).data<float>(), ctx.input(2).data<float>());
    ctx.set_kernel_data(std::move(saved));
  }

  void Backward(BackwardContext& ctx) override {
    Shapes s(ctx.input(0), ctx.input(1));
    const Saved* saved = ctx.kernel_data<Saved>();
    NABLA_CHECK(saved != nullptr) << "Linear bf16 backward without its forward's data";
    const Tensor& grad_output = ctx.grad_output(0);
    if (ctx.needs_grad(0) || ctx.needs_grad(1)) {
      auto grad_y = pool_.Acquire(grad_output.size());
      ToBf16(grad_output.data<float>(), grad_output.size(), grad_y->data());
      if (ctx.needs_grad(0)) {
        gemm_.Run(s.BackwardData(true, ctx.accumulates(0)), grad_y->data(),
                  saved->weight->data(), ctx.grad_input(0).data<float>());
      }
      if (ctx.needs_grad(1)) {
        gemm_.Run(s.BackwardWeights(true, ctx.accumulates(1)), grad_y->data(), saved->x->data(),
                  ctx.grad_input(1).data<float>());
      }
    }
    if (ctx.needs_grad(2)) {
      ColumnSums(grad_output.data<float>(), s.rows, s.out, ctx.accumulates(2),
                 ctx.grad_input(2).data<float>());
    }
  }

 private:
  Bf16Pool pool_;
  Gemm gemm_;
};

NABLA_REGISTER_KERNEL("Linear", "dnnl", ComputeType::kFloat32,
                      [](const AttrMap&) { return std::make_unique<LinearF32>(); });
NABLA_REGISTER_KERNEL("Linear", "dnnl", ComputeType::kBFloat16,
                      [](const AttrMap&) { return std::make_unique<LinearBf16>(); });

}  // namespace
}  // namespace nabla::dnnl_backend
