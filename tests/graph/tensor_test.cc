#include <gtest/gtest.h>

#include <cstdint>

#include "graph/tensor.h"

namespace nabla {
namespace {

TEST(Tensor, IsAlignedAndRowMajor) {
  Tensor t = Tensor::FromVector<float>(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.matrix<float>()(1, 0), 4.f);
  EXPECT_EQ(t.rows(), 2);
  EXPECT_EQ(t.cols(), 3);
}

TEST(Tensor, CopiesShareCloneCopies) {
  Tensor a = Tensor::Zeros(Shape{3});
  Tensor shared = a;
  Tensor copy = a.Clone();
  a.data<float>()[0] = 5;
  EXPECT_EQ(shared.at(0), 5.0);
  EXPECT_EQ(copy.at(0), 0.0);
}

TEST(Tensor, ShapeErrorsNameTheShapes) {
  try {
    Tensor::Zeros(Shape{2, 3}).Reshaped(Shape{4});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cannot reshape [2, 3] (6 elements) to [4]");
  }
  EXPECT_THROW(Tensor::FromVector<float>(Shape{2}, {1, 2, 3}), Error);
}

TEST(Tensor, RanksZeroToFour) {
  EXPECT_EQ(Tensor::Scalar(3.0).item(), 3.0);
  Tensor t = Tensor::Zeros(Shape{2, 3, 4, 5});
  EXPECT_EQ(t.size(), 120);
  EXPECT_EQ(t.Reshaped(Shape{6, 20}).cols(), 20);
}

TEST(Tensor, ConvertsBetweenDtypes) {
  Tensor t = Tensor::FromVector<float>(Shape{2}, {1.5f, -2.f}).To(DType::kFloat64);
  EXPECT_EQ(t.dtype(), DType::kFloat64);
  EXPECT_EQ(t.at(0), 1.5);
  EXPECT_FALSE(Tensor::Filled(Shape{1}, 1.0 / 0.0).AllFinite());
}

}  // namespace
}  // namespace nabla
