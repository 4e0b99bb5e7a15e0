// Shape: the dimensions of a tensor, rank 0 to kMaxRank.
//
// In graph files and shape inference a dimension may be kUnknownDim (the
// free batch dimension); tensors that hold data always have known dims.
#ifndef NABLA_GRAPH_SHAPE_H_
#define NABLA_GRAPH_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace nabla {

constexpr int kMaxRank = 6;
constexpr int64_t kUnknownDim = -1;

// a * b for element counts and dims >= 0; throws Error(kInvalidArgument)
// "WHAT: A x B overflows 64 bits" instead of wrapping.
int64_t MultiplyDims(int64_t a, int64_t b, const char* what = "element count");

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i < 0 ? i + rank() : i]; }
  int64_t operator[](int i) const { return dim(i); }
  const std::vector<int64_t>& dims() const { return dims_; }
  void set_dim(int i, int64_t value) { dims_[i] = value; }

  // Product of all dims (1 for a scalar); -1 if any dim is unknown.
  // Throws Error(kInvalidArgument) naming the shape when the product does
  // not fit in int64 (a graph file's 2^62-wide Linear must not wrap to a
  // small buffer).
  int64_t num_elements() const;
  bool fully_known() const;
  // Equal, treating kUnknownDim as matching anything.
  bool CompatibleWith(const Shape& other) const;

  // "[256, 784]", with "?" for unknown dims.
  std::string ToString() const;

  bool operator==(const Shape& other) const { return dims_ == other.dims_; }
  bool operator!=(const Shape& other) const { return dims_ != other.dims_; }

 private:
  std::vector<int64_t> dims_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_SHAPE_H_
