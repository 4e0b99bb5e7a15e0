// Private to onnx/import.cc and onnx/import_node.cc: what the importer
// knows while it translates one ONNX graph, shared by the driver
// (import.cc: reading, checking, sorting, the loss) and the context each op
// entry sees (import_node.cc).
#ifndef NABLA_ONNX_IMPORT_STATE_H_
#define NABLA_ONNX_IMPORT_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/shape.h"
#include "onnx/onnx_pb.h"
#include "onnx/op_table.h"
#include "proto/model.pb.h"

namespace nabla::onnx_io::import_internal {

// A nabla node name or graph input name from an ONNX name: letters, digits
// and '_' ("/fc1/Gemm" -> "fc1_Gemm"); '.' would clash with parameter names.
std::string Sanitize(const std::string& name);
std::string Quoted(const std::string& name);  // 'name'
// "node '/fc/Gemm' (Gemm)", or "node #3 (Gemm)" for an unnamed node.
std::string NodeLabel(const ::onnx::NodeProto& node, int index);

// What an ONNX value name stands for while the graph is translated.
struct Slot {
  enum Kind { kNabla, kConstant, kBroken } kind = kBroken;
  std::string nabla;  // kNabla: the nabla input or node computing it
  Shape shape;        // kNabla
  Constant constant;  // kConstant
};

struct EmittedNode {
  int index;                               // in def.nodes
  std::string onnx_value;                  // the ONNX value it computes
  std::map<std::string, Constant> params;  // by schema name
};

class ImportState {
 public:
  explicit ImportState(std::string path) : path_(std::move(path)) {}

  // Adds "PATH: message" to the listing.
  void Problem(const std::string& message) { problems_.push_back(path_ + ": " + message); }
  // A unique nabla name from an ONNX one ("/act/Relu" -> "act_Relu",
  // then "act_Relu_2", ...).
  std::string NewNodeName(const std::string& wanted);
  // How many node inputs and graph outputs read an ONNX value.
  int consumers(const std::string& onnx_value) const {
    auto it = consumers_.find(onnx_value);
    return it == consumers_.end() ? 0 : it->second;
  }
  int64_t opset() const { return opset_; }
  // Adds the list of supported ops to the listing.
  void NoteUnsupportedOp() { unsupported_ops_ = true; }
  std::map<std::string, Slot>& values() { return values_; }
  proto::ModelDef& def() { return def_; }
  std::map<std::string, EmittedNode>& emitted() { return emitted_; }
  std::map<std::string, Shape>& nabla_shapes() { return nabla_shapes_; }

 protected:
  std::string path_;
  int64_t opset_ = 0;
  bool unsupported_ops_ = false;
  std::vector<std::string> problems_;
  std::map<std::string, Slot> values_;  // by ONNX value name
  std::map<std::string, int> consumers_;
  std::set<std::string> used_names_;
  std::map<std::string, int64_t> next_suffix_;  // the next "_k" to try, per base
  std::map<std::string, EmittedNode> emitted_;  // by nabla node name
  std::map<std::string, Shape> nabla_shapes_;   // nabla inputs and nodes
  proto::ModelDef def_;
};

}  // namespace nabla::onnx_io::import_internal

#endif  // NABLA_ONNX_IMPORT_STATE_H_
