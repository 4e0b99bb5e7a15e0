// oneDNN kernels for MaxPool2D and AvgPool2D (ops/pool/ has the math, the
// attributes and the reference), float32, forward and backward, NCHW in
// and out (pooling is memory-bound; oneDNN's pooling runs on plain NCHW).
//
// AvgPool2D is pooling_avg_include_padding (count_include_pad, as the
// reference). MaxPool2D's forward in training mode writes oneDNN's
// workspace (where each maximum was), which backward reads: it is per call,
// so it goes to the tape node (ForwardContext::set_kernel_data) from a pool
// of buffers reused across steps. Eval-mode forwards keep nothing; a
// backward without a workspace reruns the training forward to get one.
// Ties may resolve differently from the reference's first maximum (the
// kernel agreement test draws continuous values, which do not tie).
//
// Both directions overwrite; gradients are never accumulated into (the
// ops do not declare AccumulatesGradients).
#include <map>
#include <memory>
#include <vector>

#include "backends/dnnl/gemm.h"
#include "graph/kernel.h"
#include "graph/registry.h"
#include "ops/pool/pool_geometry.h"

namespace nabla::dnnl_backend {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

dims Dims(window::Pair p) { return {p.h, p.w}; }

class DnnlPool : public OpKernel {
 public:
  DnnlPool(const AttrMap& a, dnnl::algorithm algorithm)
      : algorithm_(algorithm), kernel_(Dims(window::AttrPair(a, "kernel_size"))),
        strides_(Dims(pool::Stride(a))), pad_(Dims(window::AttrPair(a, "padding"))) {}

  void Forward(ForwardContext& ctx) override {
    Prims& p = Get(ctx.input(0).shape(), ctx.output(0).shape());
    const bool keep = ctx.training() && max();
    dnnl::memory src(p.src, Engine(), const_cast<float*>(ctx.input(0).data<float>()));
    dnnl::memory dst(p.dst, Engine(), ctx.output(0).data<float>());
    std::unordered_map<int, dnnl::memory> args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}};
    std::shared_ptr<dnnl::memory> workspace;
    if (keep) {
      workspace = Workspace(p);
      args[DNNL_ARG_WORKSPACE] = *workspace;
      p.train.execute(Stream(), args);
    } else {
      p.infer.execute(Stream(), args);
    }
    Stream().wait();
    if (keep) ctx.set_kernel_data(std::move(workspace));
  }

  void Backward(BackwardContext& ctx) override {
    if (!ctx.needs_grad(0)) return;
    Prims& p = Get(ctx.input(0).shape(), ctx.grad_output(0).shape());
    if (!p.have_backward) {
      p.bwd_pd = dnnl::pooling_backward::primitive_desc(
          dnnl::pooling_backward::desc(algorithm_, p.src, p.dst, strides_, kernel_, pad_, pad_),
          Engine(), p.train_pd);
      p.bwd = dnnl::pooling_backward(p.bwd_pd);
      p.have_backward = true;
    }
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_DIFF_DST,
         dnnl::memory(p.dst, Engine(), const_cast<float*>(ctx.grad_output(0).data<float>()))},
        {DNNL_ARG_DIFF_SRC, dnnl::memory(p.src, Engine(), ctx.grad_input(0).data<float>())},
    };
    std::shared_ptr<dnnl::memory> workspace;
    if (max()) {
      if (auto* kept = ctx.kernel_data<dnnl::memory>()) {
        args[DNNL_ARG_WORKSPACE] = *kept;
      } else {
        // No forward workspace (an eval-mode forward): recompute one.
        workspace = Workspace(p);
        std::vector<float> scratch(ctx.grad_output(0).size());
        p.train.execute(Stream(), {{DNNL_ARG_SRC, dnnl::memory(p.src, Engine(),
                                                               const_cast<float*>(ctx.input(0).data<float>()))},
                                   {DNNL_ARG_DST, dnnl::memory(p.dst, Engine(), scratch.data())},
                                   {DNNL_ARG_WORKSPACE, *workspace}});
        args[DNNL_ARG_WORKSPACE] = *workspace;
        p.bwd.execute(Stream(), args);
        Stream().wait();
        return;
      }
    }
    p.bwd.execute(Stream(), args);
    Stream().wait();
  }

 private:
  struct Prims {
    dnnl::memory::desc src, dst;
    dnnl::pooling_forward::primitive_desc train_pd;
    dnnl::pooling_forward train, infer;
    bool have_backward = false;
    dnnl::pooling_backward::primitive_desc bwd_pd;
    dnnl::pooling_backward bwd;
    std::vector<std::shared_ptr<dnnl::memory>> workspaces;  // reused when unheld
  };

  bool max() const { return algorithm_ == dnnl::algorithm::pooling_max; }

  std::shared_ptr<dnnl::memory> Workspace(Prims& p) {
    for (auto& w : p.workspaces) {
      if (w.use_count() == 1) return w;
    }
    p.workspaces.push_back(std::make_shared<dnnl::memory>(p.train_pd.workspace_desc(), Engine()));
    return p.workspaces.back();
  }

  Prims& Get(const Shape& x, const Shape& y) {
    auto it = prims_.find(x.dims());
    if (it != prims_.end()) return it->second;
    Prims p;
    p.src = dnnl::memory::desc({x[0], x[1], x[2], x[3]}, dt::f32, tag::nchw);
    p.dst = dnnl::memory::desc({y[0], y[1], y[2], y[3]}, dt::f32, tag::nchw);
    try {
      p.train_pd = dnnl::pooling_forward::primitive_desc(
          dnnl::pooling_forward::desc(dnnl::prop_kind::forward_training, algorithm_, p.src, p.dst,
                                      strides_, kernel_, pad_, pad_),
          Engine());
      p.train = dnnl::pooling_forward(p.train_pd);
      p.infer = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(
          dnnl::pooling_forward::desc(dnnl::prop_kind::forward_inference, algorithm_, p.src, p.dst,
                                      strides_, kernel_, pad_, pad_),
          Engine()));
    } catch (const dnnl::error& e) {
      NABLA_THROW(kInternal) << "oneDNN pooling for input " << x.ToString() << ": " << e.what();
    }
    return prims_.emplace(x.dims(), std::move(p)).first->second;
  }

  dnnl::algorithm algorithm_;
  dims kernel_, strides_, pad_;
  std::map<std::vector<int64_t>, Prims> prims_;
};

NABLA_REGISTER_KERNEL("MaxPool2D", "dnnl", ComputeType::kFloat32, [](const AttrMap& a) {
  return std::make_unique<DnnlPool>(a, dnnl::algorithm::pooling_max);
});
NABLA_REGISTER_KERNEL("AvgPool2D", "dnnl", ComputeType::kFloat32, [](const AttrMap& a) {
  return std::make_unique<DnnlPool>(a, dnnl::algorithm::pooling_avg_include_padding);
});

}  // namespace
}  // namespace nabla::dnnl_backend
