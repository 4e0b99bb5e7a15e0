// ONNX mappings of Linear and MatMul (ops/linear/, ops/math/mat_mul.cc).
//   Linear (y = x W^T + b) <-> Gemm(x, W, b, transB=1). Import also takes
//     transB=0 (W transposed), alpha and beta (folded into W and b), a
//     missing C (zero bias) and a C of [1], [out] or [1, out].
//   MatMul(a, b) of two computed values <-> MatMul. Import turns a MatMul
//     by a constant [in, out] matrix into a Linear with a zero bias (which
//     a following Add of a constant fills, see math.cc); fine-tuning then
//     trains that bias too.
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

NABLA_ONNX_EXPORT("Linear", [](ExportContext& ctx) {
  const Tensor& weight = ctx.param("weight");
  const Tensor& bias = ctx.param("bias");
  const std::string w = ctx.AddFloatInitializer("weight", weight.shape().dims(), weight);
  const std::string b = ctx.AddFloatInitializer("bias", bias.shape().dims(), bias);
  SetAttr(ctx.AddNode("Gemm", {ctx.input(0), w, b}), "transB", int64_t{1});
});

// W as [out, in] from a [rows, cols] matrix stored transposed or not.
Constant WeightOf(const Constant& b, bool transposed, float scale) {
  Constant w;
  const int64_t rows = b.dims[0], cols = b.dims[1];
  w.dims = transposed ? std::vector<int64_t>{rows, cols} : std::vector<int64_t>{cols, rows};
  w.floats.resize(b.floats.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const float v = scale * b.floats[r * cols + c];
      if (transposed) {
        w.floats[r * cols + c] = v;
      } else {
        w.floats[c * rows + r] = v;
      }
    }
  }
  return w;
}

Constant Zeros(int64_t n) {
  Constant c;
  c.dims = {n};
  c.floats.assign(n, 0.0f);
  return c;
}

bool IsFloatMatrix(const Constant* c) { return c != nullptr && c->is_float && c->dims.size() == 2; }

NABLA_ONNX_IMPORT("Gemm", [](ImportContext& ctx) {
  const float alpha = ctx.AttrFloat("alpha", 1.0f);
  const float beta = ctx.AttrFloat("beta", 1.0f);
  const int64_t trans_a = ctx.AttrInt("transA", 0);
  const int64_t trans_b = ctx.AttrInt("transB", 0);
  const std::string x = ctx.Value(0);
  const Constant* b = ctx.Const(1, "B (the weight)");
  if (trans_a != 0) ctx.Unsupported("transA=1: nabla's Linear takes x untransposed");
  if (b != nullptr && !IsFloatMatrix(b)) {
    ctx.Unsupported("B must be a float matrix, found dims " + DimsToString(b->dims));
    return;
  }
  if (x.empty() || b == nullptr || trans_a != 0) return;
  Constant weight = WeightOf(*b, trans_b != 0, alpha);
  const int64_t out = weight.dims[0], in = weight.dims[1];
  Constant bias = Zeros(out);
  if (ctx.has_input(2)) {
    const Constant* c = ctx.Const(2, "C (the bias)");
    if (c == nullptr) return;
    const bool row =
        c->dims == std::vector<int64_t>{out} || c->dims == std::vector<int64_t>{1, out};
    if (!c->is_float || (c->size() != 1 && !row)) {
      ctx.Unsupported("C has dims " + DimsToString(c->dims) + "; a Linear's bias is [" +
                      std::to_string(out) + "], [1, " + std::to_string(out) + "] or [1]");
      return;
    }
    for (int64_t j = 0; j < out; ++j) bias.floats[j] = beta * c->floats[c->size() == 1 ? 0 : j];
  }
  ctx.Emit("Linear", {x}, {{"in_features", in}, {"out_features", out}},
           {{"weight", weight}, {"bias", bias}});
});

NABLA_ONNX_EXPORT("MatMul", [](ExportContext& ctx) {
  ctx.AddNode("MatMul", {ctx.input(0), ctx.input(1)});
});
NABLA_ONNX_IMPORT("MatMul", [](ImportContext& ctx) {
  if (!ctx.IsConstant(1)) {
    ctx.Emit("MatMul", {ctx.Value(0), ctx.Value(1)});
    return;
  }
  const std::string x = ctx.Value(0);
  const Constant* b = ctx.Const(1, "B");
  if (x.empty() || b == nullptr) return;
  if (!IsFloatMatrix(b)) {
    ctx.Unsupported("a constant B must be a float matrix, found dims " + DimsToString(b->dims));
    return;
  }
  Constant weight = WeightOf(*b, /*transposed=*/false, 1.0f);
  ctx.Emit("Linear", {x}, {{"in_features", weight.dims[1]}, {"out_features", weight.dims[0]}},
           {{"weight", weight}, {"bias", Zeros(weight.dims[0])}});
});

}  // namespace
}  // namespace nabla::onnx_io
