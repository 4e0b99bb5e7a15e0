#include "onnx/tensor_proto.h"

#include <cstring>

namespace nabla::onnx_io {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data is little-endian; this reader copies it as it lies");

// Copies `count` values of `Stored` from raw_data or from the typed field.
template <typename Stored, typename Out, typename Field>
bool CopyValues(const ::onnx::TensorProto& t, int64_t count, const Field& typed, const char* kind,
                const char* field_name, std::vector<Out>* out, std::string* problem) {
  const std::string& raw = t.raw_data();
  if (!raw.empty() || typed.empty()) {
    const uint64_t need = static_cast<uint64_t>(count) * sizeof(Stored);
    if (raw.size() != need) {
      *problem = "dims " + DimsToString({t.dims().begin(), t.dims().end()}) + " need " +
                 std::to_string(count) + " " + kind + " (" + std::to_string(need) +
                 " bytes), raw_data has " + std::to_string(raw.size()) + " bytes";
      return false;
    }
    out->resize(count);
    for (int64_t i = 0; i < count; ++i) {
      Stored v;
      std::memcpy(&v, raw.data() + i * sizeof(Stored), sizeof(Stored));
      (*out)[i] = static_cast<Out>(v);
    }
    return true;
  }
  if (typed.size() != count) {
    *problem = "dims " + DimsToString({t.dims().begin(), t.dims().end()}) + " need " +
               std::to_string(count) + " " + kind + ", " + field_name + " has " +
               std::to_string(typed.size());
    return false;
  }
  out->assign(typed.begin(), typed.end());
  return true;
}

}  // namespace

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string TensorTypeName(int32_t data_type) {
  if (::onnx::TensorProto::DataType_IsValid(data_type)) {
    return ::onnx::TensorProto::DataType_Name(
        static_cast<::onnx::TensorProto::DataType>(data_type));
  }
  return "type " + std::to_string(data_type);
}

int64_t CheckedElementCount(const std::vector<int64_t>& dims, std::string* problem) {
  int64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > kMaxDim) {
      *problem = "dims " + DimsToString(dims) + ": dim " + std::to_string(d) +
                 " is out of range (0 to 2^31-1)";
      return -1;
    }
    if (d != 0 && count > kMaxElements / d) {
      *problem = "dims " + DimsToString(dims) + " hold more than 2^31 elements";
      return -1;
    }
    count *= d;
  }
  return count;
}

bool DecodeTensor(const ::onnx::TensorProto& t, Constant* out, std::string* problem) {
  if (t.data_location() == ::onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    *problem = "keeps its data in an external file, which import does not read";
    return false;
  }
  if (t.has_segment()) {
    *problem = "is segmented, which import does not support";
    return false;
  }
  out->dims.assign(t.dims().begin(), t.dims().end());
  if (out->dims.size() > 6) {
    *problem = "has " + std::to_string(out->dims.size()) + " dims, nabla supports at most 6";
    return false;
  }
  const int64_t count = CheckedElementCount(out->dims, problem);
  if (count < 0) return false;
  switch (t.data_type()) {
    case ::onnx::TensorProto::FLOAT:
      out->is_float = true;
      return CopyValues<float>(t, count, t.float_data(), "floats", "float_data", &out->floats,
                               problem);
    case ::onnx::TensorProto::INT64:
      out->is_float = false;
      return CopyValues<int64_t>(t, count, t.int64_data(), "int64s", "int64_data", &out->ints,
                                 problem);
    case ::onnx::TensorProto::INT32:
      out->is_float = false;
      return CopyValues<int32_t>(t, count, t.int32_data(), "int32s", "int32_data", &out->ints,
                                 problem);
    default:
      *problem = "has data type " + TensorTypeName(t.data_type()) +
                 "; import reads FLOAT, INT64 and INT32 tensors";
      return false;
  }
}

}  // namespace nabla::onnx_io
