// Conv2D: 2-d cross-correlation over NCHW images, as PyTorch's nn.Conv2d.
//   x [N, C, H, W], weight [O, C/G, KH, KW], bias [O], y [N, O, OH, OW]
//   OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1   (OW likewise)
//   y[n, o, i, j] = bias[o] + sum over c in o's group, u < KH, v < KW of
//       weight[o, c - g C/G, u, v] * x[n, c, i SH - PH + u DH, j SW - PW + v DW]
// where g = o / (O/G) and x is zero outside the image.
// Backward, with gy = grad_output:
//   grad_input[n, c, p, q] = sum of weight[o, c', u, v] * gy[n, o, i, j] over
//       every (o, u, v, i, j) whose tap lands on (p, q)  (the transposed conv)
//   grad_weight[o, c', u, v] = sum over n, i, j of gy[n, o, i, j] * x[n, c, ...]
//   grad_bias[o] = sum over n, i, j of gy[n, o, i, j]
// The reference computes each (sample, group) as a GEMM on im2col columns:
//   col [C/G KH KW, OH OW]; y_g = W_g col; grad_col = W_g^T gy_g (scattered
//   back by col2im); grad_W_g += gy_g col^T. Accumulates into retained
//   gradients when the engine asks (OpSchema::AccumulatesGradients).
//
// Attributes (pairs are [k] for both dims or [kh, kw], ops/window.h):
//   in_channels C, out_channels O (int > 0, required); groups G (int,
//     default 1) must divide both;
//   kernel_size (ints, required) [KH, KW];
//   stride (ints, default [1]) each > 0; dilation (ints, default [1]) > 0;
//   padding (ints, default [0]) each >= 0, zeros added on both sides;
//   pad_mode (string, default "explicit"): "same" pads DH (KH-1)/2 on each
//     side instead (so OH = H), needs stride 1 and an odd dilated kernel
//     (DH (KH-1) even), and padding left at its default;
//   bias (bool, default true): false leaves the bias parameter empty ([0])
//     and adds nothing.
// Initialisation as PyTorch: weight Kaiming-uniform with a = sqrt(5)
// (bound 1/sqrt(fan_in), fan_in = C/G KH KW), bias U(-1/sqrt(fan_in), ..).
#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/parallel.h"
#include "graph/registry.h"
#include "ops/conv/conv_geometry.h"
#include "ops/window.h"

