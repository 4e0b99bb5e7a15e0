// Tensor: an N-d array, contiguous row-major, 64-byte aligned.
//
// Ownership: a Tensor is a handle on a reference-counted buffer. Copying a
// Tensor shares the buffer (as in PyTorch); Clone() copies the data. Moving
// is cheap. A default-constructed Tensor is empty (defined() is false).
//
// Element types: float32 for models; float64 so gradient checks can use
// finite differences without flakiness; int32 for class labels. Op kernels
// are templates over the floating type (see op_schema.h).
//
// Thread safety: distinct Tensors may be used from distinct threads; writing
// to a shared buffer from two threads is the caller's race.
#ifndef NABLA_GRAPH_TENSOR_H_
#define NABLA_GRAPH_TENSOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include "graph/error.h"
#include "graph/shape.h"

namespace nabla {

enum class DType { kFloat32, kFloat64, kInt32 };

const char* DTypeName(DType dtype);
int DTypeSize(DType dtype);

template <typename T>
constexpr DType DTypeOf() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat32;
  if constexpr (std::is_same_v<T, double>) return DType::kFloat64;
  if constexpr (std::is_same_v<T, int32_t>) return DType::kInt32;
}

// The most bytes one tensor may take: this machine's physical memory. A
// tensor beyond it could never be allocated (or would only thrash), so it
// is refused with a clear error before any allocation.
int64_t MaxTensorBytes();
// Throws Error(kInvalidArgument) "WHAT: shape [..] of DTYPE needs N bytes,
// more than this machine's M bytes of memory" (or that the element count
// overflows) unless a tensor of `shape` fits. Unknown dims count as 1.
void CheckTensorFits(const Shape& shape, DType dtype, const std::string& what);

template <typename T>
using MatrixMap = Eigen::Map<
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
    Eigen::Aligned64>;
template <typename T>
using ConstMatrixMap = Eigen::Map<
    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
    Eigen::Aligned64>;
template <typename T>
using ArrayMap = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;
template <typename T>
using ConstArrayMap =
    Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;

class Tensor {
 public:
  Tensor() = default;
  // Uninitialised contents. Throws Error(kInvalidArgument) for an unknown
  // dim, a rank above kMaxRank or a shape CheckTensorFits refuses.
  Tensor(DType dtype, Shape shape);
  explicit Tensor(Shape shape) : Tensor(DType::kFloat32, std::move(shape)) {}

  static Tensor Zeros(Shape shape, DType dtype = DType::kFloat32);
  static Tensor Filled(Shape shape, double value,
                       DType dtype = DType::kFloat32);
  // Shape and values, e.g. FromVector({2, 2}, {1, 2, 3, 4}).
  template <typename T>
  static Tensor FromVector(Shape shape, const std::vector<T>& values);
  static Tensor Scalar(double value, DType dtype = DType::kFloat32);

  bool defined() const { return buffer_ != nullptr; }
  // True when no other Tensor (a copy, a reshaped view) shares this one's
  // buffer, so writing it changes no one else's values.
  bool sole_owner() const { return buffer_ != nullptr && buffer_.use_count() == 1; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t dim(int i) const { return shape_.dim(i); }
  int64_t size() const { return size_; }
  size_t nbytes() const { return size_ * DTypeSize(dtype_); }

  template <typename T>
  T* data() {
    CheckType(DTypeOf<T>());
    return static_cast<T*>(buffer_.get());
  }
  template <typename T>
  const T* data() const {
    CheckType(DTypeOf<T>());
    return static_cast<const T*>(buffer_.get());
  }
  void* raw_data() { return buffer_.get(); }
  const void* raw_data() const { return buffer_.get(); }

  // Eigen views. AsMatrix treats dim 0 as rows and the rest as columns.
  template <typename T>
  ArrayMap<T> array() { return ArrayMap<T>(data<T>(), size_); }
  template <typename T>
  ConstArrayMap<T> array() const { return ConstArrayMap<T>(data<T>(), size_); }
  template <typename T>
  MatrixMap<T> matrix() { return MatrixMap<T>(data<T>(), rows(), cols()); }
  template <typename T>
  ConstMatrixMap<T> matrix() const {
    return ConstMatrixMap<T>(data<T>(), rows(), cols());
  }
  int64_t rows() const { return rank() == 0 ? 1 : shape_.dim(0); }
  int64_t cols() const {
    if (rank() == 0) return 1;
    int64_t n = 1;  // not size_ / dim(0): an empty batch has dim(0) == 0
    for (int i = 1; i < rank(); ++i) n *= shape_.dim(i);
    return n;
  }

  // Element as double, whatever the dtype (for tests and printing).
  double at(int64_t flat_index) const;
  // Scalar value of a one-element tensor.
  double item() const;

  Tensor Clone() const;
  // Same buffer, new shape with the same element count.
  Tensor Reshaped(Shape shape) const;
  // A converted copy (or this tensor if the dtype already matches).
  Tensor To(DType dtype) const;
  void SetZero();
  void CopyFrom(const Tensor& other);  // same dtype and element count

  bool AllFinite() const;
  std::string DebugString(int max_elements = 8) const;

 private:
  void CheckType(DType expected) const;

  DType dtype_ = DType::kFloat32;
  Shape shape_;
  int64_t size_ = 0;
  std::shared_ptr<void> buffer_;
};

template <typename T>
Tensor Tensor::FromVector(Shape shape, const std::vector<T>& values) {
  Tensor t(DTypeOf<T>(), std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.size()) {
    NABLA_THROW(kInvalidArgument)
        << "Tensor::FromVector: shape " << t.shape().ToString() << " holds "
        << t.size() << " elements, found " << values.size() << " values";
  }
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

// Calls fn(T{}) with T = float or double for the dtype, so a generic lambda
// `[&](auto zero) { using T = decltype(zero); ... }` runs typed code.
template <typename Fn>
void DispatchFloating(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: fn(float{}); return;
    case DType::kFloat64: fn(double{}); return;
    default: NABLA_CHECK(false) << "not a floating dtype: " << DTypeName(dtype);
  }
}

}  // namespace nabla

#endif  // NABLA_GRAPH_TENSOR_H_
