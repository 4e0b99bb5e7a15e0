// Linear: y = x W^T + b.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/apply.h"
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

// Batch-1 calls walk W in alternating directions (to reuse the cache); the
// result must not depend on it, bit for bit, and must match the batched path.
TEST(Linear, SmallBatchIsDeterministicAcrossCalls) {
  ManualSeed(3);
  auto layer = nn::Linear(300, 1037);  // rows not a multiple of the chunk size
  NoGradGuard no_grad;
  Tensor input(Shape{1, 300});
  for (int64_t k = 0; k < 300; ++k) input.data<float>()[k] = std::sin(0.1f * k);
  const Tensor first = (*layer)(Variable(input)).value();
  for (int call = 0; call < 3; ++call) {
    const Tensor again = (*layer)(Variable(input)).value();
    for (int64_t j = 0; j < again.size(); ++j) {
      ASSERT_EQ(again.data<float>()[j], first.data<float>()[j]) << "call " << call << " [" << j << "]";
    }
  }
  // The same row inside a batch of 8 takes the GEMM path.
  Tensor batch(Shape{8, 300});
  for (int64_t r = 0; r < 8; ++r) {
    for (int64_t k = 0; k < 300; ++k) batch.data<float>()[r * 300 + k] = input.data<float>()[k];
  }
  const Tensor batched = (*layer)(Variable(batch)).value();
  for (int64_t j = 0; j < first.size(); ++j) {
    EXPECT_NEAR(batched.data<float>()[5 * 1037 + j], first.data<float>()[j], 1e-4) << j;
  }
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
