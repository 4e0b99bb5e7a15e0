#include <gtest/gtest.h>

#include <cstdint>

#include "graph/huge_pages.h"
#include "graph/tensor.h"

namespace nabla {
namespace {

// Element counts that wrap must not become small buffers (issue 12: a
// 2^62-wide Linear got a 64-byte buffer and its initialiser wrote past it).
TEST(Shape, ElementCountsThatOverflowThrow) {
  const int64_t big = int64_t{1} << 62;
  EXPECT_EQ(Shape({big, 1}).num_elements(), big);
  try {
    Shape({big, 784}).num_elements();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "shape [4611686018427387904, 784] has more elements than 64 bits can count");
  }
  // The unknown batch dim is not an overflow.
  EXPECT_EQ(Shape({kUnknownDim, big, 784}).num_elements(), -1);
  EXPECT_FALSE(Shape({kUnknownDim, 4}).fully_known());
  EXPECT_THROW(MultiplyDims(big, 4), Error);
  EXPECT_EQ(MultiplyDims(3, 4), 12);
}

TEST(Tensor, ShapesNoMachineCouldHoldAreRefusedBeforeAllocating) {
  EXPECT_GT(MaxTensorBytes(), 0);
  try {
    Tensor t(Shape{int64_t{1} << 40, 784});
    FAIL() << "allocated " << t.nbytes() << " bytes";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cannot allocate a tensor: shape [1099511627776, 784] of "
                                         "float32 needs 3448068464705536 bytes, more than this "
                                         "machine's "),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Tensor(Shape{int64_t{1} << 62, 784}), Error);
  EXPECT_THROW(CheckTensorFits(Shape{int64_t{1} << 61}, DType::kFloat64, "x"), Error);
  EXPECT_NO_THROW(CheckTensorFits(Shape{kUnknownDim, 784}, DType::kFloat32, "x"));
}

TEST(Tensor, IsAlignedAndRowMajor) {
  Tensor t = Tensor::FromVector<float>(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.matrix<float>()(1, 0), 4.f);
  EXPECT_EQ(t.rows(), 2);
  EXPECT_EQ(t.cols(), 3);
}

// Large buffers start on a huge-page boundary (graph/huge_pages.h); small
// ones, including empty tensors, keep the 64-byte alignment.
TEST(Tensor, LargeBuffersAreHugePageAligned) {
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{1000}, int64_t{262144}, int64_t{785000}}) {
    Tensor t(Shape{n});
    const auto address = reinterpret_cast<uintptr_t>(t.data<float>());
    EXPECT_EQ(address % 64, 0u) << n;
    if (t.nbytes() >= kHugePageThreshold) {
      EXPECT_EQ(address % kHugePageBytes, 0u) << n;
    }
    if (n > 0) {
      t.data<float>()[n - 1] = 1.f;  // the whole buffer is usable
      EXPECT_EQ(t.data<float>()[n - 1], 1.f);
    }
  }
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
