// Concat: joins one or more tensors along `axis`.
//   inputs x_0 .. x_{k-1}, all of one rank, equal in every dim but `axis`
//   y = [x_0 | x_1 | ... ] along axis; y.dim(axis) = sum of x_i.dim(axis)
// Backward: grad_input(i) is the slice of grad_output where x_i went.
//
// Attribute axis (int, required): the dim joined, in [-rank, rank); a
// negative axis counts from the end (-1 is the last dim).
// The inputs are variadic (OpSchema::VariadicInput): a graph node lists
// them all, in order.
#include <algorithm>
#include <string>

#include "graph/registry.h"

namespace nabla {
namespace {

int Axis(int64_t axis, int rank) { return static_cast<int>(axis < 0 ? axis + rank : axis); }

struct ConcatKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& y = ctx.output(0);
    const int axis = Axis(ctx.attr_int("axis"), y.rank());
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= y.dim(d);
    const int64_t row = outer == 0 ? 0 : y.size() / outer;
    T* out = ctx.output(0).data<T>();
    int64_t offset = 0;
    for (int k = 0; k < ctx.num_inputs(); ++k) {
      const Tensor& x = ctx.input(k);
      const int64_t block = outer == 0 ? 0 : x.size() / outer;
      const T* in = x.data<T>();
      for (int64_t o = 0; o < outer; ++o) {
        std::copy(in + o * block, in + (o + 1) * block, out + o * row + offset);
      }
      offset += block;
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& gy = ctx.grad_output(0);
    const int axis = Axis(ctx.attr_int("axis"), gy.rank());
    int64_t outer = 1;
    for (int d = 0; d < axis; ++d) outer *= gy.dim(d);
    const int64_t row = outer == 0 ? 0 : gy.size() / outer;
    const T* grad = gy.data<T>();
    int64_t offset = 0;
    for (int k = 0; k < ctx.num_inputs(); ++k) {
      const int64_t block = outer == 0 ? 0 : ctx.input(k).size() / outer;
      if (ctx.needs_grad(k)) {
        T* target = ctx.grad_input(k).data<T>();
        for (int64_t o = 0; o < outer; ++o) {
          std::copy(grad + o * row + offset, grad + o * row + offset + block, target + o * block);
        }
      }
      offset += block;
    }
  }
};

std::vector<Shape> ConcatShapes(const std::vector<Shape>& in, const AttrMap& a) {
  const Shape& first = in[0];
  const int64_t axis_attr = a.at("axis").i();
  if (axis_attr < -first.rank() || axis_attr >= first.rank()) {
    NABLA_THROW(kInvalidArgument) << "axis " << axis_attr << " is outside [-" << first.rank()
                                  << ", " << first.rank() << ") for input 0 "
                                  << first.ToString();
  }
  const int axis = Axis(axis_attr, first.rank());
  std::vector<int64_t> dims = first.dims();
  for (size_t k = 1; k < in.size(); ++k) {
    const Shape& x = in[k];
    bool fits = x.rank() == first.rank();
    for (int d = 0; fits && d < x.rank(); ++d) {
      if (d == axis) continue;
      if (x[d] != kUnknownDim && dims[d] != kUnknownDim && x[d] != dims[d]) fits = false;
      if (dims[d] == kUnknownDim) dims[d] = x[d];
    }
    if (!fits) {
      NABLA_THROW(kInvalidArgument)
          << "input " << k << " " << x.ToString() << " does not match input 0 "
          << first.ToString() << ": Concat along axis " << axis
          << " needs the same rank and equal dims elsewhere";
    }
    if (dims[axis] == kUnknownDim || x[axis] == kUnknownDim) {
      dims[axis] = kUnknownDim;
    } else if (__builtin_add_overflow(dims[axis], x[axis], &dims[axis])) {
      NABLA_THROW(kInvalidArgument) << "the joined dim " << axis << " does not fit in int64";
    }
  }
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d != kUnknownDim && __builtin_mul_overflow(total, d, &total)) {
      NABLA_THROW(kInvalidArgument) << "output " << Shape(dims).ToString()
                                    << " has more elements than fit in int64";
    }
  }
  return {Shape(std::move(dims))};
}

NABLA_REGISTER_OP(
    OpSchema("Concat")
        .Doc("join one or more tensors along an axis")
        .VariadicInput("values")
        .Output("y")
        .Attr("axis", AttrType::kInt, std::nullopt, "dim joined; negative counts from the end")
        .Shapes(ConcatShapes)
        .Sample({{{"axis", int64_t{1}}}, {{2, 3}, {2, 1}}})
        // Channels of NCHW maps, three inputs.
        .Sample({{{"axis", int64_t{1}}}, {{1, 2, 2, 3}, {1, 1, 2, 3}, {1, 3, 2, 3}}})
        .Sample({{{"axis", int64_t{0}}}, {{1, 3}, {2, 3}}})
        .Sample({{{"axis", int64_t{-1}}}, {{2, 2, 1}, {2, 2, 3}}})
        .Sample({{{"axis", int64_t{0}}}, {{3}}})
        .Kernels<ConcatKernel>());

}  // namespace
}  // namespace nabla
