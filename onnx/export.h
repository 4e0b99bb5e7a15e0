// ONNX export: a GraphModel with its trained parameters as an ONNX model
// (opset 17, IR version 8) that ONNX Runtime and onnx.checker accept.
//
// What is exported: the nodes the model's outputs depend on, each through
// its entry in the op table (onnx/op_table.h, one per op in onnx/ops/); the
// graph inputs those nodes read; the outputs (the logits) with the free
// batch dimension as the symbolic dim "batch". The loss node and the label
// input are left out. Parameters become float initializers named as in
// checkpoints ("fc1.weight"); ONNX values are named after nabla nodes.
//
// Errors: every node with no ONNX form (a plugin op, say) or whose
// attributes have none is listed in one Error(kInvalidFile), one line per
// node, "MODEL: node 'act1' (Swish): ...". Nothing is written unless the
// whole model exports; the file is written atomically.
#ifndef NABLA_ONNX_EXPORT_H_
#define NABLA_ONNX_EXPORT_H_

#include <string>

#include "graph/model.h"
#include "onnx/onnx_pb.h"

namespace nabla::onnx_io {

// `model_path` is only used in messages.
::onnx::ModelProto ExportModel(const GraphModel& model, const std::string& model_path);

// ExportModel, serialised and written atomically to `out_path`.
void ExportModelFile(const GraphModel& model, const std::string& model_path,
                     const std::string& out_path);

}  // namespace nabla::onnx_io

#endif  // NABLA_ONNX_EXPORT_H_
