// Broadcasting for the binary elementwise ops (Add, Sub, Mul): y = op(a, b),
// y has a's shape, and b is one of
//   kSame:   a's shape;
//   kScalar: a scalar (shape [] or [1]), applied to every element of a;
//   kRow:    a row [M], applied to every row of a [N, M].
// BroadcastShapes is these ops' shape function and rejects every other pair,
// so the kernels' BroadcastOf never meets one.
#ifndef NABLA_OPS_MATH_BROADCAST_H_
#define NABLA_OPS_MATH_BROADCAST_H_

#include <vector>

#include "graph/attr.h"
#include "graph/error.h"
#include "graph/shape.h"
#include "graph/tensor.h"

namespace nabla {

enum class Broadcast { kSame, kScalar, kRow };

// The shape function has accepted the pair, so anything else is a row.
inline Broadcast BroadcastOf(const Tensor& a, const Tensor& b) {
  if (b.shape() == a.shape()) return Broadcast::kSame;
  if (b.rank() <= 1 && b.size() == 1) return Broadcast::kScalar;
  return Broadcast::kRow;
}

inline std::vector<Shape> BroadcastShapes(const std::vector<Shape>& in, const AttrMap&) {
  const Shape& a = in[0];
  const Shape& b = in[1];
  bool same = b.CompatibleWith(a);
  bool scalar = b.rank() == 0 || b.CompatibleWith(Shape{1});
  bool row = a.rank() == 2 && b.CompatibleWith(Shape{a[1]});
  if (!same && !scalar && !row) {
    NABLA_THROW(kInvalidArgument)
        << "b " << b.ToString() << " does not broadcast against a " << a.ToString()
        << ": expected a's shape, a scalar ([] or [1]) or a row [M] of a [N, M]";
  }
  return std::vector<Shape>{a};
}

// out = op(a, b), b broadcast against a; out has a's shape. `op` is called
// once on Eigen expressions (std::plus<>() or a generic lambda): two arrays,
// an array and a scalar, or a's rows and b as a row vector.
template <typename T, typename Op>
void BroadcastApply(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  switch (BroadcastOf(a, b)) {
    case Broadcast::kSame:
      out.array<T>() = op(a.array<T>(), b.array<T>());
      break;
    case Broadcast::kScalar:
      out.array<T>() = op(a.array<T>(), b.data<T>()[0]);
      break;
    case Broadcast::kRow:
      out.matrix<T>().array() = op(a.matrix<T>().array().rowwise(), b.array<T>().transpose());
      break;
  }
}

// grad_b = an a-shaped contribution summed over every position of a that
// shares an element of b: nothing to sum (kSame), all elements (kScalar),
// the rows (kRow). `contribution(view)` builds the contribution from a-shaped
// tensors, each seen through `view`, which gives the Eigen array form the
// reduction needs (flat, or [N, M] for kRow); for example
//   [&](auto view) { return view(grad_output) * view(a); }
template <typename T, typename Contribution>
void ReduceToB(const Tensor& a, const Tensor& b, Tensor& grad_b, Contribution contribution) {
  auto flat = [](const Tensor& t) { return t.array<T>(); };
  switch (BroadcastOf(a, b)) {
    case Broadcast::kSame:
      grad_b.array<T>() = contribution(flat);
      break;
    case Broadcast::kScalar:
      grad_b.data<T>()[0] = contribution(flat).sum();
      break;
    case Broadcast::kRow:
      grad_b.array<T>() = contribution([](const Tensor& t) { return t.matrix<T>().array(); })
                              .colwise()
                              .sum()
                              .transpose();
      break;
  }
}

}  // namespace nabla

#endif  // NABLA_OPS_MATH_BROADCAST_H_
