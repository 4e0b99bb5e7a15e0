// What MaxPool2D and AvgPool2D share: their attributes, geometry and shape
// function. NCHW input [N, C, H, W], output [N, C, OH, OW] with
//   OH = floor((H + 2 PH - KH) / SH) + 1   (OW likewise; ops/window.h).
// Attributes (pairs are [k] or [kh, kw]):
//   kernel_size (ints, required), each >= 1;
//   stride (ints, default []: the kernel size), each >= 1;
//   padding (ints, default [0]), each >= 0 and at most half the kernel
//     (as PyTorch requires: no window lies wholly in the padding).
#ifndef NABLA_OPS_POOL_POOL_GEOMETRY_H_
#define NABLA_OPS_POOL_POOL_GEOMETRY_H_

#include <algorithm>
#include <string>
#include <vector>

#include "graph/op_schema.h"
#include "ops/window.h"

namespace nabla::pool {

using window::Pair;

inline Pair Stride(const AttrMap& a) {
  return a.at("stride").ints().empty() ? window::AttrPair(a, "kernel_size")
                                       : window::AttrPair(a, "stride");
}

struct Geometry {
  int64_t n, c, h, w;
  Pair k, stride, pad;
  int64_t oh, ow;
  Geometry(const AttrMap& a, const Shape& x)
      : n(x[0]), c(x[1]), h(x[2]), w(x[3]), k(window::AttrPair(a, "kernel_size")),
        stride(Stride(a)), pad(window::AttrPair(a, "padding")),
        oh(window::OutputSize(h, pad.h, k.h, stride.h)),
        ow(window::OutputSize(w, pad.w, k.w, stride.w)) {}
  int64_t planes() const { return n * c; }
  // The window of one output, clipped to the image: rows [r0, r1), cols
  // [c0, c1) of plane `plane`; `out` indexes the output within its plane.
  struct Window {
    int64_t plane, out, r0, r1, c0, c1;
  };
  // Calls fn(const Window&) for every output of every plane, in order.
  template <typename Fn>
  void ForEachWindow(Fn&& fn) const {
    for (int64_t p = 0; p < planes(); ++p) {
      for (int64_t i = 0; i < oh; ++i) {
        for (int64_t j = 0; j < ow; ++j) {
          const int64_t top = i * stride.h - pad.h, left = j * stride.w - pad.w;
          fn(Window{p, i * ow + j, std::max<int64_t>(top, 0), std::min(top + k.h, h),
                    std::max<int64_t>(left, 0), std::min(left + k.w, w)});
        }
      }
    }
  }
};

inline std::vector<Shape> Shapes(const std::vector<Shape>& in, const AttrMap& a) {
  const Shape& x = in[0];
  const Pair k = window::AttrPair(a, "kernel_size"), stride = Stride(a),
             pad = window::AttrPair(a, "padding");
  if (x.rank() != 4) {
    NABLA_THROW(kInvalidArgument) << "input must be [N, C, H, W], found " << x.ToString();
  }
  if (2 * pad.h > k.h || 2 * pad.w > k.w) {
    NABLA_THROW(kInvalidArgument) << "padding " << pad.ToString()
                                  << " must be at most half the kernel " << k.ToString();
  }
  const int64_t ph = window::PaddedSize(x[2], pad.h, "input " + x.ToString()),
                pw = window::PaddedSize(x[3], pad.w, "input " + x.ToString());
  if ((ph != kUnknownDim && ph < k.h) || (pw != kUnknownDim && pw < k.w)) {
    NABLA_THROW(kInvalidArgument)
        << "kernel " << k.ToString() << " is larger than the padded input "
        << (ph == kUnknownDim ? "?" : std::to_string(ph)) << "x"
        << (pw == kUnknownDim ? "?" : std::to_string(pw)) << " (input " << x.ToString()
        << ", padding " << pad.ToString() << ")";
  }
  window::CheckedProduct({x[0], x[1], x[2], x[3]}, "input " + x.ToString());
  return {Shape{x[0], x[1], window::OutputSize(x[2], pad.h, k.h, stride.h),
                window::OutputSize(x[3], pad.w, k.w, stride.w)}};
}

inline std::string Repr(const AttrMap& a) {
  std::string s = "(kernel " + window::AttrPair(a, "kernel_size").ToString();
  if (!a.at("stride").ints().empty()) s += ", stride " + Stride(a).ToString();
  const Pair pad = window::AttrPair(a, "padding");
  if (pad.h != 0 || pad.w != 0) s += ", padding " + pad.ToString();
  return s + ")";
}

// The attributes above, on `schema`.
inline OpSchema& PoolAttrs(OpSchema& schema) {
  using Ints = std::vector<int64_t>;
  return schema.Input("x")
      .Output("y")
      .Attr("kernel_size", AttrType::kInts, std::nullopt, "[k] or [kh, kw]")
      .Constraint("one or two ints, each >= 1", window::PairAtLeast(1))
      .Attr("stride", AttrType::kInts, Ints{}, "[s] or [sh, sw]; [] means the kernel size")
      .Constraint("[], or one or two ints, each >= 1",
                  [](const AttrValue& v) -> std::string {
                    if (v.ints().empty() || window::PairAtLeast(1)(v).empty()) return "";
                    return "[], or one or two ints, each >= 1";
                  })
      .Attr("padding", AttrType::kInts, Ints{0}, "[p] or [ph, pw] on both sides")
      .Constraint("one or two ints, each >= 0", window::PairAtLeast(0))
      .Shapes(Shapes)
      .Repr(Repr)
      // Gradient-check samples shared by both window pools: square windows,
      // overlapping windows with odd sizes and padding, a rectangular window.
      .Sample({{{"kernel_size", Ints{2}}}, {{2, 2, 4, 4}}})
      .Sample({{{"kernel_size", Ints{3}}, {"stride", Ints{2}}, {"padding", Ints{1}}},
               {{1, 2, 5, 6}}})
      .Sample({{{"kernel_size", Ints{2, 3}}, {"stride", Ints{1, 2}}}, {{1, 1, 3, 7}}});
}

}  // namespace nabla::pool

#endif  // NABLA_OPS_POOL_POOL_GEOMETRY_H_
