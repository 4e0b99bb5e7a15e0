// Registry behaviour: origins, duplicates, unknown names, attribute checks.
#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/registry.h"
#include "ops/api.h"

namespace nabla {
namespace {

struct CopyKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    ctx.output(0).array<T>() = ctx.input(0).array<T>();
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>();
  }
};

OpSchema CopySchema(const std::string& name) {
  return OpSchema(name)
      .Input("x")
      .Output("y")
      .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
        return std::vector<Shape>{in[0]};
      })
      .Sample({{}, {{2}}})
      .Kernels<CopyKernel>();
}

std::string MessageOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Registry, BuiltinsRecordTheirOrigin) {
  OpOrigin origin = OpRegistry::Global().OriginOf("LeakyReLU");
  EXPECT_EQ(origin.kind, OpOrigin::kBuiltin);
  EXPECT_NE(origin.ToString().find("ops/activation/leaky_relu.cc"), std::string::npos);
}

TEST(Registry, DuplicateNameNamesBothSources) {
  std::string message = MessageOf([] {
    OpRegistry::Global().Register(CopySchema("LeakyReLU"), {OpOrigin::kProgram, "mine.cc:3"});
  });
  EXPECT_NE(message.find("already registered by built-in (ops/activation/leaky_relu.cc"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("mine.cc:3"), std::string::npos) << message;
}

TEST(Registry, ProgramRegisteredOpIsUsable) {
  OpRegistry::Global().Register(CopySchema("TestCopy"), {OpOrigin::kProgram, "t.cc:1"});
  Variable x(Tensor::FromVector<float>(Shape{2}, {1.f, 2.f}));
  EXPECT_EQ(Apply("TestCopy", {x}).value().at(1), 2.0);
  EXPECT_EQ(OpRegistry::Global().OriginOf("TestCopy").kind, OpOrigin::kProgram);
}

TEST(Registry, InvalidSchemaIsRejected) {
  OpSchema bad("NoKernels");
  bad.Input("x").Output("y");
  std::string message = MessageOf(
      [&] { OpRegistry::Global().Register(bad, {OpOrigin::kProgram, "t.cc:9"}); });
  EXPECT_NE(message.find("has no forward kernel"), std::string::npos) << message;
  EXPECT_NE(message.find("no gradient-check samples"), std::string::npos) << message;
  EXPECT_EQ(OpRegistry::Global().Find("NoKernels"), nullptr);
}

TEST(Registry, RegisterAllIsAllOrNothing) {
  size_t before = OpRegistry::Global().Names().size();
  std::vector<OpSchema> schemas = {CopySchema("FreshOpA"), CopySchema("LeakyReLU")};
  std::string message = MessageOf(
      [&] { OpRegistry::Global().RegisterAll(schemas, {OpOrigin::kPlugin, "/tmp/lib.so"}); });
  EXPECT_NE(message.find("'LeakyReLU' is already registered"), std::string::npos) << message;
  EXPECT_EQ(OpRegistry::Global().Names().size(), before);
  EXPECT_EQ(OpRegistry::Global().Find("FreshOpA"), nullptr);
}

TEST(Registry, UnknownOpSuggestsCloseNames) {
  std::string message = MessageOf([] { OpRegistry::Global().Get("LeakyRelu"); });
  EXPECT_NE(message.find("op 'LeakyRelu' is not registered"), std::string::npos) << message;
  EXPECT_NE(message.find("did you forget --plugin?"), std::string::npos) << message;
  EXPECT_NE(message.find("Close names: LeakyReLU"), std::string::npos) << message;
}

TEST(Registry, AttributeErrorsNameOpNodeAttributeAndTypes) {
  std::string message = MessageOf([] {
    OpCall("LeakyReLU", {{"slope", std::string("steep")}}, "act1");
  });
  EXPECT_NE(message.find("node 'act1' (LeakyReLU): attribute 'slope': expected float, "
                         "found string \"steep\""),
            std::string::npos)
      << message;
  message = MessageOf([] { OpCall("Linear", {{"in_features", int64_t{3}}}, "fc1"); });
  EXPECT_NE(message.find("node 'fc1' (Linear): missing required attribute 'out_features'"),
            std::string::npos)
      << message;
  message = MessageOf([] { OpCall("LeakyReLU", {{"alpha", 0.1}}, "act"); });
  EXPECT_NE(message.find("unknown attribute 'alpha' for op LeakyReLU (it has: slope)"),
            std::string::npos)
      << message;
  message = MessageOf([] { OpCall("PReLU", {{"num_parameters", int64_t{0}}}, "p"); });
  EXPECT_NE(message.find("attribute 'num_parameters': expected a value > 0, found 0"),
            std::string::npos)
      << message;
}

TEST(Registry, ShapeMismatchNamesNodeAndShapes) {
  OpLayer fc("Linear", {{"in_features", int64_t{784}}, {"out_features", int64_t{10}}}, "fc1");
  Variable x(Tensor::Zeros(Shape{2, 100}));
  std::string message = MessageOf([&] { fc.Forward(x); });
  EXPECT_NE(message.find("node 'fc1' (Linear): input has 100 features, in_features is 784"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace nabla
