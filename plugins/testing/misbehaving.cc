// Ops that load (their own samples behave) but misbehave on other input,
// which the graph checker and the CLI must report as untrusted results:
//   BadShapes(x; count): its shape function returns `count` shapes for its
//     one output (count = 1 in its sample; 0 or 2 in a graph file);
//     throw_int = true makes it throw an int instead.
//   ThrowingKernel(x): y = x, but its forward kernel throws an int, which is
//     not a std::exception.
#include "plugins/testing/copy_op.h"

namespace {

struct ThrowingKernel {
  template <typename T>
  static void Forward(nabla::ForwardContext&) {
    throw 42;
  }
  template <typename T>
  static void Backward(nabla::BackwardContext&) {}
};

std::vector<nabla::Shape> BadShapes(const std::vector<nabla::Shape>& in,
                                    const nabla::AttrMap& attrs) {
  if (attrs.at("throw_int").b()) throw 7;
  return std::vector<nabla::Shape>(static_cast<size_t>(attrs.at("count").i()), in[0]);
}

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::OpSchema("BadShapes")
                     .Doc("returns `count` shapes")
                     .Input("x")
                     .Output("y")
                     .Attr("count", nabla::AttrType::kInt, nabla::AttrValue(int64_t{1}), "shapes")
                     .Attr("throw_int", nabla::AttrType::kBool, nabla::AttrValue(false), "throw")
                     .Shapes(BadShapes)
                     .Sample({{}, {{3}}})
                     .Kernels<nabla::plugin_testing::CopyKernel>());
  registrar->Add(nabla::OpSchema("ThrowingKernel")
                     .Doc("throws an int")
                     .Input("x")
                     .Output("y")
                     .Shapes(nabla::ElementwiseShape)
                     .Sample({{}, {{3}}})
                     .Kernels<ThrowingKernel>());
}

}  // namespace

NABLA_PLUGIN(RegisterOps)
