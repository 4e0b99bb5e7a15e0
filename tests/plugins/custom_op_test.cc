// examples/custom_op: an op registered by user code with NABLA_REGISTER_OP
// is in the registry as the program's, passes the registry-driven gradient
// check, and works through Apply and as a layer.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/apply.h"
#include "graph/module.h"
#include "graph/registry.h"
#include "graph/gradcheck.h"

namespace nabla {
namespace {

TEST(CustomOp, CubeIsRegisteredByTheProgram) {
  OpOrigin origin = OpRegistry::Global().OriginOf("Cube");
  EXPECT_EQ(origin.kind, OpOrigin::kProgram);
  EXPECT_NE(origin.ToString().find("registered by the program (examples/custom_op/cube.cc:"),
            std::string::npos)
      << origin.ToString();
}

TEST(CustomOp, CubeForwardAndBackward) {
  Variable x(Tensor::FromVector<double>(Shape{3}, {-1.0, 2.0, 0.5}), true);
  Variable y = Apply("Cube", {x}, {{"scale", 2.0}});
  EXPECT_DOUBLE_EQ(y.value().at(0), -2.0);
  EXPECT_DOUBLE_EQ(y.value().at(1), 16.0);
  EXPECT_DOUBLE_EQ(y.value().at(2), 0.25);
  y.Backward(Tensor::Filled(Shape{3}, 1.0, DType::kFloat64));
  EXPECT_DOUBLE_EQ(x.grad().at(0), 6.0);   // 3 * 2 * 1
  EXPECT_DOUBLE_EQ(x.grad().at(1), 24.0);  // 3 * 2 * 4
}

TEST(CustomOp, CubeGradientCheck) {
  for (const std::string& problem : CheckGradients(OpRegistry::Global().Get("Cube"))) {
    ADD_FAILURE() << problem;
  }
}

TEST(CustomOp, CubeRejectsANonFiniteScale) {
  try {
    OpLayer layer("Cube", {{"scale", std::nan("")}}, "cube1");
    ADD_FAILURE() << "scale=nan accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'cube1' (Cube): attribute 'scale': expected a "
                                         "finite number"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nabla
