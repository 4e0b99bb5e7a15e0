// oneDNN kernels for Conv2D (ops/conv/conv2d.cc has the math, the
// attributes and the reference): forward, backward data and backward
// weights + bias with oneDNN's convolution primitives, float32 and bf16.
//
// Tensors stay NCHW (weights OIHW, grouped GOIHW over the same bytes) at
// the op boundary. The primitives are created with format_tag::any, so
// oneDNN picks its own layout (blocked nChw16c for most shapes on AVX-512),
// and Port (layout.h) reorders into and out of it around each primitive;
// NABLA_DNNL_CONV_LAYOUT=plain pins NCHW instead, for measuring. The
// reorders pay for themselves: forward+backward in ms, batch 256, one
// thread of this machine's CPU (AVX512_BF16), bazel-bin/bench/conv_bench 1:
//                        eigen f32   dnnl f32 any / plain   bf16 any / plain
//   conv1 5x5 1->32 28x28    10.4        8.1 / 14.2          8.4 / 25.1
//   conv2 5x5 32->64 14x14  157.0       60.8 / 119.3        37.3 / 107.5
//
// bf16 (mixed precision): the reorders into the primitives' layouts also
// convert x, W and grad_y to bf16; every primitive accumulates and writes
// float32. Backward reorders x and W again from the float32 inputs rather
// than keeping forward's copies, so a tape node keeps nothing.
//
// Primitives are created once per input shape and kept on the instance;
// Ports' buffers are scratch for the call in progress, back in the tensor
// cache when it ends (layout.h). Accumulating into a
// kept gradient (BackwardContext::accumulates) is a reorder with a sum
// post-op out of the primitive's buffer.
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "backends/dnnl/gemm.h"
#include "backends/dnnl/layout.h"
#include "graph/kernel.h"
#include "graph/registry.h"
#include "ops/conv/conv_geometry.h"

namespace nabla::dnnl_backend {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

bool PlainLayout() {
  static const bool plain = [] {
    const char* v = std::getenv("NABLA_DNNL_CONV_LAYOUT");
    return v != nullptr && std::strcmp(v, "plain") == 0;
  }();
  return plain;
}

// oneDNN's view of ops/conv/conv_geometry.h's Geometry.
struct ConvDims {
  dims src, weights, bias, dst, strides, dilates, pad;
  int64_t groups;
  bool has_bias;
  ConvDims(const AttrMap& a, const Shape& x) {
    const conv::Geometry g(a, x);
    groups = g.groups;
    has_bias = a.at("bias").b();
    src = {g.n, g.c, g.h, g.w};
    weights = groups == 1 ? dims{g.out_c, g.c, g.k.h, g.k.w}
                          : dims{groups, g.group_out(), g.group_c(), g.k.h, g.k.w};
    bias = {g.out_c};
    strides = {g.stride.h, g.stride.w};
    dilates = {g.dilation.h - 1, g.dilation.w - 1};  // oneDNN counts the gaps
    pad = {g.pad.h, g.pad.w};
    dst = {g.n, g.out_c, g.oh, g.ow};
  }
  tag weights_tag() const { return groups == 1 ? tag::oihw : tag::goihw; }
};

class DnnlConv2D : public OpKernel {
 public:
  DnnlConv2D(const AttrMap& attrs, bool bf16) : attrs_(attrs), bf16_(bf16) {}

