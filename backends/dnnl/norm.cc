// oneDNN kernel for BatchNorm (ops/norm/batch_norm.cc has the math, the
// attributes, the state and the reference), float32, rank 2 (nc) and rank 4
// (nchw), plain layouts in and out.
//
// Training: batch_normalization forward_training with use_scale and
// use_shift writes y and the batch mean and (biased) variance; this kernel
// then updates the running statistics itself with PyTorch's convention (as
// the reference does). Eval: forward_inference with use_global_stats reads
// the running statistics. The forward keeps the statistics it used
// (saved(0) mean, saved(1) variance, this kernel's own layout: backward
// runs on the same instance) and backward runs batch_normalization_backward
// with the same flags: in eval mode the statistics are constants.
//
// Both directions overwrite; the op does not declare AccumulatesGradients.
//
// Registered for --backend dnnl only, never picked by auto: on plain NCHW
// oneDNN 2.6 runs its generic ncsp_bnorm (its JIT kernels want nChw16c),
// and forward + backward of x [256, 32, 28, 28] in training mode took
// 25.7 ms against the reference's 19.8 ms on one core
// (`bazel-bin/bench/conv_bench 1`, lscpu model "AMD EPYC", shared machine;
// a rerun: 50.7-52.4 against 41.9-42.1 under load).
#include <map>
#include <utility>
#include <vector>

#include "backends/dnnl/gemm.h"
#include "graph/cross_replica.h"
#include "graph/kernel.h"
#include "graph/registry.h"

namespace nabla::dnnl_backend {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using flags = dnnl::normalization_flags;

class DnnlBatchNorm : public OpKernel {
 public:
  explicit DnnlBatchNorm(const AttrMap& a)
      : eps_(static_cast<float>(a.at("eps").f())), momentum_(a.at("momentum").f()) {}

  void Forward(ForwardContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const bool training = ctx.training();
    if (training && GetCrossReplicaSum()) {
      NABLA_THROW(kInvalidArgument)
          << "synchronised BatchNorm (--sync-batchnorm) runs on the eigen kernel; use "
             "--backend auto or eigen";
    }
    Prims& p = Get(x.shape(), training);
    const int64_t c = x.shape()[1];
    const int64_t m = x.shape()[0] * (x.rank() == 4 ? x.shape()[2] * x.shape()[3] : 1);
    if (training && m < 2) {
      NABLA_THROW(kInvalidArgument)
          << "BatchNorm in training mode needs more than one value per channel, input "
          << x.shape().ToString() << " has " << m << " (use a larger batch, or eval mode)";
    }
    Tensor& mean = ctx.saved(0);
    Tensor& var = ctx.saved(1);
    mean = Tensor(DType::kFloat32, Shape{c});
    var = Tensor(DType::kFloat32, Shape{c});
    if (!training) {
      mean.CopyFrom(ctx.state(0));
      var.CopyFrom(ctx.state(1));
    }
    p.fwd.execute(Stream(), {{DNNL_ARG_SRC, Wrap(p.data, x)},
                             {DNNL_ARG_DST, Wrap(p.data, ctx.output(0))},
                             {DNNL_ARG_MEAN, Wrap(p.stat, mean)},
                             {DNNL_ARG_VARIANCE, Wrap(p.stat, var)},
                             {DNNL_ARG_SCALE, Wrap(p.stat, ctx.input(1))},
                             {DNNL_ARG_SHIFT, Wrap(p.stat, ctx.input(2))}});
    Stream().wait();
    if (training) {
      float* running_mean = ctx.state(0).data<float>();
      float* running_var = ctx.state(1).data<float>();
      const float* bm = mean.data<float>();
      const float* bv = var.data<float>();
      const double unbias = static_cast<double>(m) / (m - 1);
      for (int64_t k = 0; k < c; ++k) {
        running_mean[k] = static_cast<float>((1 - momentum_) * running_mean[k] + momentum_ * bm[k]);
        running_var[k] =
            static_cast<float>((1 - momentum_) * running_var[k] + momentum_ * bv[k] * unbias);
      }
    }
  }

