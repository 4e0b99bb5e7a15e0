// ONNX mappings of the conv-net ops (ops/conv/, ops/pool/, ops/norm/,
// ops/shape/concat.cc).
//   Conv2D <-> Conv(x, W[, B]): kernel_shape, strides, pads [ph, pw, ph, pw],
//     dilations, group. pad_mode "same" exports as its explicit pads. bias
//     false exports without B; import without B gives bias false. Import
//     needs a constant W [O, C/G, kh, kw], 2-d, symmetric pads, and
//     auto_pad NOTSET or VALID.
//   MaxPool2D <-> MaxPool, AvgPool2D <-> AveragePool(count_include_pad=1):
//     nabla's average counts padding zeros (as PyTorch's default). Import
//     takes count_include_pad=0 only without padding (then both agree),
//     ceil_mode 0, dilations 1, one output.
//   GlobalAvgPool ([N, C, H, W] -> [N, C]) <-> GlobalAveragePool ([N, C, 1, 1])
//     followed by Flatten(axis 1) on export; import emits GlobalAvgPool and
//     a Reshape back to [N, C, 1, 1], which a following Flatten undoes.
//   BatchNorm <-> BatchNormalization(x, scale, B, mean, var) in inference
//     mode: the running statistics (op state) become the mean and var
//     initializers. ONNX's momentum weighs the old running value, nabla's
//     (PyTorch's) the new batch: momentum_onnx = 1 - momentum_nabla.
//     Import needs constant scale, B, mean and var, training_mode 0 and one
//     output.
//   Concat(axis) <-> Concat(axis) of computed values.
//   Pad (import only): PyTorch writes avg_pool2d as Pad + AveragePool even
//     when it pads nothing; a Pad of all-zero pads is the identity. nabla
//     has no Pad op: nonzero pads are reported as unsupported.
#include <cstdio>
#include <cstdlib>

#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

using Ints = std::vector<int64_t>;

// nabla's [k] or [kh, kw] as ONNX's two values.
Ints Two(const AttrMap& a, const std::string& name) {
  const Ints& v = a.at(name).ints();
  return v.size() == 1 ? Ints{v[0], v[0]} : v;
}
Ints Pads(const Ints& pad) { return {pad[0], pad[1], pad[0], pad[1]}; }

// ONNX window attributes, read for import: 2-d, pads symmetric. Returns
// false (after reporting) when nabla cannot express them.
struct Window {
  Ints kernel, strides{1, 1}, pads{0, 0}, dilations{1, 1};
};

bool ReadWindow(ImportContext& ctx, const Ints& default_kernel, Window* w) {
  const std::string auto_pad = ctx.AttrString("auto_pad", "NOTSET");
  w->kernel = ctx.AttrInts("kernel_shape", default_kernel);
  const Ints strides = ctx.AttrInts("strides", {1, 1});
  const Ints pads = ctx.AttrInts("pads", {0, 0, 0, 0});
  const Ints dilations = ctx.AttrInts("dilations", {1, 1});
  bool ok = true;
  if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    ctx.Unsupported("auto_pad " + auto_pad + ": import supports NOTSET (explicit pads) and VALID");
    ok = false;
  }
  if (w->kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 || pads.size() != 4) {
    ctx.Unsupported("a " + std::to_string(w->kernel.size()) +
                    "-d window (kernel_shape " + DimsToString(w->kernel) + ", strides " +
                    DimsToString(strides) + ", pads " + DimsToString(pads) +
                    "): nabla's windows are 2-d over NCHW");
    return false;
  }
  for (int64_t v : w->kernel) ok &= v >= 1 && v <= kMaxDim;
  for (int64_t v : strides) ok &= v >= 1 && v <= kMaxDim;
  for (int64_t v : dilations) ok &= v >= 1 && v <= kMaxDim;
  for (int64_t v : pads) ok &= v >= 0 && v <= kMaxDim;
  if (!ok) {
    ctx.Unsupported("window attributes out of range: kernel_shape " + DimsToString(w->kernel) +
                    ", strides " + DimsToString(strides) + ", dilations " +
                    DimsToString(dilations) + ", pads " + DimsToString(pads) +
                    " (kernels, strides and dilations >= 1, pads >= 0)");
    return false;
  }
  if (pads[0] != pads[2] || pads[1] != pads[3]) {
    ctx.Unsupported("asymmetric pads " + DimsToString(pads) +
                    ": nabla pads both sides of each dim equally");
    return false;
  }
  w->strides = strides;
  w->dilations = dilations;
  w->pads = auto_pad == "VALID" ? Ints{0, 0} : Ints{pads[0], pads[1]};
  return true;
}

