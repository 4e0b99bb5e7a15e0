#include "graph/tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include "graph/huge_pages.h"

namespace nabla {
namespace {

// Training allocates the same tensor sizes every step. Freed buffers go to a
// per-size free list and are handed out again, so a step after the first
// makes no trips to malloc for activations and gradients. The cache is
// bounded; beyond it buffers are freed.
class BufferCache {
 public:
  void* Allocate(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= bytes;
        return p;
      }
    }
    void* p = AllocateBuffer(bytes);
    if (p == nullptr) {
      NABLA_THROW(kInternal) << "out of memory allocating " << bytes
                             << " bytes for a tensor";
    }
    return p;
  }

  void Release(void* p, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_bytes_ + bytes <= kMaxCachedBytes) {
        free_[bytes].push_back(p);
        cached_bytes_ += bytes;
        return;
      }
    }
    std::free(p);
  }

 private:
  static constexpr size_t kMaxCachedBytes = size_t{256} << 20;
  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_bytes_ = 0;
};

BufferCache& Cache() {
  static BufferCache* cache = new BufferCache();  // never destroyed
  return *cache;
}

}  // namespace

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt32: return "int32";
  }
  return "?";
}

int DTypeSize(DType dtype) { return dtype == DType::kFloat64 ? 8 : 4; }

int64_t MaxTensorBytes() {
  static const int64_t max_bytes = [] {
    long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return int64_t{1} << 40;  // unknown: 1 TiB
    return static_cast<int64_t>(pages) * page_size;
  }();
  return max_bytes;
}

void CheckTensorFits(const Shape& shape, DType dtype, const std::string& what) {
  int64_t elements = 1;
  for (int64_t d : shape.dims()) {
    if (d < 0) continue;  // the free batch dimension
    if (__builtin_mul_overflow(elements, d, &elements)) {
      NABLA_THROW(kInvalidArgument) << what << ": shape " << shape.ToString()
                                    << " has more elements than 64 bits can count";
    }
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(elements, int64_t{DTypeSize(dtype)}, &bytes) ||
      bytes > MaxTensorBytes()) {
    ErrorBuilder error(ErrorCode::kInvalidArgument);
    error << what << ": shape " << shape.ToString() << " of " << DTypeName(dtype) << " needs ";
    if (bytes > 0) {
      error << bytes << " bytes";
    } else {
      error << "more than 2^63 bytes";
    }
    error << ", more than this machine's " << MaxTensorBytes() << " bytes of memory";
    error.Throw();
  }
}

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)) {
  if (shape_.rank() > kMaxRank) {
    NABLA_THROW(kInvalidArgument) << "tensor rank " << shape_.rank()
                                  << " exceeds the maximum " << kMaxRank;
  }
  if (!shape_.fully_known()) {
    NABLA_THROW(kInvalidArgument)
        << "cannot allocate a tensor of shape " << shape_.ToString();
  }
  CheckTensorFits(shape_, dtype_, "cannot allocate a tensor");
  size_ = shape_.num_elements();
  size_t bytes = nbytes();
  buffer_ = std::shared_ptr<void>(Cache().Allocate(bytes),
                                  [bytes](void* p) { Cache().Release(p, bytes); });
}

Tensor Tensor::Zeros(Shape shape, DType dtype) {
  Tensor t(dtype, std::move(shape));
  t.SetZero();
  return t;
}

Tensor Tensor::Filled(Shape shape, double value, DType dtype) {
  Tensor t(dtype, std::move(shape));
  switch (dtype) {
    case DType::kFloat32: t.array<float>().setConstant(value); break;
    case DType::kFloat64: t.array<double>().setConstant(value); break;
    case DType::kInt32:
      t.array<int32_t>().setConstant(static_cast<int32_t>(value));
      break;
  }
  return t;
}

Tensor Tensor::Scalar(double value, DType dtype) {
  return Filled(Shape{}, value, dtype);
}

double Tensor::at(int64_t i) const {
  NABLA_CHECK(i >= 0 && i < size_) << "index " << i << " of " << size_;
  switch (dtype_) {
    case DType::kFloat32: return static_cast<const float*>(buffer_.get())[i];
    case DType::kFloat64: return static_cast<const double*>(buffer_.get())[i];
    case DType::kInt32: return static_cast<const int32_t*>(buffer_.get())[i];
  }
  return 0;
}

double Tensor::item() const {
  if (size_ != 1) {
    NABLA_THROW(kInvalidArgument) << "item() needs a one-element tensor, found shape "
                                  << shape_.ToString();
  }
  return at(0);
}

Tensor Tensor::Clone() const {
  if (!defined()) return Tensor();
  Tensor t(dtype_, shape_);
  std::memcpy(t.raw_data(), raw_data(), nbytes());
  return t;
}

Tensor Tensor::Reshaped(Shape shape) const {
  if (shape.num_elements() != size_) {
    NABLA_THROW(kInvalidArgument) << "cannot reshape " << shape_.ToString()
                                  << " (" << size_ << " elements) to "
                                  << shape.ToString();
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::To(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor t(dtype, shape_);
  for (int64_t i = 0; i < size_; ++i) {
    double v = at(i);
    switch (dtype) {
      case DType::kFloat32: t.data<float>()[i] = static_cast<float>(v); break;
      case DType::kFloat64: t.data<double>()[i] = v; break;
      case DType::kInt32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
    }
  }
  return t;
}

void Tensor::SetZero() {
  if (defined()) std::memset(raw_data(), 0, nbytes());
}

void Tensor::CopyFrom(const Tensor& other) {
  NABLA_CHECK(other.dtype_ == dtype_ && other.size_ == size_)
      << "CopyFrom " << DTypeName(other.dtype_) << other.shape_.ToString()
      << " into " << DTypeName(dtype_) << shape_.ToString();
  std::memcpy(raw_data(), other.raw_data(), nbytes());
}

bool Tensor::AllFinite() const {
  switch (dtype_) {
    case DType::kFloat32: return array<float>().isFinite().all();
    case DType::kFloat64: return array<double>().isFinite().all();
    case DType::kInt32: return true;
  }
  return true;
}

std::string Tensor::DebugString(int max_elements) const {
  std::ostringstream s;
  s << DTypeName(dtype_) << shape_.ToString() << " {";
  for (int64_t i = 0; i < size_ && i < max_elements; ++i) {
    s << (i ? ", " : "") << at(i);
  }
  if (size_ > max_elements) s << ", ...";
  s << "}";
  return s.str();
}

void Tensor::CheckType(DType expected) const {
  NABLA_CHECK(dtype_ == expected) << "tensor is " << DTypeName(dtype_)
                                  << ", accessed as " << DTypeName(expected);
}

}  // namespace nabla