  void Backward(BackwardContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Prims& p = Get(x.shape(), ctx.training());
    const int64_t c = x.shape()[1];
    // oneDNN computes all three gradients; those not wanted go to scratch.
    Tensor gx = ctx.needs_grad(0) ? ctx.grad_input(0) : Tensor(DType::kFloat32, x.shape());
    Tensor gw = ctx.needs_grad(1) ? ctx.grad_input(1) : Tensor(DType::kFloat32, Shape{c});
    Tensor gb = ctx.needs_grad(2) ? ctx.grad_input(2) : Tensor(DType::kFloat32, Shape{c});
    if (!p.have_backward) {
      p.bwd = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(
          dnnl::batch_normalization_backward::desc(dnnl::prop_kind::backward, p.data, p.data, eps_,
                                                   p.flag_bits),
          Engine(), p.fwd_pd));
      p.have_backward = true;
    }
    p.bwd.execute(Stream(), {{DNNL_ARG_SRC, Wrap(p.data, x)},
                             {DNNL_ARG_MEAN, Wrap(p.stat, ctx.saved(0))},
                             {DNNL_ARG_VARIANCE, Wrap(p.stat, ctx.saved(1))},
                             {DNNL_ARG_DIFF_DST, Wrap(p.data, ctx.grad_output(0))},
                             {DNNL_ARG_SCALE, Wrap(p.stat, ctx.input(1))},
                             {DNNL_ARG_SHIFT, Wrap(p.stat, ctx.input(2))},
                             {DNNL_ARG_DIFF_SRC, Wrap(p.data, gx)},
                             {DNNL_ARG_DIFF_SCALE, Wrap(p.stat, gw)},
                             {DNNL_ARG_DIFF_SHIFT, Wrap(p.stat, gb)}});
    Stream().wait();
  }

 private:
  struct Prims {
    dnnl::memory::desc data, stat;
    flags flag_bits;
    dnnl::batch_normalization_forward::primitive_desc fwd_pd;
    dnnl::batch_normalization_forward fwd;
    bool have_backward = false;
    dnnl::batch_normalization_backward bwd;
  };

  static dnnl::memory Wrap(const dnnl::memory::desc& desc, const Tensor& t) {
    return dnnl::memory(desc, Engine(), const_cast<float*>(t.data<float>()));
  }

  Prims& Get(const Shape& x, bool training) {
    auto key = std::make_pair(x.dims(), training);
    auto it = prims_.find(key);
    if (it != prims_.end()) return it->second;
    Prims p;
    p.data = x.rank() == 4
                 ? dnnl::memory::desc({x[0], x[1], x[2], x[3]}, dt::f32, tag::nchw)
                 : dnnl::memory::desc({x[0], x[1]}, dt::f32, tag::nc);
    p.stat = dnnl::memory::desc({x[1]}, dt::f32, tag::x);
    p.flag_bits = flags::use_scale | flags::use_shift;
    if (!training) p.flag_bits = p.flag_bits | flags::use_global_stats;
    try {
      p.fwd_pd = dnnl::batch_normalization_forward::primitive_desc(
          dnnl::batch_normalization_forward::desc(
              training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
              p.data, eps_, p.flag_bits),
          Engine());
      p.fwd = dnnl::batch_normalization_forward(p.fwd_pd);
    } catch (const dnnl::error& e) {
      NABLA_THROW(kInternal) << "oneDNN batch normalization for input " << x.ToString() << ": "
                             << e.what();
    }
    return prims_.emplace(key, std::move(p)).first->second;
  }

  float eps_;
  double momentum_;
  std::map<std::pair<std::vector<int64_t>, bool>, Prims> prims_;
};

NABLA_REGISTER_EXPLICIT_KERNEL("BatchNorm", "dnnl", ComputeType::kFloat32,
                      [](const AttrMap& a) { return std::make_unique<DnnlBatchNorm>(a); });

}  // namespace
}  // namespace nabla::dnnl_backend