// The shortest decimal that reads back as `f`: ONNX attributes are float,
// so an exported eps of 1e-5 comes back as 9.99999975e-06 unless rounded.
double Shortest(float f) {
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, static_cast<double>(f));
    if (std::strtof(text, nullptr) == f) return std::strtod(text, nullptr);
  }
  return f;
}

// `x` to 15 significant digits: 1 - 0.9 is 0.1, not 0.09999999999999998.
double Decimal15(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.15g", x);
  return std::strtod(text, nullptr);
}

bool IsFloatOfRank(const Constant* c, size_t rank) {
  return c != nullptr && c->is_float && c->dims.size() == rank;
}

// ---- Conv -----------------------------------------------------------------

NABLA_ONNX_EXPORT("Conv2D", [](ExportContext& ctx) {
  const AttrMap& a = ctx.attrs();
  const Ints k = Two(a, "kernel_size"), d = Two(a, "dilation");
  const Ints pad = a.at("pad_mode").s() == "same"
                       ? Ints{d[0] * (k[0] - 1) / 2, d[1] * (k[1] - 1) / 2}
                       : Two(a, "padding");
  const Tensor& weight = ctx.param("weight");
  std::vector<std::string> inputs = {
      ctx.input(0), ctx.AddFloatInitializer("weight", weight.shape().dims(), weight)};
  if (a.at("bias").b()) {
    const Tensor& bias = ctx.param("bias");
    inputs.push_back(ctx.AddFloatInitializer("bias", bias.shape().dims(), bias));
  }
  ::onnx::NodeProto* node = ctx.AddNode("Conv", inputs);
  SetAttr(node, "kernel_shape", k);
  SetAttr(node, "strides", Two(a, "stride"));
  SetAttr(node, "pads", Pads(pad));
  SetAttr(node, "dilations", d);
  SetAttr(node, "group", a.at("groups").i());
});

NABLA_ONNX_IMPORT("Conv", [](ImportContext& ctx) {
  const std::string x = ctx.Value(0);
  const Constant* w = ctx.Const(1, "W (the weight)");
  const int64_t group = ctx.AttrInt("group", 1);
  if (w != nullptr && !IsFloatOfRank(w, 4)) {
    ctx.Unsupported("W must be a float [O, C/group, kh, kw] tensor, found dims " +
                    DimsToString(w->dims));
    return;
  }
  Window win;
  if (!ReadWindow(ctx, w != nullptr ? Ints{w->dims[2], w->dims[3]} : Ints{1, 1}, &win)) return;
  if (x.empty() || w == nullptr) return;
  const Shape xs = ctx.ValueShape(0);
  if (xs.rank() != 4) {
    ctx.Unsupported("input " + xs.ToString() + ": nabla's Conv2D takes [N, C, H, W]");
    return;
  }
  if (win.kernel != Ints{w->dims[2], w->dims[3]}) {
    ctx.Unsupported("kernel_shape " + DimsToString(win.kernel) + " differs from W's dims " +
                    DimsToString(w->dims));
    return;
  }
  const int64_t out = w->dims[0];
  AttrMap attrs = {{"in_channels", xs[1]},  {"out_channels", out},
                   {"kernel_size", win.kernel}, {"stride", win.strides},
                   {"padding", win.pads},   {"dilation", win.dilations},
                   {"groups", group}};
  Constant bias;
  bias.dims = {0};
  if (ctx.has_input(2)) {
    const Constant* b = ctx.Const(2, "B (the bias)");
    if (b == nullptr) return;
    if (!b->is_float || b->dims != Ints{out}) {
      ctx.Unsupported("B has dims " + DimsToString(b->dims) + "; Conv's bias is [" +
                      std::to_string(out) + "]");
      return;
    }
    bias = *b;
    attrs["bias"] = true;
  } else {
    attrs["bias"] = false;
  }
  ctx.Emit("Conv2D", {x}, attrs, {{"weight", *w}, {"bias", bias}});
});

