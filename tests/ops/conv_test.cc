// Conv2D: forward against hand-computed values (padding, stride, dilation,
// groups, odd sizes, "same"), backward by hand, initialisation, and the
// shape function's rejections. The registry's finite-difference check
// (gradient_check_test) covers every sample in ops/conv/conv2d.cc.
#include <cmath>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/registry.h"
#include "graph/gradcheck.h"
#include "tests/ops/op_test_util.h"

namespace nabla {
namespace {

using testing::ErrorOf;
using testing::Mentions;
using testing::TensorNear;
using testing::Values;
using testing::Var;
using Ints = std::vector<int64_t>;

AttrMap Attrs(int64_t in, int64_t out, Ints kernel, AttrMap more = {}) {
  more["in_channels"] = in;
  more["out_channels"] = out;
  more["kernel_size"] = kernel;
  return more;
}

Variable Conv(const Variable& x, const Variable& w, const Variable& b, AttrMap attrs) {
  return OpCall("Conv2D", std::move(attrs), "conv1").Apply1({x, w, b});
}

std::vector<double> Range(int n, double start = 1) {
  std::vector<double> v(n);
  for (int k = 0; k < n; ++k) v[k] = start + k;
  return v;
}

Variable NoBias() { return Variable(Tensor::Zeros({0}, DType::kFloat64)); }

TEST(Conv2D, ForwardPlainWithBias) {
  Variable x = Var({1, 1, 3, 3}, Range(9));
  Variable w = Var({1, 1, 2, 2}, {1, 2, 3, 4});
  Variable y = Conv(x, w, Var({1}, {0.5}), Attrs(1, 1, {2}));
  // y[0,0] = 1*1 + 2*2 + 3*4 + 4*5 = 37, ...
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {37.5, 47.5, 67.5, 77.5}));
}

TEST(Conv2D, PaddingAndStride) {
  Variable x = Var({1, 1, 3, 3}, Range(9));
  Variable w = Var({1, 1, 3, 3}, std::vector<double>(9, 1.0));
  // Padded to 5x5, windows at rows/cols {-1, 1}: sums of 2x2 corners.
  Variable y = Conv(x, w, NoBias(),
                    Attrs(1, 1, {3}, {{"padding", Ints{1}}, {"stride", Ints{2}}, {"bias", false}}));
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {12, 16, 24, 28}));
}

TEST(Conv2D, SamePaddingKeepsTheSize) {
  Variable x = Var({1, 1, 3, 3}, Range(9));
  Variable w = Var({1, 1, 3, 3}, std::vector<double>(9, 1.0));
  Variable y = Conv(x, w, NoBias(),
                    Attrs(1, 1, {3}, {{"pad_mode", std::string("same")}, {"bias", false}}));
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 3, 3}, {12, 21, 16, 27, 45, 33, 24, 39, 28}));
}

TEST(Conv2D, Dilation) {
  Variable x = Var({1, 1, 5, 5}, Range(25, 0));  // x[i, j] = 5 i + j
  Variable w = Var({1, 1, 2, 2}, {1, 1, 1, 1});
  Variable y = Conv(x, w, Var({1}, {0}), Attrs(1, 1, {2}, {{"dilation", Ints{2}}}));
  // x[i,j] + x[i,j+2] + x[i+2,j] + x[i+2,j+2] = 20 i + 4 j + 24
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) expected.push_back(20 * i + 4 * j + 24);
  }
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 3, 3}, expected));
}

TEST(Conv2D, OddSizesRectangularKernelAndStride) {
  Variable x = Var({1, 1, 2, 5}, Range(10));
  Variable w = Var({1, 1, 1, 2}, {1, 1});
  Variable y = Conv(x, w, Var({1}, {0}), Attrs(1, 1, {1, 2}, {{"stride", Ints{1, 2}}}));
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {3, 7, 13, 17}));
}

TEST(Conv2D, GroupsKeepChannelsApartAndGroupOneMixesThem) {
  Variable x = Var({1, 2, 1, 2}, {1, 2, 3, 4});
  Variable w = Var({2, 1, 1, 1}, {2, -1});
  Variable grouped = Conv(x, w, Var({2}, {0, 10}), Attrs(2, 2, {1}, {{"groups", int64_t{2}}}));
  EXPECT_TRUE(TensorNear(grouped.value(), {1, 2, 1, 2}, {2, 4, 7, 6}));
  Variable mixed = Conv(x, Var({1, 2, 1, 1}, {2, -1}), Var({1}, {0}), Attrs(2, 1, {1}));
  EXPECT_TRUE(TensorNear(mixed.value(), {1, 1, 1, 2}, {-1, 0}));
  // Two output channels per group: group 1's outputs see only channel 1.
  Variable w4 = Var({4, 1, 1, 1}, {1, 2, 3, 4});
  Variable four = Conv(x, w4, Var({4}, {0, 0, 0, 0}), Attrs(2, 4, {1}, {{"groups", int64_t{2}}}));
  EXPECT_TRUE(TensorNear(four.value(), {1, 4, 1, 2}, {1, 2, 2, 4, 9, 12, 12, 16}));
}

