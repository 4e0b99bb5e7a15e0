// ONNX mappings of the binary elementwise ops (ops/math/add.cc, sub.cc,
// mul.cc): Add, Sub, Mul <-> the same ONNX ops. nabla broadcasts b as a's
// shape, a scalar or a row of a matrix, all of which ONNX's multidirectional
// broadcasting reads the same; import checks other shapes through nabla's
// shape functions and lists them.
//
// nabla has no constant op, so import folds `Linear(x) + c` and
// `Linear(x) - c` into the Linear's bias (PyTorch writes a Linear on a 3-D
// input, and some exporters a Linear on 2-D, as MatMul then Add); any other
// constant operand is listed as unsupported.
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

void ExportBinary(ExportContext& ctx, const char* onnx_op) {
  ctx.AddNode(onnx_op, {ctx.input(0), ctx.input(1)});
}

// Folds `value (+/-) constant` into the bias of the Linear computing value.
void FoldIntoBias(ImportContext& ctx, int value_input, int const_input, float sign) {
  const std::string x = ctx.Value(value_input);
  const Constant* c = ctx.Const(const_input, "the constant operand");
  if (x.empty() || c == nullptr) return;
  std::string op;
  std::map<std::string, Constant>* params = ctx.FoldableParams(x, &op);
  if (params == nullptr || op != "Linear") {
    ctx.Unsupported("a constant operand " + DimsToString(c->dims) +
                    " is only supported as the bias of a Linear (Gemm or MatMul) read by "
                    "nothing else; nabla has no constant op");
    return;
  }
  std::vector<float>& bias = params->at("bias").floats;
  const int64_t out = bias.size();
  const bool row = c->dims == std::vector<int64_t>{out} || c->dims == std::vector<int64_t>{1, out};
  if (!c->is_float || (c->size() != 1 && !row)) {
    ctx.Unsupported("the constant operand has dims " + DimsToString(c->dims) +
                    "; as a Linear's bias it must be [" + std::to_string(out) + "], [1, " +
                    std::to_string(out) + "] or [1]");
    return;
  }
  for (int64_t j = 0; j < out; ++j) bias[j] += sign * c->floats[c->size() == 1 ? 0 : j];
  ctx.Alias(0, x);
}

NABLA_ONNX_EXPORT("Add", [](ExportContext& ctx) { ExportBinary(ctx, "Add"); });
NABLA_ONNX_IMPORT("Add", [](ImportContext& ctx) {
  if (ctx.IsConstant(1)) return FoldIntoBias(ctx, 0, 1, 1.0f);
  if (ctx.IsConstant(0)) return FoldIntoBias(ctx, 1, 0, 1.0f);
  ctx.Emit("Add", {ctx.Value(0), ctx.Value(1)});
});

NABLA_ONNX_EXPORT("Sub", [](ExportContext& ctx) { ExportBinary(ctx, "Sub"); });
NABLA_ONNX_IMPORT("Sub", [](ImportContext& ctx) {
  if (ctx.IsConstant(1)) return FoldIntoBias(ctx, 0, 1, -1.0f);
  ctx.Emit("Sub", {ctx.Value(0), ctx.Value(1)});
});

NABLA_ONNX_EXPORT("Mul", [](ExportContext& ctx) { ExportBinary(ctx, "Mul"); });
NABLA_ONNX_IMPORT("Mul", [](ImportContext& ctx) { ctx.Emit("Mul", {ctx.Value(0), ctx.Value(1)}); });

}  // namespace
}  // namespace nabla::onnx_io
