// Math: MatMul, Add, Sub, Mul (with each broadcasting form of b).
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

TEST(MatMul, ForwardAndBackward) {
  Variable a = Var({2, 3}, {1, 2, 3, 4, 5, 6}, true);
  Variable b = Var({3, 2}, {7, 8, 9, 10, 11, 12}, true);
  Variable y = MatMul(a, b);
  EXPECT_TRUE(TensorNear(y.value(), {2, 2}, {58, 64, 139, 154}));
  y.Backward(Values({2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {15, 19, 23, 15, 19, 23}));  // g b^T
  EXPECT_TRUE(TensorNear(b.grad(), {3, 2}, {5, 5, 7, 7, 9, 9}));        // a^T g
}

TEST(MatMul, RejectsMismatchedShapes) {
  Variable a = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  Variable b = Var({4, 1}, {1, 2, 3, 4});
  EXPECT_TRUE(Mentions(ErrorOf([&] { MatMul(a, b); }),
                       {"MatMul", "a [2, 3] has 3 columns, b [4, 1] has 4 rows"}));
  Variable v = Var({3}, {1, 2, 3});
  EXPECT_TRUE(Mentions(ErrorOf([&] { MatMul(a, v); }), {"must be matrices", "[3]"}));
}

// a [2, 3] against each form of b: same shape, [], [1], row [3].
TEST(Add, EveryBroadcastForm) {
  const std::vector<double> a_values = {1, 2, 3, 4, 5, 6};
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({2, 3}, {10, 20, 30, 40, 50, 60}, true);
    Variable y = a + b;
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {11, 22, 33, 44, 55, 66}));
    y.Backward(Values({2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(b.grad(), {2, 3}, {1, 2, 3, 4, 5, 6}));
  }
  for (Shape scalar : {Shape{}, Shape{1}}) {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var(scalar, {10}, true);
    Variable y = Add(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {11, 12, 13, 14, 15, 16}));
    y.Backward(Values({2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(b.grad(), scalar, {21}));
  }
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({3}, {10, 20, 30}, true);
    Variable y = Add(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {11, 22, 33, 14, 25, 36}));
    y.Backward(Values({2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(b.grad(), {3}, {5, 7, 9}));
  }
}

TEST(Sub, EveryBroadcastForm) {
  const std::vector<double> a_values = {1, 2, 3, 4, 5, 6};
  const Tensor grad = Values({2, 3}, {1, 2, 3, 4, 5, 6});
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({2, 3}, {6, 5, 4, 3, 2, 1}, true);
    Variable y = a - b;
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {-5, -3, -1, 1, 3, 5}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_TRUE(TensorNear(b.grad(), {2, 3}, {-1, -2, -3, -4, -5, -6}));
  }
  for (Shape scalar : {Shape{}, Shape{1}}) {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var(scalar, {1}, true);
    Variable y = Sub(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {0, 1, 2, 3, 4, 5}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(b.grad(), scalar, {-21}));
  }
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({3}, {1, 2, 3}, true);
    Variable y = Sub(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {0, 0, 0, 3, 3, 3}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(b.grad(), {3}, {-5, -7, -9}));
  }
}

TEST(Mul, EveryBroadcastForm) {
  const std::vector<double> a_values = {1, 2, 3, 4, 5, 6};
  const Tensor grad = Values({2, 3}, {1, 1, 1, 2, 2, 2});
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({2, 3}, {2, 0, -1, 0.5, 1, 3}, true);
    Variable y = a * b;
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {2, 0, -3, 2, 5, 18}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {2, 0, -1, 1, 2, 6}));    // g * b
    EXPECT_TRUE(TensorNear(b.grad(), {2, 3}, {1, 2, 3, 8, 10, 12}));  // g * a
  }
  for (Shape scalar : {Shape{}, Shape{1}}) {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var(scalar, {3}, true);
    Variable y = Mul(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {3, 6, 9, 12, 15, 18}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {3, 3, 3, 6, 6, 6}));
    EXPECT_TRUE(TensorNear(b.grad(), scalar, {36}));  // sum(g * a)
  }
  {
    Variable a = Var({2, 3}, a_values, true);
    Variable b = Var({3}, {1, 10, 100}, true);
    Variable y = Mul(a, b);
    EXPECT_TRUE(TensorNear(y.value(), {2, 3}, {1, 20, 300, 4, 50, 600}));
    y.Backward(grad);
    EXPECT_TRUE(TensorNear(a.grad(), {2, 3}, {1, 10, 100, 2, 20, 200}));
    EXPECT_TRUE(TensorNear(b.grad(), {3}, {9, 12, 15}));  // sum over rows of g * a
  }
}

TEST(Add, RejectsIncompatibleShapesNamingBoth) {
  Variable a = Var({2, 3}, {1, 2, 3, 4, 5, 6});
  for (Shape bad : {Shape{2}, Shape{3, 2}, Shape{1, 3}, Shape{2, 3, 1}}) {
    Variable b(Tensor::Zeros(bad, DType::kFloat64));
    for (const char* op : {"Add", "Sub", "Mul"}) {
      EXPECT_TRUE(Mentions(ErrorOf([&] { Apply(op, {a, b}); }),
                           {op, "b " + bad.ToString(), "a [2, 3]", "does not broadcast"}));
    }
  }
}

TEST(Add, RejectsMixedDtypes) {
  Variable a = Var({2}, {1, 2});
  Variable b(Tensor::Zeros({2}, DType::kFloat32));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Add(a, b); }), {"float32", "float64"}));
}

TEST(Add, ShapeInferenceWithAnUnknownBatch) {
  const ShapeFn& shapes = OpRegistry::Global().Get("Add").shape_fn();
  const Shape a{kUnknownDim, 4};
  EXPECT_EQ(shapes({a, Shape{4}}, {})[0], a);
  EXPECT_EQ(shapes({a, Shape{}}, {})[0], a);
  EXPECT_EQ(shapes({a, Shape{kUnknownDim, 4}}, {})[0], a);
  EXPECT_TRUE(Mentions(ErrorOf([&] { shapes({a, Shape{5}}, {}); }), {"[5]", "[?, 4]"}));
}

TEST(Add, SecondInputNeedsNoGrad) {
  // A frozen bias row: only a gets a gradient.
  Variable a = Var({2, 2}, {1, 2, 3, 4}, true);
  Variable b = Var({2}, {1, 1});
  Variable y = a + b;
  y.Backward(Values({2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(TensorNear(a.grad(), {2, 2}, {1, 2, 3, 4}));
  EXPECT_FALSE(b.grad().defined());
}

}  // namespace
}  // namespace nabla
