// Conv2D's geometry (ops/conv/conv2d.cc has the op and its attributes):
// the padding "same" resolves to, and every size a kernel needs from the
// attributes and the input's shape. Shared by the reference kernel and the
// backends' Conv2D kernels (backends/dnnl/conv.cc), so the two cannot
// disagree about an output size.
#ifndef NABLA_OPS_CONV_CONV_GEOMETRY_H_
#define NABLA_OPS_CONV_CONV_GEOMETRY_H_

#include <cstdint>

#include "graph/attr.h"
#include "graph/shape.h"
#include "ops/window.h"

namespace nabla::conv {

using window::AttrPair;
using window::Pair;

// The padding on each side: the padding attribute, or for pad_mode "same"
// DH (KH - 1) / 2 by DW (KW - 1) / 2.
inline Pair Padding(const AttrMap& a) {
  if (a.at("pad_mode").s() != "same") return AttrPair(a, "padding");
  Pair k = AttrPair(a, "kernel_size"), d = AttrPair(a, "dilation");
  return {d.h * (k.h - 1) / 2, d.w * (k.w - 1) / 2};
}

// Everything the kernels need, from attributes and the input's shape.
struct Geometry {
  int64_t n, c, h, w, out_c, groups;
  Pair k, stride, pad, dilation;
  int64_t oh, ow;
  Geometry(const AttrMap& a, const Shape& x)
      : n(x[0]), c(x[1]), h(x[2]), w(x[3]), out_c(a.at("out_channels").i()),
        groups(a.at("groups").i()), k(AttrPair(a, "kernel_size")), stride(AttrPair(a, "stride")),
        pad(Padding(a)), dilation(AttrPair(a, "dilation")),
        oh(window::OutputSize(h, pad.h, k.h, stride.h, dilation.h)),
        ow(window::OutputSize(w, pad.w, k.w, stride.w, dilation.w)) {}
  int64_t group_c() const { return c / groups; }
  int64_t group_out() const { return out_c / groups; }
  int64_t patch() const { return group_c() * k.h * k.w; }  // rows of col
  int64_t positions() const { return oh * ow; }            // columns of col
};

}  // namespace nabla::conv

#endif  // NABLA_OPS_CONV_CONV_GEOMETRY_H_
