// Reshape: y has x's elements in the same (row-major) order and the shape
// given by the attribute.
// Backward: grad_input = grad_output, reshaped back (a copy).
//
// Attribute shape (list(int), required): the full output shape. Each entry
// is a dim > 0; or 0, which copies the input's dim at that position (use it
// for the batch: [0, -1] flattens any batch); or -1 (at most one), inferred
// so the element count matches. A dim of the input that is unknown in shape
// inference (the batch) propagates through a 0 at its position; an unknown
// dim that is not copied makes the -1 unknown as well.
// Output and gradient are copies into engine-allocated tensors, never views.
#include "graph/registry.h"
#include "ops/shape/copy_kernel.h"

namespace nabla {
namespace {

constexpr char kShapeDoc[] =
    "dims > 0, 0 (copy the input's dim) or a single -1 (inferred)";

std::vector<Shape> ReshapeShape(const std::vector<Shape>& in, const AttrMap& a) {
  const Shape& x = in[0];
  const std::vector<int64_t>& spec = a.at("shape").ints();
  const std::string target = a.at("shape").ToString();
  if (static_cast<int>(spec.size()) > kMaxRank) {
    NABLA_THROW(kInvalidArgument) << "shape " << target << " has " << spec.size()
                                  << " dims, at most " << kMaxRank << " are supported";
  }
  // Dims copied by 0 appear on both sides and cancel: only the rest of the
  // input's elements must match the rest of the output's.
  std::vector<int64_t> dims(spec.begin(), spec.end());
  std::vector<bool> copied(x.rank(), false);
  int inferred = -1;
  int64_t out_rest = 1;
  for (int i = 0; i < static_cast<int>(spec.size()); ++i) {
    if (spec[i] == -1) {
      inferred = i;
    } else if (spec[i] == 0) {
      if (i >= x.rank()) {
        NABLA_THROW(kInvalidArgument) << "shape " << target << " copies input dim " << i
                                      << " (0), but the input " << x.ToString()
                                      << " has rank " << x.rank();
      }
      dims[i] = x[i];
      copied[i] = true;
    } else {
      out_rest = MultiplyDims(out_rest, spec[i], "reshape target");
    }
  }
  int64_t in_rest = 1;
  bool in_unknown = false;
  for (int j = 0; j < x.rank(); ++j) {
    if (copied[j]) continue;
    if (x[j] == kUnknownDim) {
      in_unknown = true;
    } else {
      in_rest = MultiplyDims(in_rest, x[j], "reshape input");
    }
  }
  if (in_unknown) {
    if (inferred >= 0) dims[inferred] = kUnknownDim;
  } else if (inferred >= 0) {
    if (out_rest == 0 || in_rest % out_rest != 0) {
      NABLA_THROW(kInvalidArgument) << "cannot reshape input " << x.ToString() << " to shape "
                                    << target << ": " << in_rest
                                    << " elements do not divide into dims of product "
                                    << out_rest;
    }
    dims[inferred] = in_rest / out_rest;
  } else if (in_rest != out_rest) {
    NABLA_THROW(kInvalidArgument) << "cannot reshape input " << x.ToString() << " to shape "
                                  << target << ": " << in_rest << " elements against "
                                  << out_rest;
  }
  return {Shape(std::move(dims))};
}

NABLA_REGISTER_OP(
    OpSchema("Reshape")
        .Doc("same elements, new shape (0 copies an input dim, -1 is inferred)")
        .Input("x")
        .Output("y")
        .Attr("shape", AttrType::kInts, std::nullopt, "output shape")
        .Constraint(kShapeDoc,
                    [](const AttrValue& v) -> std::string {
                      int inferred = 0;
                      for (int64_t d : v.ints()) {
                        if (d < -1) return kShapeDoc;
                        inferred += d == -1;
                      }
                      return inferred <= 1 ? "" : kShapeDoc;
                    })
        .Shapes(ReshapeShape)
        .Sample({{{"shape", std::vector<int64_t>{0, -1}}}, {{2, 3, 4}}})
        .Sample({{{"shape", std::vector<int64_t>{4, 0, -1}}}, {{2, 3, 4}}})
        .Sample({{{"shape", std::vector<int64_t>{6}}}, {{2, 3}}})
        .Kernels<ShapeCopyKernel>());

}  // namespace
}  // namespace nabla
