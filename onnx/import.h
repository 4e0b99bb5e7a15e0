// ONNX import: an ONNX model (opset 11 to 17) as a nabla graph definition
// plus the parameter values, ready to be written as a graph file and a
// checkpoint that `nabla train` and `nabla eval` accept.
//
// The model must be a classifier of the form nabla trains: one float graph
// input whose dims are fixed except the first (the batch, free in nabla
// whatever the file says), one output of shape [batch, classes]. The graph
// gets an int32 input "label" and a SoftmaxCrossEntropy node "loss" on that
// output. Each ONNX node goes through its entry in the op table
// (onnx/op_table.h); initializers become parameters (Gemm's B and C are a
// Linear's weight and bias), and constants that nabla holds as attributes
// (Reshape's shape) are folded into them. Identity and eval-mode Dropout
// vanish.
//
// Nothing in the file is trusted: every length, dim, element count and
// name is checked before anything is allocated from it, so truncated,
// random or hostile bytes give an Error, never a crash or an absurd
// allocation. Problems are collected over the whole model and reported in
// one Error(kInvalidFile) with one line per problem, each starting
// "IN.onnx: " and naming the node ("node '/fc/Gemm' (Gemm): ...").
#ifndef NABLA_ONNX_IMPORT_H_
#define NABLA_ONNX_IMPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "graph/tensor.h"
#include "onnx/onnx_pb.h"
#include "proto/model.pb.h"

namespace nabla::onnx_io {

// The largest file read: protobuf's limit for one message.
constexpr int64_t kMaxFileBytes = (int64_t{1} << 31) - 1;

// Parses `bytes` as a ModelProto and checks what every later step relies on:
// IR version, the default-domain opset, a graph. `path` is for messages.
::onnx::ModelProto ParseOnnxModel(const std::string& bytes, const std::string& path);
// Reads the file (kNotFound when missing) and parses it.
::onnx::ModelProto ReadOnnxFile(const std::string& path);

struct ImportedModel {
  proto::ModelDef def;
  // Per node, in node order: its parameters, named "node.param", then its
  // state tensors, named "state/node.name" (graph/module.h).
  std::vector<std::pair<std::string, Tensor>> params;
};

// Translates a parsed model; throws Error(kInvalidFile) listing every
// unsupported op, attribute, dynamic shape and malformed part at once.
ImportedModel ImportModel(const ::onnx::ModelProto& model, const std::string& path);

}  // namespace nabla::onnx_io

#endif  // NABLA_ONNX_IMPORT_H_
