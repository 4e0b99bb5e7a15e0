// ONNX Constant nodes become constants that later entries fold (Reshape's
// shape, Gemm's weight, a bias added to a Linear). nabla has no constant op
// of its own, so there is no export entry.
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"

namespace nabla::onnx_io {
namespace {

NABLA_ONNX_IMPORT("Constant", [](ImportContext& ctx) {
  for (const char* name : {"value", "value_float", "value_floats", "value_int", "value_ints"}) {
    if (!ctx.HasAttr(name)) continue;
    std::optional<Constant> value = ctx.AttrConstant(name);
    if (value) ctx.SetConstant(0, std::move(*value));
    return;
  }
  // Every other form (sparse_value, value_string...) is listed as an
  // unsupported attribute by the caller.
});

}  // namespace
}  // namespace nabla::onnx_io