// ---- Pooling --------------------------------------------------------------

void ExportPool(ExportContext& ctx, const char* onnx_op) {
  const AttrMap& a = ctx.attrs();
  const Ints k = Two(a, "kernel_size");
  const Ints stride = a.at("stride").ints().empty() ? k : Two(a, "stride");
  ::onnx::NodeProto* node = ctx.AddNode(onnx_op, {ctx.input(0)});
  SetAttr(node, "kernel_shape", k);
  SetAttr(node, "strides", stride);
  SetAttr(node, "pads", Pads(Two(a, "padding")));
  if (std::string(onnx_op) == "AveragePool") SetAttr(node, "count_include_pad", int64_t{1});
}

void ImportPool(ImportContext& ctx, const char* nabla_op) {
  const bool average = std::string(nabla_op) == "AvgPool2D";
  const int64_t ceil_mode = ctx.AttrInt("ceil_mode", 0);
  const int64_t include_pad = average ? ctx.AttrInt("count_include_pad", 0) : 1;
  const int64_t storage_order = average ? 0 : ctx.AttrInt("storage_order", 0);
  Window win;
  if (!ReadWindow(ctx, {}, &win)) return;
  const std::string x = ctx.Value(0);
  if (ceil_mode != 0) {
    ctx.Unsupported("ceil_mode 1: nabla's pooling rounds output sizes down");
    return;
  }
  if (win.dilations != Ints{1, 1}) {
    ctx.Unsupported("dilations " + DimsToString(win.dilations) + ": nabla's pooling has none");
    return;
  }
  if (storage_order != 0) ctx.Unsupported("storage_order 1 (only the Indices output uses it)");
  if (ctx.node().output_size() > 1) {
    ctx.Unsupported("the Indices output: nabla's MaxPool2D has one output");
    return;
  }
  if (average && include_pad == 0 && win.pads != Ints{0, 0}) {
    ctx.Unsupported("count_include_pad 0 with pads " + DimsToString(win.pads) +
                    ": nabla's AvgPool2D counts the padding zeros");
    return;
  }
  if (x.empty()) return;
  ctx.Emit(nabla_op, {x},
           {{"kernel_size", win.kernel}, {"stride", win.strides}, {"padding", win.pads}});
}

NABLA_ONNX_EXPORT("MaxPool2D", [](ExportContext& ctx) { ExportPool(ctx, "MaxPool"); });
NABLA_ONNX_IMPORT("MaxPool", [](ImportContext& ctx) { ImportPool(ctx, "MaxPool2D"); });
NABLA_ONNX_EXPORT("AvgPool2D", [](ExportContext& ctx) { ExportPool(ctx, "AveragePool"); });
NABLA_ONNX_IMPORT("AveragePool", [](ImportContext& ctx) { ImportPool(ctx, "AvgPool2D"); });

NABLA_ONNX_EXPORT("GlobalAvgPool", [](ExportContext& ctx) {
  const std::string pooled = ctx.node_name() + ".pooled";
  ctx.AddNode("GlobalAveragePool", {ctx.input(0)}, pooled);
  SetAttr(ctx.AddNode("Flatten", {pooled}), "axis", int64_t{1});
});
NABLA_ONNX_IMPORT("GlobalAveragePool", [](ImportContext& ctx) {
  const std::string x = ctx.Value(0);
  if (x.empty()) return;
  if (ctx.ValueShape(0).rank() != 4) {
    ctx.Unsupported("input " + ctx.ValueShape(0).ToString() + ": nabla's GlobalAvgPool takes [N, C, H, W]");
    return;
  }
  ctx.Emit("Reshape", {ctx.Emit("GlobalAvgPool", {x})}, {{"shape", Ints{0, -1, 1, 1}}});
});

// ---- BatchNorm ------------------------------------------------------------

NABLA_ONNX_EXPORT("BatchNorm", [](ExportContext& ctx) {
  const int64_t c = ctx.attrs().at("num_features").i();
  const std::vector<int64_t> dims = {c};
  ::onnx::NodeProto* node = ctx.AddNode(
      "BatchNormalization",
      {ctx.input(0), ctx.AddFloatInitializer("weight", dims, ctx.param("weight")),
       ctx.AddFloatInitializer("bias", dims, ctx.param("bias")),
       ctx.AddFloatInitializer("running_mean", dims, ctx.state("running_mean")),
       ctx.AddFloatInitializer("running_var", dims, ctx.state("running_var"))});
  SetAttr(node, "epsilon", static_cast<float>(ctx.attrs().at("eps").f()));
  SetAttr(node, "momentum", static_cast<float>(1 - ctx.attrs().at("momentum").f()));
});

