// Flatten: merges dims start_dim.. into one:
//   [d0, ..., d(s-1), ds, ..., d(r-1)] -> [d0, ..., d(s-1), ds * ... * d(r-1)]
// The default start_dim 1 keeps the batch: [N, C, H, W] -> [N, C*H*W].
// Backward: grad_input = grad_output in the input's shape (a copy).
//
// Attribute start_dim (int, default 1): the first dim merged; must be below
// the input's rank. An unknown dim (the batch, in shape inference) before
// start_dim stays unknown; one inside the merged range makes the merged dim
// unknown.
// Output and gradient are copies into engine-allocated tensors, never views.
#include "graph/registry.h"
#include "ops/shape/copy_kernel.h"

namespace nabla {
namespace {

NABLA_REGISTER_OP(
    OpSchema("Flatten")
        .Doc("merge dims start_dim.. into one")
        .Input("x")
        .Output("y")
        .Attr("start_dim", AttrType::kInt, int64_t{1}, "first dim merged")
        .Constraint("in [0, 5]", InRange(0, kMaxRank - 1))
        .Shapes([](const std::vector<Shape>& in, const AttrMap& a) {
          const Shape& x = in[0];
          const int64_t start = a.at("start_dim").i();
          if (start >= x.rank()) {
            NABLA_THROW(kInvalidArgument) << "start_dim " << start << " needs an input of rank > "
                                          << start << ", found " << x.ToString();
          }
          std::vector<int64_t> dims(x.dims().begin(), x.dims().begin() + start);
          int64_t merged = 1;
          for (int i = static_cast<int>(start); i < x.rank(); ++i) {
            merged = (merged == kUnknownDim || x[i] == kUnknownDim) ? kUnknownDim : merged * x[i];
          }
          dims.push_back(merged);
          return std::vector<Shape>{Shape(std::move(dims))};
        })
        .Sample({{}, {{2, 3, 4}}})
        .Sample({{{"start_dim", int64_t{2}}}, {{2, 3, 2, 2}}})
        .Sample({{{"start_dim", int64_t{0}}}, {{2, 3}}})
        .Kernels<ShapeCopyKernel>());

}  // namespace
}  // namespace nabla
