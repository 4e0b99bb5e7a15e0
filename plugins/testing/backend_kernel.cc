// A plugin that brings, besides its op's reference kernels, a kernel for
// another backend (NablaPluginRegistrar::AddKernel): "PluginDoubler",
// y = 2 x, with a "dnnl" float32 kernel written in plain C++. With
// -DBAD_BACKEND its kernel claims the reserved backend "eigen", which must
// make the whole plugin fail to load, its op included.
#include <memory>

#include "plugins/plugin_api.h"

namespace {

struct DoublerKernel {
  template <typename T>
  static void Forward(nabla::ForwardContext& ctx) {
    ctx.output(0).array<T>() = 2 * ctx.input(0).array<T>();
  }
  template <typename T>
  static void Backward(nabla::BackwardContext& ctx) {
    if (ctx.needs_grad(0)) ctx.grad_input(0).array<T>() = 2 * ctx.grad_output(0).array<T>();
  }
};

class LoopDoubler : public nabla::OpKernel {
 public:
  void Forward(nabla::ForwardContext& ctx) override {
    const float* x = ctx.input(0).data<float>();
    float* y = ctx.output(0).data<float>();
    for (int64_t i = 0; i < ctx.input(0).size(); ++i) y[i] = x[i] + x[i];
  }
  void Backward(nabla::BackwardContext& ctx) override {
    if (!ctx.needs_grad(0)) return;
    const float* g = ctx.grad_output(0).data<float>();
    float* gx = ctx.grad_input(0).data<float>();
    for (int64_t i = 0; i < ctx.grad_output(0).size(); ++i) gx[i] = g[i] + g[i];
  }
};

#ifdef BAD_BACKEND
constexpr const char* kBackend = "eigen";
constexpr const char* kOp = "PluginDoublerBad";
#else
constexpr const char* kBackend = "dnnl";
constexpr const char* kOp = "PluginDoubler";
#endif

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::OpSchema(kOp)
                     .Doc("y = 2 x")
                     .Input("x")
                     .Output("y")
                     .Shapes(nabla::ElementwiseShape)
                     .Sample({{}, {{2, 3}}})
                     .Kernels<DoublerKernel>());
  registrar->AddKernel(kOp, kBackend, nabla::ComputeType::kFloat32,
                       [](const nabla::AttrMap&) { return std::make_unique<LoopDoubler>(); });
}

}  // namespace

NABLA_PLUGIN(RegisterOps)
