// Attribute values: the typed settings of an op node (LeakyReLU's slope,
// Linear's out_features). Graph files store them as a name -> AttrValue map,
// so a new op never needs a schema change to the file format.
#ifndef NABLA_GRAPH_ATTR_H_
#define NABLA_GRAPH_ATTR_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "graph/shape.h"

namespace nabla {

enum class AttrType { kInt, kFloat, kBool, kString, kInts, kFloats, kShape };

const char* AttrTypeName(AttrType type);

class AttrValue {
 public:
  AttrValue() : value_(int64_t{0}) {}
  AttrValue(int v) : value_(int64_t{v}) {}
  AttrValue(int64_t v) : value_(v) {}
  AttrValue(double v) : value_(v) {}
  AttrValue(float v) : value_(static_cast<double>(v)) {}
  AttrValue(bool v) : value_(v) {}
  AttrValue(const char* v) : value_(std::string(v)) {}
  AttrValue(std::string v) : value_(std::move(v)) {}
  AttrValue(std::vector<int64_t> v) : value_(std::move(v)) {}
  AttrValue(std::vector<double> v) : value_(std::move(v)) {}
  AttrValue(Shape v) : value_(std::move(v)) {}

  AttrType type() const { return static_cast<AttrType>(value_.index()); }

  // Typed access; the caller has validated the type against the schema.
  int64_t i() const { return std::get<int64_t>(value_); }
  double f() const { return std::get<double>(value_); }
  bool b() const { return std::get<bool>(value_); }
  const std::string& s() const { return std::get<std::string>(value_); }
  const std::vector<int64_t>& ints() const {
    return std::get<std::vector<int64_t>>(value_);
  }
  const std::vector<double>& floats() const {
    return std::get<std::vector<double>>(value_);
  }
  const Shape& shape() const { return std::get<Shape>(value_); }

  // Human form used in messages and layouts: 0.01, true, "same", [1, 2].
  std::string ToString() const;

  bool operator==(const AttrValue& other) const {
    return value_ == other.value_;
  }
  bool operator!=(const AttrValue& other) const { return !(*this == other); }

 private:
  // Order matches AttrType.
  std::variant<int64_t, double, bool, std::string, std::vector<int64_t>,
               std::vector<double>, Shape>
      value_;
};

// Ordered so that printing and fingerprints are deterministic.
using AttrMap = std::map<std::string, AttrValue>;

std::string AttrMapToString(const AttrMap& attrs);

}  // namespace nabla

#endif  // NABLA_GRAPH_ATTR_H_
