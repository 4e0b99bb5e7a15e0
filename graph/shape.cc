#include "graph/shape.h"

namespace nabla {

int64_t Shape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) {
    if (d < 0) return -1;
    n *= d;
  }
  return n;
}

bool Shape::fully_known() const { return num_elements() >= 0; }

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