  void Forward(ForwardContext& ctx) override {
    Prims& p = Get(ctx.input(0).shape());
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, p.src.In(ctx.input(0).data<float>())},
        {DNNL_ARG_WEIGHTS, p.weights.In(ctx.input(1).data<float>())},
        {DNNL_ARG_DST, p.dst.Target(ctx.output(0).data<float>(), false)},
    };
    if (p.d.has_bias) {
      args[DNNL_ARG_BIAS] = dnnl::memory(p.fwd_pd.bias_desc(), Engine(),
                                            const_cast<float*>(ctx.input(2).data<float>()));
    }
    p.fwd.execute(Stream(), args);
    p.dst.Out(ctx.output(0).data<float>(), false);
    Stream().wait();
    p.ReleaseForward();
  }

  void Backward(BackwardContext& ctx) override {
    Prims& p = Get(ctx.input(0).shape());
    if (!p.have_backward) CreateBackward(&p);
    const float* grad_y = ctx.grad_output(0).data<float>();
    // grad_y in the backward-data primitive's layout, reused by the
    // backward-weights one when it wants the same layout (it usually
    // does): one reorder and one scratch buffer instead of two. With the
    // scratch buffers from the tensor cache (layout.h), conv2's forward +
    // backward went from 66.6-68.3 to 63.3-65.0 ms in float32 and from
    // 40.3-41.8 to 37.9-38.9 ms in bf16 (bazel-bin/bench/conv_bench 1,
    // two alternating runs of each build; lscpu: AMD EPYC, CPU family 26).
    dnnl::memory grad_y_for_data;
    if (ctx.needs_grad(0)) {
      float* grad_x = ctx.grad_input(0).data<float>();
      const bool accumulate = ctx.accumulates(0);
      grad_y_for_data = p.bd_grad_y.In(grad_y);
      p.bwd_data.execute(Stream(), {{DNNL_ARG_DIFF_DST, grad_y_for_data},
                                    {DNNL_ARG_WEIGHTS, p.bd_weights.In(ctx.input(1).data<float>())},
                                    {DNNL_ARG_DIFF_SRC, p.bd_grad_x.Target(grad_x, accumulate)}});
      p.bd_grad_x.Out(grad_x, accumulate);
    }
    const bool want_bias = p.d.has_bias && ctx.needs_grad(2);
    if (ctx.needs_grad(1) || want_bias) {
      // One primitive computes both; a gradient nobody needs goes to scratch.
      float* grad_w = ctx.needs_grad(1) ? ctx.grad_input(1).data<float>() : nullptr;
      const bool acc_w = grad_w != nullptr && ctx.accumulates(1);
      std::unordered_map<int, dnnl::memory> args = {
          {DNNL_ARG_SRC, p.bw_x.In(ctx.input(0).data<float>())},
          {DNNL_ARG_DIFF_DST, grad_y_for_data && p.bd_grad_y.prim() == p.bw_grad_y.prim()
                                  ? grad_y_for_data
                                  : p.bw_grad_y.In(grad_y)},
          {DNNL_ARG_DIFF_WEIGHTS,
           grad_w ? p.bw_grad_w.Target(grad_w, acc_w) : dnnl::memory(p.bw_grad_w.prim(), Engine())},
      };
      std::vector<float> bias_scratch;
      float* grad_b = nullptr;
      if (p.d.has_bias) {
        const bool direct = want_bias && !ctx.accumulates(2);
        if (!direct) bias_scratch.resize(p.d.bias[0]);
        grad_b = direct ? ctx.grad_input(2).data<float>() : bias_scratch.data();
        args[DNNL_ARG_DIFF_BIAS] = dnnl::memory(p.bwd_w_pd.diff_bias_desc(), Engine(), grad_b);
      }
      p.bwd_w.execute(Stream(), args);
      if (grad_w) p.bw_grad_w.Out(grad_w, acc_w);
      Stream().wait();
      if (want_bias && ctx.accumulates(2)) {
        float* target = ctx.grad_input(2).data<float>();
        for (int64_t o = 0; o < p.d.bias[0]; ++o) target[o] += bias_scratch[o];
      }
    }
    Stream().wait();
    p.ReleaseBackward();
  }

 private:
  struct Prims {
    explicit Prims(ConvDims dims) : d(std::move(dims)) {}
    ConvDims d;
    dnnl::convolution_forward::primitive_desc fwd_pd;
    dnnl::convolution_forward fwd;
    Port src, weights, dst;
    bool have_backward = false;
    dnnl::convolution_backward_data bwd_data;
    Port bd_grad_y, bd_weights, bd_grad_x;
    dnnl::convolution_backward_weights::primitive_desc bwd_w_pd;
    dnnl::convolution_backward_weights bwd_w;
    Port bw_x, bw_grad_y, bw_grad_w;
    void ReleaseForward() {
      for (Port* port : {&src, &weights, &dst}) port->Release();
    }
    void ReleaseBackward() {
      for (Port* port : {&bd_grad_y, &bd_weights, &bd_grad_x, &bw_x, &bw_grad_y, &bw_grad_w}) {
        port->Release();
      }
    }
  };

  dnnl::memory::desc Desc(const dims& shape, dt type, tag plain) const {
    return dnnl::memory::desc(shape, type, PlainLayout() ? plain : tag::any);
  }

  Prims& Get(const Shape& x) {
    auto it = prims_.find(x.dims());
    if (it != prims_.end()) return it->second;
    Prims p{ConvDims(attrs_, x)};
    const ConvDims& d = p.d;
    const dt in = bf16_ ? dt::bf16 : dt::f32;
    try {
      dnnl::memory::desc bias({d.bias}, dt::f32, tag::a);
      dnnl::convolution_forward::desc desc =
          d.has_bias
              ? dnnl::convolution_forward::desc(
                    dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                    Desc(d.src, in, tag::nchw), Desc(d.weights, in, d.weights_tag()), bias,
                    Desc(d.dst, dt::f32, tag::nchw), d.strides, d.dilates, d.pad, d.pad)
              : dnnl::convolution_forward::desc(
                    dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                    Desc(d.src, in, tag::nchw), Desc(d.weights, in, d.weights_tag()),
                    Desc(d.dst, dt::f32, tag::nchw), d.strides, d.dilates, d.pad, d.pad);
      p.fwd_pd = dnnl::convolution_forward::primitive_desc(desc, Engine());
      p.fwd = dnnl::convolution_forward(p.fwd_pd);
    } catch (const dnnl::error& e) {
      NABLA_THROW(kInternal) << "oneDNN convolution for input " << x.ToString() << ": " << e.what();
    }
    p.src = Port(Plain(d.src, tag::nchw), p.fwd_pd.src_desc());
    p.weights = Port(Plain(d.weights, d.weights_tag()), p.fwd_pd.weights_desc());
    p.dst = Port(Plain(d.dst, tag::nchw), p.fwd_pd.dst_desc());
    return prims_.emplace(x.dims(), std::move(p)).first->second;
  }

  static dnnl::memory::desc Plain(const dims& shape, tag t) {
    return dnnl::memory::desc(shape, dt::f32, t);
  }

  void CreateBackward(Prims* p) const {
    const ConvDims& d = p->d;
    const dt in = bf16_ ? dt::bf16 : dt::f32;
    try {
      dnnl::convolution_backward_data::desc data_desc(
          dnnl::algorithm::convolution_direct, Desc(d.src, dt::f32, tag::nchw),
          Desc(d.weights, in, d.weights_tag()), Desc(d.dst, in, tag::nchw), d.strides, d.dilates,
          d.pad, d.pad);
      dnnl::convolution_backward_data::primitive_desc data_pd(data_desc, Engine(), p->fwd_pd);
      p->bwd_data = dnnl::convolution_backward_data(data_pd);
      p->bd_grad_y = Port(Plain(d.dst, tag::nchw), data_pd.diff_dst_desc());
      p->bd_weights = Port(Plain(d.weights, d.weights_tag()), data_pd.weights_desc());
      p->bd_grad_x = Port(Plain(d.src, tag::nchw), data_pd.diff_src_desc());

      dnnl::memory::desc bias({d.bias}, dt::f32, tag::a);
      dnnl::convolution_backward_weights::desc weights_desc =
          d.has_bias ? dnnl::convolution_backward_weights::desc(
                           dnnl::algorithm::convolution_direct, Desc(d.src, in, tag::nchw),
                           Desc(d.weights, dt::f32, d.weights_tag()), bias,
                           Desc(d.dst, in, tag::nchw), d.strides, d.dilates, d.pad, d.pad)
                     : dnnl::convolution_backward_weights::desc(
                           dnnl::algorithm::convolution_direct, Desc(d.src, in, tag::nchw),
                           Desc(d.weights, dt::f32, d.weights_tag()), Desc(d.dst, in, tag::nchw),
                           d.strides, d.dilates, d.pad, d.pad);
      p->bwd_w_pd = dnnl::convolution_backward_weights::primitive_desc(weights_desc, Engine(), p->fwd_pd);
      p->bwd_w = dnnl::convolution_backward_weights(p->bwd_w_pd);
      p->bw_x = Port(Plain(d.src, tag::nchw), p->bwd_w_pd.src_desc());
      p->bw_grad_y = Port(Plain(d.dst, tag::nchw), p->bwd_w_pd.diff_dst_desc());
      p->bw_grad_w = Port(Plain(d.weights, d.weights_tag()), p->bwd_w_pd.diff_weights_desc());
    } catch (const dnnl::error& e) {
      NABLA_THROW(kInternal) << "oneDNN convolution backward for input "
                             << Shape(d.src).ToString() << ": " << e.what();
    }
    p->have_backward = true;
  }

  AttrMap attrs_;
  bool bf16_;
  std::map<std::vector<int64_t>, Prims> prims_;
};

NABLA_REGISTER_KERNEL("Conv2D", "dnnl", ComputeType::kFloat32,
                      [](const AttrMap& a) { return std::make_unique<DnnlConv2D>(a, false); });
NABLA_REGISTER_KERNEL("Conv2D", "dnnl", ComputeType::kBFloat16,
                      [](const AttrMap& a) { return std::make_unique<DnnlConv2D>(a, true); });

}  // namespace
}  // namespace nabla::dnnl_backend
