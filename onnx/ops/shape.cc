// ONNX mappings of the shape ops (ops/shape/).
//   Flatten(start_dim 1) <-> Flatten(axis 1): both give [d0, d1 * ... ].
//     Other start_dims export as Reshape to [0, ..., 0, -1] (start_dim
//     zeros), since ONNX's Flatten always gives a matrix.
//   Reshape(shape) <-> Reshape(x, shape): nabla's 0 (copy the dim) and -1
//     (inferred) mean what they mean in ONNX with allowzero 0. Import folds
//     the shape, which must be a constant, into the attribute.
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

NABLA_ONNX_EXPORT("Flatten", [](ExportContext& ctx) {
  const int64_t start = ctx.attrs().at("start_dim").i();
  if (start == 1) {
    SetAttr(ctx.AddNode("Flatten", {ctx.input(0)}), "axis", int64_t{1});
    return;
  }
  std::vector<int64_t> shape(start, 0);
  shape.push_back(-1);
  const std::string target = ctx.AddInt64Initializer("shape", {start + 1}, shape);
  ctx.AddNode("Reshape", {ctx.input(0), target});
});
NABLA_ONNX_IMPORT("Flatten", [](ImportContext& ctx) {
  const int64_t axis = ctx.AttrInt("axis", 1);
  const int rank = ctx.ValueShape(0).rank();
  if (axis != 1 && axis != 1 - rank) {
    ctx.Unsupported("axis " + std::to_string(axis) + " on input " + ctx.ValueShape(0).ToString() +
                    ": import supports axis 1 (keep the batch, merge the rest)");
    return;
  }
  ctx.Emit("Flatten", {ctx.Value(0)}, {{"start_dim", int64_t{1}}});
});

NABLA_ONNX_EXPORT("Reshape", [](ExportContext& ctx) {
  const std::vector<int64_t>& shape = ctx.attrs().at("shape").ints();
  const std::string target =
      ctx.AddInt64Initializer("shape", {static_cast<int64_t>(shape.size())}, shape);
  ctx.AddNode("Reshape", {ctx.input(0), target});
});
NABLA_ONNX_IMPORT("Reshape", [](ImportContext& ctx) {
  const int64_t allow_zero = ctx.AttrInt("allowzero", 0);
  const std::string x = ctx.Value(0);
  const Constant* shape = ctx.Const(1, "the shape");
  if (x.empty() || shape == nullptr) return;
  if (shape->is_float || shape->dims.size() != 1) {
    ctx.Unsupported("the shape must be a 1-D int64 tensor, found dims " +
                    DimsToString(shape->dims));
    return;
  }
  for (int64_t d : shape->ints) {
    if (d < -1 || d > kMaxDim) {
      ctx.Unsupported("the shape " + DimsToString(shape->ints) + " has a dim " +
                      std::to_string(d) + " (expected -1, 0 or 1 to 2^31-1)");
      return;
    }
    if (d == 0 && allow_zero != 0) {
      ctx.Unsupported("allowzero=1 with a 0 in the shape (an empty dim) is not supported");
      return;
    }
  }
  ctx.Emit("Reshape", {x}, {{"shape", shape->ints}});
});

}  // namespace
}  // namespace nabla::onnx_io