namespace nabla {
namespace {

using conv::Geometry;
using conv::Padding;
using window::AttrPair;
using window::Pair;

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Map = Eigen::Map<Matrix<T>>;
template <typename T>
using ConstMap = Eigen::Map<const Matrix<T>>;

// col[(ci KH + u) KW + v, i OW + j] = image[ci, i SH - PH + u DH, j SW - PW + v DW]
// for the group_c channels starting at `image`, zero outside.
template <typename T>
void Im2Col(const Geometry& g, const T* image, T* col) {
  for (int64_t ci = 0; ci < g.group_c(); ++ci) {
    const T* plane = image + ci * g.h * g.w;
    for (int64_t u = 0; u < g.k.h; ++u) {
      for (int64_t v = 0; v < g.k.w; ++v) {
        T* row = col + ((ci * g.k.h + u) * g.k.w + v) * g.positions();
        for (int64_t i = 0; i < g.oh; ++i) {
          const int64_t p = i * g.stride.h - g.pad.h + u * g.dilation.h;
          T* out = row + i * g.ow;
          if (p < 0 || p >= g.h) {
            std::fill(out, out + g.ow, T(0));
            continue;
          }
          for (int64_t j = 0; j < g.ow; ++j) {
            const int64_t q = j * g.stride.w - g.pad.w + v * g.dilation.w;
            out[j] = (q < 0 || q >= g.w) ? T(0) : plane[p * g.w + q];
          }
        }
      }
    }
  }
}

// The adjoint of Im2Col: image[...] += col[...] for every tap inside.
template <typename T>
void Col2ImAdd(const Geometry& g, const T* col, T* image) {
  for (int64_t ci = 0; ci < g.group_c(); ++ci) {
    T* plane = image + ci * g.h * g.w;
    for (int64_t u = 0; u < g.k.h; ++u) {
      for (int64_t v = 0; v < g.k.w; ++v) {
        const T* row = col + ((ci * g.k.h + u) * g.k.w + v) * g.positions();
        for (int64_t i = 0; i < g.oh; ++i) {
          const int64_t p = i * g.stride.h - g.pad.h + u * g.dilation.h;
          if (p < 0 || p >= g.h) continue;
          for (int64_t j = 0; j < g.ow; ++j) {
            const int64_t q = j * g.stride.w - g.pad.w + v * g.dilation.w;
            if (q >= 0 && q < g.w) plane[p * g.w + q] += row[i * g.ow + j];
          }
        }
      }
    }
  }
}

struct Conv2DKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    const T* weight = ctx.input(1).data<T>();
    const bool has_bias = ctx.input(2).size() > 0;
    const T* bias = has_bias ? ctx.input(2).data<T>() : nullptr;
    T* y = ctx.output(0).data<T>();
    // Samples are independent: one col buffer per thread.
    ParallelFor(g.n, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> col(g.patch() * g.positions());
      for (int64_t n = begin; n < end; ++n) {
        for (int64_t grp = 0; grp < g.groups; ++grp) {
          Im2Col(g, x + (n * g.c + grp * g.group_c()) * g.h * g.w, col.data());
          Map<T> out(y + (n * g.out_c + grp * g.group_out()) * g.positions(), g.group_out(),
                     g.positions());
          out.noalias() = ConstMap<T>(weight + grp * g.group_out() * g.patch(), g.group_out(),
                                      g.patch()) *
                          ConstMap<T>(col.data(), g.patch(), g.positions());
          if (has_bias) {
            for (int64_t o = 0; o < g.group_out(); ++o) {
              out.row(o).array() += bias[grp * g.group_out() + o];
            }
          }
        }
      }
    });
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Geometry g(ctx.attrs(), ctx.input(0).shape());
    const T* x = ctx.input(0).data<T>();
    const T* weight = ctx.input(1).data<T>();
    const T* gy = ctx.grad_output(0).data<T>();
    auto gy_block = [&](int64_t n, int64_t grp) {
      return ConstMap<T>(gy + (n * g.out_c + grp * g.group_out()) * g.positions(),
                         g.group_out(), g.positions());
    };
    auto weight_block = [&](int64_t grp) {
      return ConstMap<T>(weight + grp * g.group_out() * g.patch(), g.group_out(), g.patch());
    };
    if (ctx.needs_grad(0)) {
      T* grad_input = ctx.grad_input(0).data<T>();
      const bool accumulate = ctx.accumulates(0);
      ParallelFor(g.n, 1, [&](int64_t begin, int64_t end) {
        std::vector<T> grad_col(g.patch() * g.positions());
        for (int64_t n = begin; n < end; ++n) {
          T* image = grad_input + n * g.c * g.h * g.w;
          if (!accumulate) std::fill(image, image + g.c * g.h * g.w, T(0));
          for (int64_t grp = 0; grp < g.groups; ++grp) {
            Map<T>(grad_col.data(), g.patch(), g.positions()).noalias() =
                weight_block(grp).transpose() * gy_block(n, grp);
            Col2ImAdd(g, grad_col.data(), image + grp * g.group_c() * g.h * g.w);
          }
        }
      });
    }
    if (ctx.needs_grad(1)) {
      Map<T> grad_weight(ctx.grad_input(1).data<T>(), g.out_c, g.patch());
      if (!ctx.accumulates(1)) grad_weight.setZero();
      // In sample order on one thread (Eigen's GEMM may use more), so the
      // sum does not depend on the thread count's split of the batch.
      std::vector<T> col(g.patch() * g.positions());
      for (int64_t n = 0; n < g.n; ++n) {
        for (int64_t grp = 0; grp < g.groups; ++grp) {
          Im2Col(g, x + (n * g.c + grp * g.group_c()) * g.h * g.w, col.data());
          grad_weight.middleRows(grp * g.group_out(), g.group_out()).noalias() +=
              gy_block(n, grp) * ConstMap<T>(col.data(), g.patch(), g.positions()).transpose();
        }
      }
    }
    if (ctx.needs_grad(2) && ctx.grad_input(2).size() > 0) {
      T* grad_bias = ctx.grad_input(2).data<T>();
      if (!ctx.accumulates(2)) std::fill(grad_bias, grad_bias + g.out_c, T(0));
      for (int64_t n = 0; n < g.n; ++n) {
        for (int64_t o = 0; o < g.out_c; ++o) {
          const T* plane = gy + (n * g.out_c + o) * g.positions();
          grad_bias[o] += ConstMap<T>(plane, 1, g.positions()).sum();
        }
      }
    }
  }
};

