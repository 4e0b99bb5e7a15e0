// Private to onnx/import.cc: one ONNX node through its entry of the import
// table (onnx/op_table.h), with the ImportContext the entry sees.
#ifndef NABLA_ONNX_IMPORT_NODE_H_
#define NABLA_ONNX_IMPORT_NODE_H_

#include "onnx/import_state.h"
#include "onnx/onnx_pb.h"

namespace nabla::onnx_io::import_internal {

// Runs the node's entry from the import table with its context: emits the
// nabla nodes, records what its outputs stand for (state->values()) and
// reports every problem, unsupported ops and attributes included. A node
// reading a value broken by an earlier problem reports only unsupported
// ops and attributes (one cause, one line).
void ImportNode(ImportState* state, const ::onnx::NodeProto& node, int index);

}  // namespace nabla::onnx_io::import_internal

#endif  // NABLA_ONNX_IMPORT_NODE_H_