TEST(Conv2D, BackwardByHand) {
  Variable x = Var({1, 1, 3, 3}, Range(9), true);
  Variable w = Var({1, 1, 2, 2}, {1, 2, 3, 4}, true);
  Variable b = Var({1}, {0.5}, true);
  Variable y = Conv(x, w, b, Attrs(1, 1, {2}));
  y.Backward(Values({1, 1, 2, 2}, {1, 1, 1, 1}));
  EXPECT_TRUE(TensorNear(b.grad(), {1}, {4}));
  EXPECT_TRUE(TensorNear(w.grad(), {1, 1, 2, 2}, {12, 16, 24, 28}));
  EXPECT_TRUE(TensorNear(x.grad(), {1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4}));
}

TEST(Conv2D, InitialisesLikePyTorch) {
  const OpSchema& op = OpRegistry::Global().Get("Conv2D");
  AttrMap attrs = Attrs(4, 6, {3}, {{"groups", int64_t{2}}});
  op.CheckAttrsOrThrow("test", &attrs);
  EXPECT_EQ(op.params()[0].shape(attrs), Shape({6, 2, 3, 3}));
  InitSpec weight = op.params()[0].init(attrs);
  EXPECT_EQ(weight.kind, InitSpec::kKaimingUniform);
  EXPECT_DOUBLE_EQ(weight.a, std::sqrt(5.0));
  // Kaiming-uniform with a = sqrt(5): bound = sqrt(6 / ((1 + 5) fan_in)) = 1/sqrt(18).
  Tensor w(DType::kFloat64, op.params()[0].shape(attrs));
  Rng rng(3);
  Initialize(weight, &w, &rng);
  double largest = 0;
  for (int64_t k = 0; k < w.size(); ++k) largest = std::max(largest, std::abs(w.at(k)));
  EXPECT_LE(largest, 1 / std::sqrt(18.0));
  EXPECT_GT(largest, 0.8 / std::sqrt(18.0));
  InitSpec bias = op.params()[1].init(attrs);
  EXPECT_EQ(bias.kind, InitSpec::kUniform);
  EXPECT_DOUBLE_EQ(bias.b, 1 / std::sqrt(18.0));  // fan_in = 4/2 * 3 * 3
  attrs["bias"] = false;
  EXPECT_EQ(op.params()[1].shape(attrs), Shape({0}));
}

std::string ShapeError(const Shape& x, AttrMap attrs) {
  const OpSchema& op = OpRegistry::Global().Get("Conv2D");
  std::string problems;
  for (const std::string& p : op.CheckAttrs(&attrs)) problems += p + "\n";
  if (!problems.empty()) return problems;
  return ErrorOf([&] {
    Variable in(Tensor::Zeros(x, DType::kFloat64));
    Variable w(Tensor::Zeros(op.params()[0].shape(attrs), DType::kFloat64));
    Variable b(Tensor::Zeros(op.params()[1].shape(attrs), DType::kFloat64));
    OpCall("Conv2D", attrs, "conv1").Apply1({in, w, b});
  });
}

