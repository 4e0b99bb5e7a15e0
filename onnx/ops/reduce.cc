// ONNX mappings of the reductions to a scalar (ops/reduce/):
//   Mean <-> ReduceMean, Sum <-> ReduceSum, over every axis with
//   keepdims=0. Import takes no axes (attribute before opset 13 for
//   ReduceSum, before 18 for ReduceMean; ReduceSum's input from 13), or
//   axes naming every dim of the input, and noop_with_empty_axes=0.
#include <algorithm>

#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

void ExportReduce(ExportContext& ctx, const char* onnx_op) {
  SetAttr(ctx.AddNode(onnx_op, {ctx.input(0)}), "keepdims", int64_t{0});
}

void ImportReduce(ImportContext& ctx, const char* nabla_op, bool axes_as_input) {
  const int64_t keep_dims = ctx.AttrInt("keepdims", 1);
  const int64_t noop = ctx.AttrInt("noop_with_empty_axes", 0);
  std::vector<int64_t> axes = ctx.AttrInts("axes", {});
  if (axes_as_input && ctx.has_input(1)) {
    const Constant* given = ctx.Const(1, "axes");
    if (given == nullptr) return;
    axes = given->ints;
  }
  const std::string x = ctx.Value(0);
  const int rank = ctx.ValueShape(0).rank();
  for (int64_t& a : axes) a = a < 0 ? a + rank : a;
  std::sort(axes.begin(), axes.end());
  bool all = axes.empty();
  if (!all && static_cast<int>(axes.size()) == rank) {
    all = true;
    for (int i = 0; i < rank; ++i) all = all && axes[i] == i;
  }
  if (keep_dims != 0 || noop != 0 || !all) {
    ctx.Unsupported("nabla's " + std::string(nabla_op) +
                    " reduces every axis to a scalar: import needs keepdims=0, "
                    "noop_with_empty_axes=0 and no axes or all of them");
    return;
  }
  ctx.Emit(nabla_op, {x});
}

NABLA_ONNX_EXPORT("Mean", [](ExportContext& ctx) { ExportReduce(ctx, "ReduceMean"); });
NABLA_ONNX_IMPORT("ReduceMean", [](ImportContext& ctx) { ImportReduce(ctx, "Mean", false); });

NABLA_ONNX_EXPORT("Sum", [](ExportContext& ctx) { ExportReduce(ctx, "ReduceSum"); });
NABLA_ONNX_IMPORT("ReduceSum", [](ImportContext& ctx) {
  ImportReduce(ctx, "Sum", /*axes_as_input=*/ctx.opset() >= 13);
});

}  // namespace
}  // namespace nabla::onnx_io
