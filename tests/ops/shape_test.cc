// Shape ops: Reshape, Flatten, Concat.
#include <gtest/gtest.h>

#include "graph/apply.h"
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

Variable Concat(const std::vector<Variable>& xs, int64_t axis) {
  return OpCall("Concat", {{"axis", axis}}, "cat").Apply1(xs);
}

TEST(Concat, JoinsAlongAnAxisAndSplitsTheGradient) {
  Variable a = Var({2, 2}, {1, 2, 3, 4}, true);
  Variable b = Var({2, 1}, {5, 6}, true);
  Variable c = Var({2, 3}, {7, 8, 9, 10, 11, 12}, true);
  Variable y = Concat({a, b, c}, 1);
  EXPECT_TRUE(TensorNear(y.value(), {2, 6}, {1, 2, 5, 7, 8, 9, 3, 4, 6, 10, 11, 12}));
  y.Backward(Values({2, 6}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_TRUE(TensorNear(a.grad(), {2, 2}, {1, 2, 7, 8}));
  EXPECT_TRUE(TensorNear(b.grad(), {2, 1}, {3, 9}));
  EXPECT_TRUE(TensorNear(c.grad(), {2, 3}, {4, 5, 6, 10, 11, 12}));
}

TEST(Concat, AxisZeroNegativeAxisAndOneInput) {
  Variable a = Var({1, 2}, {1, 2}), b = Var({2, 2}, {3, 4, 5, 6});
  EXPECT_TRUE(TensorNear(Concat({a, b}, 0).value(), {3, 2}, {1, 2, 3, 4, 5, 6}));
  Variable p = Var({1, 2, 1}, {1, 2}), q = Var({1, 2, 2}, {3, 4, 5, 6});
  EXPECT_TRUE(TensorNear(Concat({p, q}, -1).value(), {1, 2, 3}, {1, 3, 4, 2, 5, 6}));
  EXPECT_TRUE(TensorNear(Concat({b}, 1).value(), {2, 2}, {3, 4, 5, 6}));
  // NCHW channels: one image plane after another.
  Variable x = Var({1, 1, 1, 2}, {1, 2}), z = Var({1, 1, 1, 2}, {3, 4});
  EXPECT_TRUE(TensorNear(Concat({x, z}, 1).value(), {1, 2, 1, 2}, {1, 2, 3, 4}));
}

TEST(Concat, ShapeInferenceWithAnUnknownBatch) {
  const OpSchema& op = OpRegistry::Global().Get("Concat");
  EXPECT_EQ(op.shape_fn()({Shape{kUnknownDim, 3, 4}, Shape{kUnknownDim, 5, 4}}, {{"axis", int64_t{1}}})[0],
            Shape({kUnknownDim, 8, 4}));
  EXPECT_EQ(op.shape_fn()({Shape{kUnknownDim, 3}, Shape{2, 3}}, {{"axis", int64_t{0}}})[0],
            Shape({kUnknownDim, 3}));
}

TEST(Concat, Rejections) {
  Variable a = Var({2, 2}, {1, 2, 3, 4}), b = Var({3, 1}, {5, 6, 7});
  EXPECT_TRUE(Mentions(ErrorOf([&] { Concat({a, b}, 1); }),
                       {"node 'cat' (Concat)", "input 1 [3, 1] does not match input 0 [2, 2]",
                        "along axis 1"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Concat({a, Var({2}, {1, 2})}, 0); }),
                       {"input 1 [2] does not match input 0 [2, 2]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Concat({a, a}, 2); }),
                       {"axis 2 is outside [-2, 2) for input 0 [2, 2]"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Concat({}, 0); }),
                       {"expected 1 or more inputs and parameters, found 0"}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Apply("Concat", {a, a}); }),
                       {"missing required attribute 'axis'"}));
  const int64_t huge = int64_t{1} << 62;
  EXPECT_TRUE(Mentions(ErrorOf([&] {
                         OpRegistry::Global().Get("Concat").shape_fn()(
                             {Shape{huge, 2}, Shape{huge, 2}}, {{"axis", int64_t{0}}});
                       }),
                       {"does not fit in int64"}));
}

TEST(Concat, IsVariadicInItsSchema) {
  const OpSchema& op = OpRegistry::Global().Get("Concat");
  EXPECT_TRUE(op.variadic());
  EXPECT_FALSE(op.AcceptsInputCount(0));
  EXPECT_TRUE(op.AcceptsInputCount(1));
  EXPECT_TRUE(op.AcceptsInputCount(5));
  EXPECT_EQ(op.input_spec(4).name, "values");
  EXPECT_FALSE(OpRegistry::Global().Get("Flatten").AcceptsInputCount(2));
}

TEST(OpSchema, VariadicInputMustBeLast) {
  OpSchema op("BadVariadic");
  op.VariadicInput("xs").Input("y").Output("z").Shapes(ElementwiseShape).Sample({{}, {{1}, {1}}});
  bool found = false;
  for (const std::string& p : op.Validate()) found |= p == "declares an input after its variadic input";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace nabla
