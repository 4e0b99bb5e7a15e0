// ONNX mappings of the activations (ops/activation/): one export entry per
// nabla op and one import entry per ONNX op, each pair side by side.
//   ReLU <-> Relu, Sigmoid <-> Sigmoid, Tanh <-> Tanh
//   LeakyReLU(slope) <-> LeakyRelu(alpha)
//   PReLU <-> PRelu(x, slope): ONNX broadcasts the slope one way against x,
//     so one shared slope is [1], one per feature of a 2-D input [F], one
//     per channel of an [N, C, ...] input [C, 1, ...].
//   Softmax, LogSoftmax (over dim 1 of [N, C]) <-> the same with axis 1
//     (axis -1 is the same dim on 2-D inputs; opsets below 13 default to 1,
//     later ones to -1).
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

void ExportUnary(ExportContext& ctx, const char* onnx_op) { ctx.AddNode(onnx_op, {ctx.input(0)}); }

NABLA_ONNX_EXPORT("ReLU", [](ExportContext& ctx) { ExportUnary(ctx, "Relu"); });
NABLA_ONNX_IMPORT("Relu", [](ImportContext& ctx) { ctx.Emit("ReLU", {ctx.Value(0)}); });

NABLA_ONNX_EXPORT("Sigmoid", [](ExportContext& ctx) { ExportUnary(ctx, "Sigmoid"); });
NABLA_ONNX_IMPORT("Sigmoid", [](ImportContext& ctx) { ctx.Emit("Sigmoid", {ctx.Value(0)}); });

NABLA_ONNX_EXPORT("Tanh", [](ExportContext& ctx) { ExportUnary(ctx, "Tanh"); });
NABLA_ONNX_IMPORT("Tanh", [](ImportContext& ctx) { ctx.Emit("Tanh", {ctx.Value(0)}); });

NABLA_ONNX_EXPORT("LeakyReLU", [](ExportContext& ctx) {
  SetAttr(ctx.AddNode("LeakyRelu", {ctx.input(0)}), "alpha",
          static_cast<float>(ctx.attrs().at("slope").f()));
});
NABLA_ONNX_IMPORT("LeakyRelu", [](ImportContext& ctx) {
  const double alpha = ctx.AttrFloat("alpha", 0.01f);
  ctx.Emit("LeakyReLU", {ctx.Value(0)}, {{"slope", alpha}});
});

NABLA_ONNX_EXPORT("PReLU", [](ExportContext& ctx) {
  const Tensor& slope = ctx.param("slope");
  const int rank = ctx.input_shape(0).rank();
  std::vector<int64_t> dims{slope.size()};
  if (slope.size() > 1) {
    for (int i = 2; i < rank; ++i) dims.push_back(1);
  }
  ctx.AddNode("PRelu", {ctx.input(0), ctx.AddFloatInitializer("slope", dims, slope)});
});
NABLA_ONNX_IMPORT("PRelu", [](ImportContext& ctx) {
  const std::string x = ctx.Value(0);
  const Shape shape = ctx.ValueShape(0);
  const Constant* slope = ctx.Const(1, "the slope");
  if (x.empty() || slope == nullptr) return;
  if (!slope->is_float || slope->size() == 0) {
    ctx.Unsupported("the slope must hold floats");
    return;
  }
  const int64_t count = slope->size();
  if (count > 1) {
    // [C] against [N, C], or [C, 1, ...] against [N, C, ...].
    bool per_channel = shape.rank() >= 2 && shape[1] == count &&
                       static_cast<int>(slope->dims.size()) == shape.rank() - 1;
    for (size_t i = 1; per_channel && i < slope->dims.size(); ++i) {
      per_channel = slope->dims[i] == 1;
    }
    if (!per_channel) {
      ctx.Unsupported("slope dims " + DimsToString(slope->dims) + " against input " +
                      shape.ToString() +
                      ": nabla's PReLU has one slope, or one per channel (dim 1)");
      return;
    }
  }
  Constant param = *slope;
  param.dims = {count};
  ctx.Emit("PReLU", {x},
           {{"num_parameters", count}, {"init", static_cast<double>(slope->floats[0])}},
           {{"slope", param}});
});

// Softmax and LogSoftmax: the axis must be dim 1 of a 2-D input.
void ImportRowwise(ImportContext& ctx, const char* nabla_op) {
  const int64_t axis = ctx.AttrInt("axis", ctx.opset() >= 13 ? -1 : 1);
  const Shape shape = ctx.ValueShape(0);
  if (shape.rank() != 2 || (axis != 1 && axis != -1)) {
    ctx.Unsupported("axis " + std::to_string(axis) + " on input " + shape.ToString() +
                    ": nabla's " + nabla_op + " works over dim 1 of [batch, classes]");
    return;
  }
  ctx.Emit(nabla_op, {ctx.Value(0)});
}

NABLA_ONNX_EXPORT("Softmax", [](ExportContext& ctx) {
  SetAttr(ctx.AddNode("Softmax", {ctx.input(0)}), "axis", int64_t{1});
});
NABLA_ONNX_IMPORT("Softmax", [](ImportContext& ctx) { ImportRowwise(ctx, "Softmax"); });

NABLA_ONNX_EXPORT("LogSoftmax", [](ExportContext& ctx) {
  SetAttr(ctx.AddNode("LogSoftmax", {ctx.input(0)}), "axis", int64_t{1});
});
NABLA_ONNX_IMPORT("LogSoftmax", [](ImportContext& ctx) { ImportRowwise(ctx, "LogSoftmax"); });

}  // namespace
}  // namespace nabla::onnx_io
