#include "onnx/export.h"

#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "graph/atomic_file.h"
#include "graph/error.h"
#include "graph/registry.h"
#include "graph/strings.h"
#include "graph/version.h"
#include "onnx/op_table.h"

namespace nabla::onnx_io {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "raw_data is little-endian; this writer copies floats as they lie in memory");

constexpr char kBatchDim[] = "batch";

void SetTensorType(::onnx::ValueInfoProto* info, int32_t elem_type, const Shape& shape) {
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* dims = tensor->mutable_shape();
  for (int64_t d : shape.dims()) {
    auto* dim = dims->add_dim();
    if (d == kUnknownDim) {
      dim->set_dim_param(kBatchDim);
    } else {
      dim->set_dim_value(d);
    }
  }
}

class NodeExport : public ExportContext {
 public:
  NodeExport(const GraphModel& model, const proto::NodeDef& node, ::onnx::GraphProto* graph,
             const std::map<std::string, Shape>& value_shapes, std::vector<std::string>* problems,
             const std::string& label)
      : model_(model), node_(node), graph_(graph), problems_(problems), label_(label) {
    layer_ = model.layer(node.name());
    for (const std::string& in : node.inputs()) shapes_.push_back(value_shapes.at(in));
  }

  const std::string& node_name() const override { return node_.name(); }
  const AttrMap& attrs() const override { return layer_->call().attrs(); }
  int num_inputs() const override { return node_.inputs_size(); }
  const std::string& input(int i) const override { return node_.inputs(i); }
  const Shape& input_shape(int i) const override { return shapes_.at(i); }
  const Tensor& param(const std::string& name) const override {
    return layer_->parameter(name).value();
  }
  const Tensor& state(const std::string& name) const override {
    return layer_->state(name).value();
  }

  std::string AddFloatInitializer(const std::string& suffix, const std::vector<int64_t>& dims,
                                  const Tensor& values) override {
    ::onnx::TensorProto* t = NewInitializer(suffix, dims, ::onnx::TensorProto::FLOAT);
    NABLA_CHECK(values.dtype() == DType::kFloat32) << node_.name() << "." << suffix;
    t->set_raw_data(values.data<float>(), values.size() * sizeof(float));
    return t->name();
  }

  std::string AddInt64Initializer(const std::string& suffix, const std::vector<int64_t>& dims,
                                  const std::vector<int64_t>& values) override {
    ::onnx::TensorProto* t = NewInitializer(suffix, dims, ::onnx::TensorProto::INT64);
    for (int64_t v : values) t->add_int64_data(v);
    return t->name();
  }

  ::onnx::NodeProto* AddNode(const std::string& op_type, const std::vector<std::string>& inputs,
                             const std::string& output) override {
    ::onnx::NodeProto* n = graph_->add_node();
    const std::string out = output.empty() ? node_.name() : output;
    n->set_name(out);
    n->set_op_type(op_type);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(out);
    return n;
  }

  void Unsupported(const std::string& what) override { problems_->push_back(label_ + ": " + what); }

 private:
  ::onnx::TensorProto* NewInitializer(const std::string& suffix, const std::vector<int64_t>& dims,
                                      int32_t type) {
    ::onnx::TensorProto* t = graph_->add_initializer();
    t->set_name(node_.name() + "." + suffix);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }

  const GraphModel& model_;
  const proto::NodeDef& node_;
  ::onnx::GraphProto* graph_;
  std::vector<std::string>* problems_;
  std::string label_;
  std::shared_ptr<OpLayer> layer_;
  std::vector<Shape> shapes_;
};

}  // namespace

::onnx::ModelProto ExportModel(const GraphModel& model, const std::string& model_path) {
  const proto::ModelDef& def = model.def();
  std::map<std::string, int> node_index;
  for (int i = 0; i < def.nodes_size(); ++i) node_index[def.nodes(i).name()] = i;

  // The nodes the outputs depend on; the loss and the label drop out.
  std::set<std::string> needed;
  std::vector<std::string> stack(def.outputs().begin(), def.outputs().end());
  while (!stack.empty()) {
    std::string name = stack.back();
    stack.pop_back();
    if (!needed.insert(name).second) continue;
    auto it = node_index.find(name);
    if (it == node_index.end()) continue;  // a graph input
    for (const std::string& in : def.nodes(it->second).inputs()) stack.push_back(in);
  }

  ::onnx::ModelProto out;
  out.set_ir_version(kExportIrVersion);
  out.set_producer_name("nabla");
  out.set_producer_version(NABLA_VERSION);
  out.set_doc_string(def.description());
  auto* opset = out.add_opset_import();
  opset->set_domain("");
  opset->set_version(kExportOpset);
  ::onnx::GraphProto* graph = out.mutable_graph();
  graph->set_name(def.name().empty() ? "nabla" : def.name());

  std::map<std::string, Shape> value_shapes;
  for (const GraphInputSpec& in : model.input_specs()) {
    value_shapes[in.name] = in.shape;
    if (!needed.count(in.name)) continue;
    SetTensorType(
        graph->add_input(),
        in.dtype == DType::kInt32 ? ::onnx::TensorProto::INT32 : ::onnx::TensorProto::FLOAT,
        in.shape);
    graph->mutable_input(graph->input_size() - 1)->set_name(in.name);
  }

  std::vector<std::string> problems;
  bool unsupported_ops = false;
  for (const proto::NodeDef& node : def.nodes()) {
    value_shapes[node.name()] = model.node_shape(node.name());
    if (!needed.count(node.name())) continue;
    const std::string label = model_path + ": node '" + node.name() + "' (" + node.op() + ")";
    const ExportFn* fn = FindExporter(node.op());
    if (fn == nullptr) {
      problems.push_back(label + ": op " + node.op() + " (" +
                         OpRegistry::Global().OriginOf(node.op()).ToString() +
                         ") has no ONNX form");
      unsupported_ops = true;
      continue;
    }
    NodeExport ctx(model, node, graph, value_shapes, &problems, label);
    (*fn)(ctx);
  }
  for (const std::string& name : def.outputs()) {
    ::onnx::ValueInfoProto* info = graph->add_output();
    info->set_name(name);
    SetTensorType(info, ::onnx::TensorProto::FLOAT, value_shapes.at(name));
  }
  if (unsupported_ops) {
    problems.push_back(model_path + ": export supports the nabla ops " + Join(ExportableOps()));
  }
  if (!problems.empty()) {
    std::string message = Join(problems, "\n");
    NABLA_THROW(kInvalidFile) << message;
  }
  return out;
}

void ExportModelFile(const GraphModel& model, const std::string& model_path,
                     const std::string& out_path) {
  ::onnx::ModelProto proto = ExportModel(model, model_path);
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    NABLA_THROW(kInvalidArgument) << out_path << ": the ONNX model does not serialise ("
                                  << proto.ByteSizeLong() << " bytes; protobuf's limit is 2 GiB)";
  }
  WriteFileAtomic(out_path, bytes);
}

}  // namespace nabla::onnx_io
