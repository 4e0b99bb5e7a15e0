#include "graph/attr.h"

#include <sstream>

namespace nabla {

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kBool: return "bool";
    case AttrType::kString: return "string";
    case AttrType::kInts: return "list(int)";
    case AttrType::kFloats: return "list(float)";
    case AttrType::kShape: return "shape";
  }
  return "?";
}

std::string AttrValue::ToString() const {
  std::ostringstream s;
  s.precision(9);
  switch (type()) {
    case AttrType::kInt: s << i(); break;
    case AttrType::kFloat: s << f(); break;
    case AttrType::kBool: s << (b() ? "true" : "false"); break;
    case AttrType::kString: s << '"' << this->s() << '"'; break;
    case AttrType::kInts:
      s << "[";
      for (size_t k = 0; k < ints().size(); ++k) s << (k ? ", " : "") << ints()[k];
      s << "]";
      break;
    case AttrType::kFloats:
      s << "[";
      for (size_t k = 0; k < floats().size(); ++k) {
        s << (k ? ", " : "") << floats()[k];
      }
      s << "]";
      break;
    case AttrType::kShape: s << shape().ToString(); break;
  }
  return s.str();
}

std::string AttrMapToString(const AttrMap& attrs) {
  std::string out;
  for (const auto& [name, value] : attrs) {
    if (!out.empty()) out += ", ";
    out += name + "=" + value.ToString();
  }
  return out;
}

}  // namespace nabla