int64_t FanIn(const AttrMap& a) {
  Pair k = AttrPair(a, "kernel_size");
  return a.at("in_channels").i() / a.at("groups").i() * k.h * k.w;
}

std::vector<Shape> Conv2DShapes(const std::vector<Shape>& in, const AttrMap& a) {
  const Shape& x = in[0];
  const int64_t channels = a.at("in_channels").i(), out_c = a.at("out_channels").i(),
                groups = a.at("groups").i();
  const Pair k = AttrPair(a, "kernel_size"), stride = AttrPair(a, "stride"),
             dilation = AttrPair(a, "dilation");
  if (x.rank() != 4) {
    NABLA_THROW(kInvalidArgument) << "input must be [N, C, H, W] with C = in_channels "
                                  << channels << ", found " << x.ToString();
  }
  if (channels % groups != 0 || out_c % groups != 0) {
    NABLA_THROW(kInvalidArgument) << "groups " << groups << " must divide in_channels "
                                  << channels << " and out_channels " << out_c;
  }
  const Shape weight{out_c, channels / groups, k.h, k.w};
  if (x[1] != kUnknownDim && x[1] != channels) {
    NABLA_THROW(kInvalidArgument) << "input " << x.ToString() << " has " << x[1]
                                  << " channels (dim 1), weight " << weight.ToString()
                                  << " expects in_channels " << channels;
  }
  const Shape bias{a.at("bias").b() ? out_c : 0};
  if (in[1] != weight || in[2] != bias) {
    NABLA_THROW(kInvalidArgument) << "parameters are weight " << in[1].ToString()
                                  << " and bias " << in[2].ToString() << ", expected "
                                  << weight.ToString() << " and " << bias.ToString();
  }
  const Pair span{dilation.h * (k.h - 1) + 1, dilation.w * (k.w - 1) + 1};
  if (a.at("pad_mode").s() == "same") {
    if (stride.h != 1 || stride.w != 1) {
      NABLA_THROW(kInvalidArgument) << "pad_mode 'same' needs stride 1, found stride "
                                    << stride.ToString();
    }
    if (span.h % 2 == 0 || span.w % 2 == 0) {
      NABLA_THROW(kInvalidArgument)
          << "pad_mode 'same' needs an odd dilated kernel to pad both sides equally, found "
          << "kernel " << k.ToString() << " with dilation " << dilation.ToString()
          << " (spans " << span.ToString() << ")";
    }
    if (a.at("padding") != AttrValue(std::vector<int64_t>{0})) {
      NABLA_THROW(kInvalidArgument) << "pad_mode 'same' computes the padding; leave padding "
                                       "unset, found "
                                    << a.at("padding").ToString();
    }
  }
  const Pair pad = Padding(a);
  const int64_t ph = window::PaddedSize(x[2], pad.h, "input " + x.ToString()),
                pw = window::PaddedSize(x[3], pad.w, "input " + x.ToString());
  if ((ph != kUnknownDim && ph < span.h) || (pw != kUnknownDim && pw < span.w)) {
    NABLA_THROW(kInvalidArgument)
        << "kernel " << k.ToString() << " (weight " << weight.ToString() << ", dilation "
        << dilation.ToString() << ", spanning " << span.ToString()
        << ") is larger than the padded input " << (ph == kUnknownDim ? "?" : std::to_string(ph))
        << "x" << (pw == kUnknownDim ? "?" : std::to_string(pw)) << " (input " << x.ToString()
        << ", padding " << pad.ToString() << ")";
  }
  Shape y{x[0], out_c, window::OutputSize(x[2], pad.h, k.h, stride.h, dilation.h),
          window::OutputSize(x[3], pad.w, k.w, stride.w, dilation.w)};
  window::CheckedProduct({y[0], y[1], y[2], y[3]}, "output " + y.ToString());
  window::CheckedProduct({weight[1], k.h, k.w, y[2], y[3]}, "im2col buffer of output " + y.ToString());
  window::CheckedProduct({x[0], x[1], x[2], x[3]}, "input " + x.ToString());
  return {y};
}

