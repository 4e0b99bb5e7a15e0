#include "graph/shape.h"

#include "graph/error.h"

namespace nabla {

int64_t MultiplyDims(int64_t a, int64_t b, const char* what) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) {
    NABLA_THROW(kInvalidArgument) << what << ": " << a << " x " << b
                                  << " overflows 64 bits; no machine can hold it";
  }
  return product;
}

int64_t Shape::num_elements() const {
  for (int64_t d : dims_) {
    if (d < 0) return -1;
  }
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (__builtin_mul_overflow(n, d, &n)) {
      NABLA_THROW(kInvalidArgument) << "shape " << ToString()
                                    << " has more elements than 64 bits can count";
    }
  }
  return n;
}

bool Shape::fully_known() const {
  for (int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

bool Shape::CompatibleWith(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i) {
    if (dims_[i] != other.dims_[i] && dims_[i] != kUnknownDim &&
        other.dims_[i] != kUnknownDim) {
      return false;
    }
  }
  return true;
}

std::string Shape::ToString() const {
  std::string s = "[";
  for (int i = 0; i < rank(); ++i) {
    if (i > 0) s += ", ";
    s += dims_[i] == kUnknownDim ? "?" : std::to_string(dims_[i]);
  }
  return s + "]";
}

}  // namespace nabla