TEST(Conv2D, Rejections) {
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 4, 4}, Attrs(1, 2, {5})),
                       {"node 'conv1' (Conv2D)", "kernel 5x5 (weight [2, 1, 5, 5]",
                        "larger than the padded input 4x4 (input [1, 1, 4, 4], padding 0x0)"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 2, 3}, Attrs(1, 1, {2}, {{"dilation", Ints{4}},
                                                                  {"padding", Ints{1}}})),
                       {"spanning 5x5", "larger than the padded input 4x5",
                        "(input [1, 1, 2, 3], padding 1x1)"}));
  EXPECT_TRUE(Mentions(ShapeError({2, 3, 8, 8}, Attrs(4, 6, {3})),
                       {"node 'conv1'", "input [2, 3, 8, 8] has 3 channels (dim 1)",
                        "weight [6, 4, 3, 3] expects in_channels 4"}));
  EXPECT_TRUE(Mentions(ShapeError({2, 8, 8}, Attrs(1, 1, {3})),
                       {"input must be [N, C, H, W]", "found [2, 8, 8]"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 4, 8, 8}, Attrs(4, 6, {3}, {{"groups", int64_t{4}}})),
                       {"groups 4 must divide in_channels 4 and out_channels 6"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 4, 8, 8}, Attrs(4, 6, {3}, {{"groups", int64_t{3}}})),
                       {"groups 3 must divide in_channels 4 and out_channels 6"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3}, {{"padding", Ints{-1}}})),
                       {"attribute 'padding': expected one or two ints, each >= 0, found [-1]"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3}, {{"stride", Ints{1, 0}}})),
                       {"attribute 'stride': expected one or two ints, each >= 1, found [1, 0]"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3, 3, 3})),
                       {"attribute 'kernel_size': expected one or two ints"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3}, {{"pad_mode", std::string("same")},
                                                                  {"stride", Ints{2}}})),
                       {"pad_mode 'same' needs stride 1, found stride 2x2"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {2}, {{"pad_mode", std::string("same")}})),
                       {"pad_mode 'same' needs an odd dilated kernel", "kernel 2x2"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3}, {{"pad_mode", std::string("same")},
                                                                  {"padding", Ints{1}}})),
                       {"leave padding unset, found [1]"}));
  EXPECT_TRUE(Mentions(ShapeError({1, 1, 8, 8}, Attrs(1, 1, {3}, {{"pad_mode", std::string("full")}})),
                       {"attribute 'pad_mode': expected one of \"explicit\", \"same\", found \"full\""}));
}

TEST(Conv2D, ShapeInferenceWithUnknownBatchAndOverflow) {
  const OpSchema& op = OpRegistry::Global().Get("Conv2D");
  AttrMap attrs = Attrs(1, 32, {5}, {{"padding", Ints{2}}});
  op.CheckAttrsOrThrow("test", &attrs);
  auto infer = [&](const Shape& x) {
    return op.shape_fn()({x, op.params()[0].shape(attrs), op.params()[1].shape(attrs)}, attrs)[0];
  };
  EXPECT_EQ(infer({kUnknownDim, 1, 28, 28}), Shape({kUnknownDim, 32, 28, 28}));
  const int64_t huge = int64_t{1} << 40;
  EXPECT_TRUE(Mentions(ErrorOf([&] { infer({huge, 1, huge, 28}); }),
                       {"has more elements than fit in int64"}));
  AttrMap padded = Attrs(1, 1, {1}, {{"padding", Ints{int64_t{1} << 62}}});
  op.CheckAttrsOrThrow("test", &padded);
  EXPECT_TRUE(Mentions(ErrorOf([&] {
                         op.shape_fn()({Shape{1, 1, 4, 4}, Shape{1, 1, 1, 1}, Shape{1}}, padded);
                       }),
                       {"padded size does not fit in int64"}));
}

TEST(Conv2D, BiasFalseMeansNoBias) {
  Variable x = Var({1, 1, 2, 2}, {1, 2, 3, 4});
  Variable w = Var({1, 1, 1, 1}, {2});
  Variable y = Conv(x, w, NoBias(), Attrs(1, 1, {1}, {{"bias", false}}));
  EXPECT_TRUE(TensorNear(y.value(), {1, 1, 2, 2}, {2, 4, 6, 8}));
  EXPECT_TRUE(Mentions(ErrorOf([&] { Conv(x, w, Var({1}, {0}), Attrs(1, 1, {1}, {{"bias", false}})); }),
                       {"bias [1], expected [1, 1, 1, 1] and [0]"}));
}

// The registry's gradient check sees Conv2D's samples, and can fail on
// them: a weight gradient off by a factor of two is caught.
const OpSchema& RegisteredConv() { return OpRegistry::Global().Get("Conv2D"); }

struct HalvedWeightGradient {
  template <typename T>
  static constexpr DType kType = std::is_same<T, double>::value ? DType::kFloat64 : DType::kFloat32;
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    RegisteredConv().forward(kType<T>)(ctx);
  }
  template <typename T>
  static void Backward(BackwardContext& ctx) {
    RegisteredConv().backward(kType<T>)(ctx);
    if (ctx.needs_grad(1)) ctx.grad_input(1).array<T>() *= T(0.5);
  }
};

TEST(Conv2D, GradientCheckPassesAndCatchesAWrongWeightGradient) {
  EXPECT_TRUE(CheckGradients(RegisteredConv()).empty());
  OpSchema broken = RegisteredConv();
  broken.Kernels<HalvedWeightGradient>();
  std::vector<std::string> problems = CheckGradients(broken);
  ASSERT_FALSE(problems.empty());
  EXPECT_TRUE(Mentions(problems[0], {"Conv2D sample 0", "(weight)"}));
}

}  // namespace
}  // namespace nabla
