// Sliding-window geometry shared by the conv and pool families: the (h, w)
// pairs their list attributes hold, the output-size formula, and products
// of dims that refuse to overflow.
//
// A pair attribute is a list of one or two ints: [k] means k along both
// height and width, [kh, kw] one for each.
#ifndef NABLA_OPS_WINDOW_H_
#define NABLA_OPS_WINDOW_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "graph/attr.h"
#include "graph/error.h"

namespace nabla::window {

struct Pair {
  int64_t h, w;
  std::string ToString() const { return std::to_string(h) + "x" + std::to_string(w); }
};

inline Pair AttrPair(const AttrMap& attrs, const std::string& name) {
  const std::vector<int64_t>& v = attrs.at(name).ints();
  return {v[0], v.size() == 2 ? v[1] : v[0]};
}

// Constraint for a pair attribute: one or two values, each >= `min`.
inline std::function<std::string(const AttrValue&)> PairAtLeast(int64_t min) {
  return [min](const AttrValue& v) -> std::string {
    const std::string want = "one or two ints, each >= " + std::to_string(min);
    if (v.ints().empty() || v.ints().size() > 2) return want;
    for (int64_t x : v.ints()) {
      if (x < min) return want;
    }
    return "";
  };
}

// Output length of a window of `k` taps spaced `dilation` apart, moved by
// `stride` over `in` padded by `pad` on each side:
//   floor((in + 2 pad - dilation (k - 1) - 1) / stride) + 1.
// kUnknownDim stays unknown. The caller has checked that the window fits.
inline int64_t OutputSize(int64_t in, int64_t pad, int64_t k, int64_t stride,
                          int64_t dilation = 1) {
  if (in == kUnknownDim) return kUnknownDim;
  return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

// The product of `dims` (unknown dims count as 1); throws kInvalidArgument
// naming `what` when it does not fit in int64.
inline int64_t CheckedProduct(std::initializer_list<int64_t> dims, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d == kUnknownDim) continue;
    if (__builtin_mul_overflow(n, d, &n)) {
      NABLA_THROW(kInvalidArgument) << what << " has more elements than fit in int64";
    }
  }
  return n;
}

// in + 2 pad, or kUnknownDim; throws when it does not fit in int64.
inline int64_t PaddedSize(int64_t in, int64_t pad, const std::string& what) {
  if (in == kUnknownDim) return kUnknownDim;
  int64_t twice, padded;
  if (__builtin_mul_overflow(pad, int64_t{2}, &twice) ||
      __builtin_add_overflow(in, twice, &padded)) {
    NABLA_THROW(kInvalidArgument) << what << ": padded size does not fit in int64";
  }
  return padded;
}

}  // namespace nabla::window

#endif  // NABLA_OPS_WINDOW_H_
