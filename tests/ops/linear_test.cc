// Linear: y = x W^T + b.
#include <gtest/gtest.h>

#include "graph/module.h"
#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Values;
using testing::Var;

TEST(Linear, ForwardAndBackward) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6}, true);
  Variable weight = Var({2, 3}, {1, 0, -1, 0.5, 0.5, 0.5}, true);
  Variable bias = Var({2}, {0.1, -0.1}, true);
  Variable y = LinearFn(x, weight, bias);
  EXPECT_TRUE(TensorNear(y.value(), {2, 2}, {-1.9, 2.9, -1.9, 7.4}, 1e-14));
  y.Backward(Values({2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 3}, {1.5, 0.5, -0.5, 1.5, 0.5, -0.5}));  // g W
  EXPECT_TRUE(TensorNear(weight.grad(), {2, 3}, {5, 7, 9, 5, 7, 9}));         // g^T x
  EXPECT_TRUE(TensorNear(bias.grad(), {2}, {2, 2}));
}

TEST(Linear, LayerParametersAndLayout) {
  auto layer = nn::Linear(784, 10);
  EXPECT_EQ(layer->parameter("weight").shape(), Shape({10, 784}));
  EXPECT_EQ(layer->parameter("bias").shape(), Shape({10}));
  EXPECT_EQ(layer->NumParameters(), 7850);
  EXPECT_EQ(layer->ToString(), "Linear (784, 10)\n");
  Variable y = layer->Forward(Variable(Tensor::Zeros({2, 784})));
  EXPECT_EQ(y.shape(), Shape({2, 10}));
}

TEST(Linear, RejectsMissingAndBadAttributes) {
  EXPECT_TRUE(Mentions(
      ErrorOf([] { OpLayer("Linear", AttrMap{{"out_features", int64_t{10}}}); }),
      {"missing required attribute 'in_features'"}));
  EXPECT_TRUE(Mentions(ErrorOf([] {
                         OpLayer("Linear", AttrMap{{"in_features", int64_t{4}},
                                                   {"out_features", int64_t{2}},
                                                   {"weight_init", "orthogonal"}});
                       }),
                       {"attribute 'weight_init': expected one of", "found \"orthogonal\""}));
  EXPECT_TRUE(Mentions(ErrorOf([] { nn::Linear(0, 3); }),
                       {"attribute 'in_features': expected a value > 0, found 0"}));
}

TEST(Linear, RejectsInputOfTheWrongWidthNamingBoth) {
  auto layer = nn::Linear(784, 10);
  Variable x(Tensor::Zeros({2, 100}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { layer->Forward(x); }),
                       {"Linear", "input has 100 features, in_features is 784"}));
}

}  // namespace
}  // namespace nabla