NABLA_ONNX_IMPORT("BatchNormalization", [](ImportContext& ctx) {
  const float epsilon = ctx.AttrFloat("epsilon", 1e-5f);
  const float momentum = ctx.AttrFloat("momentum", 0.9f);
  const int64_t training = ctx.AttrInt("training_mode", 0);
  const std::string x = ctx.Value(0);
  const char* names[] = {"scale", "B", "input_mean", "input_var"};
  const Constant* c[4] = {};
  for (int i = 0; i < 4; ++i) c[i] = ctx.Const(i + 1, names[i]);
  if (training != 0 || ctx.node().output_size() > 1) {
    ctx.Unsupported("training_mode 1 (running mean and variance outputs): import reads "
                    "inference-mode BatchNormalization");
    return;
  }
  if (!(epsilon > 0) || !(momentum >= 0 && momentum <= 1)) {
    ctx.Unsupported("epsilon " + std::to_string(epsilon) + ", momentum " +
                    std::to_string(momentum) + " (expected epsilon > 0, momentum in [0, 1])");
    return;
  }
  if (x.empty()) return;
  const Shape xs = ctx.ValueShape(0);
  if (xs.rank() != 2 && xs.rank() != 4) {
    ctx.Unsupported("input " + xs.ToString() + ": nabla's BatchNorm takes [N, C] or [N, C, H, W]");
    return;
  }
  for (int i = 0; i < 4; ++i) {
    if (c[i] == nullptr) return;
    if (!c[i]->is_float || c[i]->dims != Ints{xs[1]}) {
      ctx.Unsupported(std::string(names[i]) + " has dims " + DimsToString(c[i]->dims) +
                      "; expected [" + std::to_string(xs[1]) + "] floats (one per channel)");
      return;
    }
  }
  ctx.Emit("BatchNorm", {x},
           {{"num_features", xs[1]}, {"eps", Shortest(epsilon)},
            {"momentum", Decimal15(1 - Shortest(momentum))}},
           {{"weight", *c[0]}, {"bias", *c[1]}, {"running_mean", *c[2]}, {"running_var", *c[3]}});
});

// ---- Concat ---------------------------------------------------------------

NABLA_ONNX_EXPORT("Concat", [](ExportContext& ctx) {
  std::vector<std::string> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) inputs.push_back(ctx.input(i));
  SetAttr(ctx.AddNode("Concat", inputs), "axis", ctx.attrs().at("axis").i());
});
NABLA_ONNX_IMPORT("Concat", [](ImportContext& ctx) {
  const int64_t axis = ctx.AttrInt("axis", 0);
  std::vector<std::string> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) inputs.push_back(ctx.Value(i));
  if (axis == 0 || axis == -ctx.ValueShape(0).rank()) {
    ctx.Unsupported("axis 0 joins batches; nabla's batch dim is free");
    return;
  }
  ctx.Emit("Concat", inputs, {{"axis", axis}});
});

// ---- Pad ------------------------------------------------------------------

NABLA_ONNX_IMPORT("Pad", [](ImportContext& ctx) {
  const std::string mode = ctx.AttrString("mode", "constant");
  const std::string x = ctx.Value(0);
  const Constant* pads = ctx.Const(1, "the pads");
  if (pads == nullptr || x.empty()) return;
  bool zero = !pads->is_float;
  for (int64_t v : pads->ints) zero &= v == 0;
  if (!zero) {
    ctx.Unsupported("pads " + DimsToString(pads->is_float ? Ints{} : pads->ints) +
                    " (mode " + mode + "): nabla has no Pad op; only all-zero pads (the "
                    "identity) import; padding belongs in the Conv or pooling node's pads");
    return;
  }
  if (ctx.has_input(2)) ctx.Const(2, "the constant value");  // any value: nothing is padded
  if (ctx.num_inputs() > 3 && ctx.has_input(3)) ctx.Const(3, "the axes");
  ctx.Alias(0, x);
});

}  // namespace
}  // namespace nabla::onnx_io