std::string Conv2DRepr(const AttrMap& a) {
  std::string s = "(" + a.at("in_channels").ToString() + ", " + a.at("out_channels").ToString() +
                  ", kernel " + AttrPair(a, "kernel_size").ToString();
  Pair stride = AttrPair(a, "stride"), dilation = AttrPair(a, "dilation"), pad = Padding(a);
  if (stride.h != 1 || stride.w != 1) s += ", stride " + stride.ToString();
  if (a.at("pad_mode").s() == "same") {
    s += ", padding same";
  } else if (pad.h != 0 || pad.w != 0) {
    s += ", padding " + pad.ToString();
  }
  if (dilation.h != 1 || dilation.w != 1) s += ", dilation " + dilation.ToString();
  if (a.at("groups").i() != 1) s += ", groups " + a.at("groups").ToString();
  if (!a.at("bias").b()) s += ", bias false";
  return s + ")";
}

using Ints = std::vector<int64_t>;

AttrMap SampleAttrs(int64_t in, int64_t out, Ints kernel, AttrMap more = {}) {
  more["in_channels"] = in;
  more["out_channels"] = out;
  more["kernel_size"] = kernel;
  return more;
}

NABLA_REGISTER_OP(
    OpSchema("Conv2D")
        .Doc("2-d convolution (cross-correlation) over NCHW images")
        .Input("x")
        .Output("y")
        .Attr("in_channels", AttrType::kInt, std::nullopt, "input channels C")
        .Constraint("> 0", Positive())
        .Attr("out_channels", AttrType::kInt, std::nullopt, "output channels O")
        .Constraint("> 0", Positive())
        .Attr("kernel_size", AttrType::kInts, std::nullopt, "[k] or [kh, kw]")
        .Constraint("one or two ints, each >= 1", window::PairAtLeast(1))
        .Attr("stride", AttrType::kInts, Ints{1}, "[s] or [sh, sw]")
        .Constraint("one or two ints, each >= 1", window::PairAtLeast(1))
        .Attr("padding", AttrType::kInts, Ints{0}, "[p] or [ph, pw], zeros on both sides")
        .Constraint("one or two ints, each >= 0", window::PairAtLeast(0))
        .Attr("pad_mode", AttrType::kString, std::string("explicit"),
              "explicit: use padding; same: output as large as the input (stride 1)")
        .Constraint("one of explicit, same", OneOf({"explicit", "same"}))
        .Attr("dilation", AttrType::kInts, Ints{1}, "[d] or [dh, dw], spacing of kernel taps")
        .Constraint("one or two ints, each >= 1", window::PairAtLeast(1))
        .Attr("groups", AttrType::kInt, int64_t{1}, "channel groups; must divide both counts")
        .Constraint("> 0", Positive())
        .Attr("bias", AttrType::kBool, true, "add a learnable bias per output channel")
        .Param({"weight",
                [](const AttrMap& a) {
                  Pair k = AttrPair(a, "kernel_size");
                  return Shape{a.at("out_channels").i(),
                               a.at("in_channels").i() / a.at("groups").i(), k.h, k.w};
                },
                [](const AttrMap&) { return InitSpec{InitSpec::kKaimingUniform, std::sqrt(5.0), 0}; },
                true, "[out_channels, in_channels / groups, kh, kw]"})
        .Param({"bias",
                [](const AttrMap& a) { return Shape{a.at("bias").b() ? a.at("out_channels").i() : 0}; },
                [](const AttrMap& a) {
                  const double bound = 1.0 / std::sqrt(static_cast<double>(FanIn(a)));
                  return InitSpec{InitSpec::kUniform, -bound, bound};
                },
                true, "[out_channels], or [0] when bias is false"})
        .Shapes(Conv2DShapes)
        .Repr(Conv2DRepr)
        .Sample({SampleAttrs(2, 3, {3}, {{"padding", Ints{1}}}), {{2, 2, 4, 5}}})
        // Odd sizes, stride 2, a rectangular kernel with per-dim padding.
        .Sample({SampleAttrs(1, 2, {2, 3}, {{"stride", Ints{2}}, {"padding", Ints{0, 1}}}),
                 {{1, 1, 5, 6}}})
        // Dilation and groups.
        .Sample({SampleAttrs(4, 2, {3}, {{"dilation", Ints{2}}, {"padding", Ints{1}},
                                         {"groups", int64_t{2}}}),
                 {{1, 4, 6, 5}}})
        // "same", no bias, depthwise (groups = channels).
        .Sample({SampleAttrs(2, 2, {3}, {{"pad_mode", std::string("same")}, {"bias", false},
                                         {"groups", int64_t{2}}}),
                 {{2, 2, 3, 4}}})
        .AccumulatesGradients()
        .Kernels<Conv2DKernel>());

}  // namespace
}  // namespace nabla
