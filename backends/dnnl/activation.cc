// oneDNN eltwise kernels for ReLU and LeakyReLU (ops/activation/ has the
// math and the reference): y = x > 0 ? x : slope x, grad_x = x > 0 ?
// grad_y : slope grad_y (slope 0 for ReLU), on the tensor as one flat
// float32 buffer, any rank. Under bf16 precision these stay float32 (they
// are memory-bound; there is no bf16 kernel to select).
//
// Why: model A's float32 training went from 57k to 60-63k samples/s with
// these kernels, same loss to the last digit (bazel-bin/bench/nabla_bench
// --model A --mode train --threads 1, two runs, lscpu model "AMD EPYC",
// CPU family 26, Zen 5, with AVX-512).
#include <map>
#include <memory>

#include "backends/dnnl/gemm.h"
#include "graph/kernel.h"

namespace nabla::dnnl_backend {
namespace {

class LeakyReluDnnl : public OpKernel {
 public:
  explicit LeakyReluDnnl(float slope) : slope_(slope) {}

  void Forward(ForwardContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Primitives& p = Get(x.size());
    p.forward.execute(Stream(), {{DNNL_ARG_SRC, Wrap(p.desc, x.data<float>())},
                                 {DNNL_ARG_DST, Wrap(p.desc, ctx.output(0).data<float>())}});
    Stream().wait();
  }

  void Backward(BackwardContext& ctx) override {
    if (!ctx.needs_grad(0)) return;
    const Tensor& x = ctx.input(0);
    Primitives& p = Get(x.size());
    p.backward.execute(Stream(),
                       {{DNNL_ARG_SRC, Wrap(p.desc, x.data<float>())},
                        {DNNL_ARG_DIFF_DST, Wrap(p.desc, ctx.grad_output(0).data<float>())},
                        {DNNL_ARG_DIFF_SRC, Wrap(p.desc, ctx.grad_input(0).data<float>())}});
    Stream().wait();
  }

 private:
  struct Primitives {
    dnnl::memory::desc desc;
    dnnl::eltwise_forward forward;
    dnnl::eltwise_backward backward;
  };

  static dnnl::memory Wrap(const dnnl::memory::desc& desc, const float* data) {
    return dnnl::memory(desc, Engine(), const_cast<float*>(data));
  }

  Primitives& Get(int64_t n) {
    auto it = primitives_.find(n);
    if (it != primitives_.end()) return it->second;
    dnnl::memory::desc desc({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
    dnnl::eltwise_forward::primitive_desc forward(
        {dnnl::prop_kind::forward_training, dnnl::algorithm::eltwise_relu, desc, slope_}, Engine());
    dnnl::eltwise_backward::primitive_desc backward(
        {dnnl::algorithm::eltwise_relu, desc, desc, slope_}, Engine(), forward);
    return primitives_
        .emplace(n, Primitives{desc, dnnl::eltwise_forward(forward),
                               dnnl::eltwise_backward(backward)})
        .first->second;
  }

  float slope_;
  std::map<int64_t, Primitives> primitives_;
};

NABLA_REGISTER_KERNEL("LeakyReLU", "dnnl", ComputeType::kFloat32, [](const AttrMap& a) {
  return std::make_unique<LeakyReluDnnl>(static_cast<float>(a.at("slope").f()));
});
NABLA_REGISTER_KERNEL("ReLU", "dnnl", ComputeType::kFloat32,
                      [](const AttrMap&) { return std::make_unique<LeakyReluDnnl>(0.0f); });

}  // namespace
}  // namespace nabla::dnnl_backend
