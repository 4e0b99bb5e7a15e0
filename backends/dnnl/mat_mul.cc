// oneDNN kernels for MatMul (ops/math/mat_mul.cc has the math and the
// reference): y = a b, a [N, K], b [K, M].
//   grad_a = grad_y b^T   [N, K]
//   grad_b = a^T grad_y   [K, M]
// bf16 (mixed precision) as for Linear (linear.cc): inputs converted once
// per forward and kept for backward, grad_y once per backward, float32
// accumulation and outputs.
#include <memory>
#include <vector>

#include "backends/dnnl/gemm.h"
#include "graph/kernel.h"

namespace nabla::dnnl_backend {
namespace {

struct Shapes {
  int64_t n, k, m;
  Shapes(const Tensor& a, const Tensor& b) : n(a.dim(0)), k(a.dim(1)), m(b.dim(1)) {}
  GemmShape Forward(bool bf16) const { return {n, k, m, false, false, bf16}; }
  GemmShape GradA(bool bf16) const { return {n, m, k, false, true, bf16}; }
  GemmShape GradB(bool bf16) const { return {k, n, m, true, false, bf16}; }
};

class MatMulF32 : public OpKernel {
 public:
  void Forward(ForwardContext& ctx) override {
    Shapes s(ctx.input(0), ctx.input(1));
    gemm_.Run(s.Forward(false), ctx.input(0).data<float>(), ctx.input(1).data<float>(),
              ctx.output(0).data<float>());
  }
  void Backward(BackwardContext& ctx) override {
    Shapes s(ctx.input(0), ctx.input(1));
    const float* grad_y = ctx.grad_output(0).data<float>();
    if (ctx.needs_grad(0)) {
      gemm_.Run(s.GradA(false), grad_y, ctx.input(1).data<float>(), ctx.grad_input(0).data<float>());
    }
    if (ctx.needs_grad(1)) {
      gemm_.Run(s.GradB(false), ctx.input(0).data<float>(), grad_y, ctx.grad_input(1).data<float>());
    }
  }

 private:
  Gemm gemm_;
};

class MatMulBf16 : public OpKernel {
 public:
  struct Saved {
    std::shared_ptr<std::vector<Bf16>> a, b;
  };

  void Forward(ForwardContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    auto saved = std::make_shared<Saved>();
    saved->a = pool_.Acquire(a.size());
    saved->b = pool_.Acquire(b.size());
    ToBf16(a.data<float>(), a.size(), saved->a->data());
    ToBf16(b.data<float>(), b.size(), saved->b->data());
    gemm_.Run(Shapes(a, b).Forward(true), saved->a->data(), saved->b->data(),
              ctx.output(0).data<float>());
    ctx.set_kernel_data(std::move(saved));
  }

  void Backward(BackwardContext& ctx) override {
    Shapes s(ctx.input(0), ctx.input(1));
    const Saved* saved = ctx.kernel_data<Saved>();
    NABLA_CHECK(saved != nullptr) << "MatMul bf16 backward without its forward's data";
    const Tensor& grad_output = ctx.grad_output(0);
    auto grad_y = pool_.Acquire(grad_output.size());
    ToBf16(grad_output.data<float>(), grad_output.size(), grad_y->data());
    if (ctx.needs_grad(0)) {
      gemm_.Run(s.GradA(true), grad_y->data(), saved->b->data(), ctx.grad_input(0).data<float>());
    }
    if (ctx.needs_grad(1)) {
      gemm_.Run(s.GradB(true), saved->a->data(), grad_y->data(), ctx.grad_input(1).data<float>());
    }
  }

 private:
  Bf16Pool pool_;
  Gemm gemm_;
};

NABLA_REGISTER_KERNEL("MatMul", "dnnl", ComputeType::kFloat32,
                      [](const AttrMap&) { return std::make_unique<MatMulF32>(); });
NABLA_REGISTER_KERNEL("MatMul", "dnnl", ComputeType::kBFloat16,
                      [](const AttrMap&) { return std::make_unique<MatMulBf16>(); });

}  // namespace
}  // namespace nabla::dnnl_backend
