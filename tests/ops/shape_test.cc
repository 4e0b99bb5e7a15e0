// Shape ops: Reshape, Flatten.
#include <gtest/gtest.h>

#include "graph/registry.h"
#include "ops/api.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Values;
using testing::Var;

Shape Infer(const std::string& op, const Shape& input, const AttrMap& attrs) {
  return OpRegistry::Global().Get(op).shape_fn()({input}, attrs)[0];
}

AttrMap ShapeAttr(std::vector<int64_t> dims) { return {{"shape", std::move(dims)}}; }

TEST(Reshape, ForwardKeepsOrderAndBackwardCopies) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6}, true);
  Variable y = Reshape(x, {3, 2});
  EXPECT_TRUE(TensorNear(y.value(), {3, 2}, {1, 2, 3, 4, 5, 6}));
  EXPECT_NE(y.value().raw_data(), x.value().raw_data());
  y.Backward(Values({3, 2}, {6, 5, 4, 3, 2, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 3}, {6, 5, 4, 3, 2, 1}));
}

TEST(Reshape, ZeroCopiesADimAndMinusOneIsInferred) {
  Variable x(Tensor::Zeros({2, 3, 4}, DType::kFloat64));
  EXPECT_EQ(Reshape(x, {0, -1}).shape(), Shape({2, 12}));
  EXPECT_EQ(Reshape(x, {4, 0, -1}).shape(), Shape({4, 3, 2}));
  EXPECT_EQ(Reshape(x, {-1}).shape(), Shape({24}));
  EXPECT_EQ(Reshape(x, {0, 0, 2, 2}).shape(), Shape({2, 3, 2, 2}));
  EXPECT_EQ(Reshape(Var({1}, {5}), {}).shape(), Shape({}));
}

TEST(Reshape, ShapeInferenceWithAnUnknownBatch) {
  const Shape images{kUnknownDim, 28, 28};
  EXPECT_EQ(Infer("Reshape", images, ShapeAttr({0, -1})), Shape({kUnknownDim, 784}));
  EXPECT_EQ(Infer("Reshape", images, ShapeAttr({0, 784})), Shape({kUnknownDim, 784}));
  const Shape flat{kUnknownDim, 784};
  EXPECT_EQ(Infer("Reshape", flat, ShapeAttr({0, 1, 28, 28})), Shape({kUnknownDim, 1, 28, 28}));
  // An unknown dim that is not copied leaves the inferred dim unknown.
  EXPECT_EQ(Infer("Reshape", flat, ShapeAttr({-1, 28, 28})), Shape({kUnknownDim, 28, 28}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Infer("Reshape", flat, ShapeAttr({0, 28, 27})); }),
                       {"cannot reshape input [?, 784] to shape [0, 28, 27]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Infer("Reshape", flat, ShapeAttr({0, 100, -1})); }),
                       {"cannot reshape input [?, 784] to shape [0, 100, -1]"}));
}

TEST(Reshape, RejectsBadShapes) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Reshape(x, {4, -1}); }),
                       {"Reshape", "cannot reshape input [2, 3] to shape [4, -1]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Reshape(x, {5}); }),
                       {"cannot reshape input [2, 3] to shape [5]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Reshape(x, {0, 0, 0}); }),
                       {"shape [0, 0, 0] copies input dim 2", "[2, 3] has rank 2"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Reshape(x, {-1, -1}); }),
                       {"attribute 'shape': expected", "a single -1", "found [-1, -1]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Reshape(x, {-2, 3}); }),
                       {"attribute 'shape': expected", "found [-2, 3]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Reshape", {x}); }),
                       {"missing required attribute 'shape'"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Reshape", {x}, {{"shape", 6}}); }),
                       {"attribute 'shape': expected list(int), found int"}));
}

TEST(Flatten, ForwardAndBackward) {
  Variable x = Var({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}, true);
  Variable y = Flatten(x);
  EXPECT_TRUE(TensorNear(y.value(), {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}));
  y.Backward(Values({2, 4}, {8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_TRUE(TensorNear(x.grad(), {2, 1, 2, 2}, {8, 7, 6, 5, 4, 3, 2, 1}));
}

TEST(Flatten, StartDim) {
  Variable x(Tensor::Zeros({2, 3, 2, 2}, DType::kFloat64));
  EXPECT_EQ(Apply("Flatten", {x}, {{"start_dim", 2}}).shape(), Shape({2, 3, 4}));
  EXPECT_EQ(Apply("Flatten", {x}, {{"start_dim", 0}}).shape(), Shape({24}));
  EXPECT_EQ(Apply("Flatten", {x}, {{"start_dim", 3}}).shape(), Shape({2, 3, 2, 2}));
  EXPECT_EQ(nn::Flatten()->Forward(x).shape(), Shape({2, 12}));
}

TEST(Flatten, ShapeInferenceWithAnUnknownBatch) {
  AttrMap start1{{"start_dim", int64_t{1}}};
  EXPECT_EQ(Infer("Flatten", Shape{kUnknownDim, 1, 28, 28}, start1), Shape({kUnknownDim, 784}));
  AttrMap start0{{"start_dim", int64_t{0}}};
  EXPECT_EQ(Infer("Flatten", Shape{kUnknownDim, 784}, start0), Shape({kUnknownDim}));
}

TEST(Flatten, RejectsStartDimOutOfRange) {
  Variable x = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Flatten", {x}, {{"start_dim", 2}}); }),
                       {"Flatten", "start_dim 2 needs an input of rank > 2, found [2, 3]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Flatten", {x}, {{"start_dim", -1}}); }),
                       {"attribute 'start_dim': expected a value in [0, 5], found -1"}));
}

}  // namespace
}  // namespace nabla
