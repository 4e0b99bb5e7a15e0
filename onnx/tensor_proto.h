// Decoding ONNX TensorProtos (initializers, Constant values) into Constants,
// trusting nothing: dims, element counts and data sizes are checked against
// each other (with overflow-safe products) before any value is copied.
#ifndef NABLA_ONNX_TENSOR_PROTO_H_
#define NABLA_ONNX_TENSOR_PROTO_H_

#include <string>
#include <vector>

#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"

namespace nabla::onnx_io {

// Limits on what a file may declare (kMaxDim also bounds graph input
// dims); real models are far below them.
constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxElements = int64_t{1} << 31;  // per tensor

// The product of `dims`, or -1 (with *problem set) when a dim is negative,
// above kMaxDim, or the product exceeds kMaxElements.
int64_t CheckedElementCount(const std::vector<int64_t>& dims, std::string* problem);

// Decodes float, int64 and int32 tensors. On failure returns false and sets
// *problem ("dims [2, 3] need 6 floats, float_data has 5").
bool DecodeTensor(const ::onnx::TensorProto& tensor, Constant* out, std::string* problem);

// "FLOAT", "INT64", ... or the number for an unknown type.
std::string TensorTypeName(int32_t data_type);

// "[2, 3]".
std::string DimsToString(const std::vector<int64_t>& dims);

}  // namespace nabla::onnx_io

#endif  // NABLA_ONNX_TENSOR_PROTO_H_
