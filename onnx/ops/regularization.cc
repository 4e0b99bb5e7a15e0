// ONNX mappings of Dropout (ops/regularization/dropout.cc) and Identity.
// An exported model is for inference, where nabla's Dropout is the
// identity: it exports as Identity. Import drops Identity and Dropout (in
// inference mode: no training_mode input, or a constant false one); the
// mask output is not supported. A nabla graph imported this way has no
// Dropout node, so fine-tuning trains without dropout.
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"

namespace nabla::onnx_io {
namespace {

NABLA_ONNX_EXPORT("Dropout", [](ExportContext& ctx) { ctx.AddNode("Identity", {ctx.input(0)}); });

NABLA_ONNX_IMPORT("Identity", [](ImportContext& ctx) { ctx.Alias(0, ctx.Value(0)); });

NABLA_ONNX_IMPORT("Dropout", [](ImportContext& ctx) {
  ctx.AttrFloat("ratio", 0.5f);  // opset < 12; unused in inference
  ctx.AttrInt("seed", 0);
  if (ctx.has_input(2)) {
    const Constant* training = ctx.Const(2, "training_mode");
    if (training == nullptr) return;
    bool training_on = false;
    for (int64_t v : training->ints) training_on = training_on || v != 0;
    for (float v : training->floats) training_on = training_on || v != 0;
    if (training_on) {
      ctx.Unsupported("training_mode is true; import reads inference-mode models");
      return;
    }
  }
  ctx.Alias(0, ctx.Value(0));
});

}  // namespace
}  // namespace nabla::onnx_io
