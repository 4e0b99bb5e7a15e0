#include "onnx/import.h"

#include <fstream>
#include <map>
#include <queue>
#include <string>
#include <vector>

#include "graph/error.h"
#include "graph/model.h"
#include "graph/model_text.h"
#include "graph/module.h"
#include "graph/registry.h"
#include "graph/strings.h"
#include "onnx/import_node.h"
#include "onnx/import_state.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

using import_internal::ImportNode;
using import_internal::ImportState;
using import_internal::NodeLabel;
using import_internal::Quoted;
using import_internal::Sanitize;
using import_internal::Slot;

constexpr int64_t kMaxIrVersion = 8;  // onnx 1.12
constexpr int64_t kMinIrVersion = 3;  // the first with opset_import

class Importer : public ImportState {
 public:
  Importer(const ::onnx::ModelProto& model, const std::string& path)
      : ImportState(path), model_(model), graph_(model.graph()) {}

  ImportedModel Run();

 private:
  void CheckOpset();
  void ReadInitializers();
  void ReadInputs();
  std::vector<int> SortNodes();
  void AddLoss();

  const ::onnx::ModelProto& model_;
  const ::onnx::GraphProto& graph_;
};

void Importer::CheckOpset() {
  bool found = false;
  for (const ::onnx::OperatorSetIdProto& op_set : model_.opset_import()) {
    if (op_set.domain().empty() || op_set.domain() == "ai.onnx") {
      found = true;
      opset_ = op_set.version();
    }
  }
  if (!found) {
    NABLA_THROW(kInvalidFile) << path_ << ": imports no opset of the default ONNX domain";
  }
  if (opset_ < kMinImportOpset || opset_ > kExportOpset) {
    NABLA_THROW(kInvalidFile) << path_ << ": opset " << opset_ << " is not supported: import reads "
                              << "opsets " << kMinImportOpset << " to " << kExportOpset;
  }
}

void Importer::ReadInitializers() {
  for (const ::onnx::TensorProto& t : graph_.initializer()) {
    const std::string label = "initializer " + Quoted(t.name());
    if (t.name().empty()) {
      Problem("an initializer has no name");
      continue;
    }
    if (values_.count(t.name())) {
      Problem(label + " is defined twice");
      continue;
    }
    Slot& v = values_[t.name()];
    std::string problem;
    if (!DecodeTensor(t, &v.constant, &problem)) {
      Problem(label + ": " + problem);
      v.kind = Slot::kBroken;
      continue;
    }
    v.kind = Slot::kConstant;
  }
}

void Importer::ReadInputs() {
  std::vector<const ::onnx::ValueInfoProto*> inputs;
  for (const ::onnx::ValueInfoProto& in : graph_.input()) {
    if (values_.count(in.name())) continue;  // an initializer listed as input (IR < 4)
    inputs.push_back(&in);
    // Until it is read successfully, so that nodes reading it are skipped
    // rather than reported as reading an unknown value.
    values_[in.name()].kind = Slot::kBroken;
  }
  if (inputs.size() != 1) {
    std::vector<std::string> names;
    for (const auto* in : inputs) names.push_back(Quoted(in->name()));
    Problem("the graph has " + std::to_string(inputs.size()) + " inputs" +
            (names.empty() ? "" : " (" + Join(names) + ")") +
            "; import needs exactly one (the images)");
    return;
  }
  const ::onnx::ValueInfoProto& in = *inputs[0];
  const std::string label = "graph input " + Quoted(in.name());
  if (Sanitize(in.name()).empty()) {
    Problem(label + ": the name has no letter or digit");
    return;
  }
  if (!in.type().has_tensor_type() ||
      in.type().tensor_type().elem_type() != ::onnx::TensorProto::FLOAT) {
    Problem(label + " must be a float tensor, found " +
            (in.type().has_tensor_type() ? TensorTypeName(in.type().tensor_type().elem_type())
                                         : std::string("a non-tensor type")));
    return;
  }
  const ::onnx::TensorShapeProto& shape = in.type().tensor_type().shape();
  if (!in.type().tensor_type().has_shape() || shape.dim_size() < 2 || shape.dim_size() > kMaxRank) {
    Problem(label + " must have 2 to " + std::to_string(kMaxRank) +
            " dims (the batch first), found " +
            (in.type().tensor_type().has_shape() ? std::to_string(shape.dim_size()) + " dims"
                                                 : std::string("no shape")));
    return;
  }
  std::vector<int64_t> dims{kUnknownDim};  // the batch is free in nabla
  bool ok = true;
  for (int i = 1; i < shape.dim_size(); ++i) {
    const ::onnx::TensorShapeProto::Dimension& d = shape.dim(i);
    if (!d.has_dim_value()) {
      Problem(label + ": dynamic shape: dim " + std::to_string(i) + " is " +
              (d.has_dim_param() ? Quoted(d.dim_param()) : std::string("unknown")) +
              "; nabla needs every dim but the first (the batch) fixed");
      ok = false;
    } else if (d.dim_value() < 1 || d.dim_value() > kMaxDim) {
      Problem(label + ": dim " + std::to_string(i) + " is " + std::to_string(d.dim_value()) +
              ", expected 1 to 2^31-1");
      ok = false;
    } else {
      dims.push_back(d.dim_value());
    }
  }
  if (!ok) return;
  std::string problem;
  std::vector<int64_t> rest(dims.begin() + 1, dims.end());
  if (CheckedElementCount(rest, &problem) < 0) {
    Problem(label + ": " + problem);
    return;
  }
  const std::string name = NewNodeName(in.name());
  proto::GraphInput* input = def_.add_inputs();
  input->set_name(name);
  input->set_dtype("float32");
  for (int64_t d : dims) input->mutable_shape()->add_dims(d);
  Slot& v = values_[in.name()];
  v.kind = Slot::kNabla;
  v.nabla = name;
  v.shape = Shape(dims);
  nabla_shapes_[name] = v.shape;
}

// Kahn's algorithm over value names; reports unknown inputs, values made
// twice and cycles, and returns the nodes that can run, in order.
std::vector<int> Importer::SortNodes() {
  const int n = graph_.node_size();
  std::map<std::string, int> producer;
  for (int i = 0; i < n; ++i) {
    for (const std::string& out : graph_.node(i).output()) {
      if (out.empty()) continue;
      if (values_.count(out) || producer.count(out)) {
        Problem(NodeLabel(graph_.node(i), i) + ": output " + Quoted(out) +
                " is already defined (by " +
                (producer.count(out) ? NodeLabel(graph_.node(producer[out]), producer[out])
                                     : std::string("an input or initializer")) +
                ")");
        continue;
      }
      producer[out] = i;
    }
  }
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> users(n);
  for (int i = 0; i < n; ++i) {
    for (const std::string& in : graph_.node(i).input()) {
      if (in.empty()) continue;
      ++consumers_[in];
      auto it = producer.find(in);
      if (it != producer.end()) {
        ++pending[i];
        users[it->second].push_back(i);
      } else if (!values_.count(in)) {
        Problem(NodeLabel(graph_.node(i), i) + ": input " + Quoted(in) +
                " is not a graph input, an initializer or any node's output");
      }
    }
  }
  for (const ::onnx::ValueInfoProto& out : graph_.output()) ++consumers_[out.name()];
  // Smallest index first keeps the file's order when it is already sorted.
  std::vector<int> order;
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  while (!ready.empty()) {
    const int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int user : users[i]) {
      if (--pending[user] == 0) ready.push(user);
    }
  }
  if (static_cast<int>(order.size()) < n) {
    std::vector<std::string> stuck;
    for (int i = 0; i < n; ++i) {
      if (pending[i] > 0) stuck.push_back(NodeLabel(graph_.node(i), i));
    }
    Problem("the graph has a cycle: " + Join(stuck) + " wait on each other");
  }
  return order;
}

void Importer::AddLoss() {
  if (graph_.output_size() != 1) {
    Problem("the graph has " + std::to_string(graph_.output_size()) +
            " outputs; import needs exactly one (the logits)");
    return;
  }
  const std::string& name = graph_.output(0).name();
  auto it = values_.find(name);
  if (it == values_.end()) {
    Problem("graph output " + Quoted(name) + " is not computed by any node");
    return;
  }
  const Slot& v = it->second;
  if (v.kind == Slot::kBroken) return;  // reported where it broke
  if (v.kind == Slot::kConstant || def_.inputs_size() == 0 || v.nabla == def_.inputs(0).name()) {
    Problem("graph output " + Quoted(name) + " does not depend on the input through any op");
    return;
  }
  if (v.shape.rank() != 2) {
    Problem("graph output " + Quoted(name) + " is " + v.shape.ToString() +
            "; nabla trains classifiers whose output is [batch, classes]");
    return;
  }
  def_.add_outputs(v.nabla);
  proto::GraphInput* label = def_.add_inputs();
  label->set_name(NewNodeName("label"));
  label->set_dtype("int32");
  label->mutable_shape()->add_dims(kUnknownDim);
  proto::NodeDef* loss = def_.add_nodes();
  loss->set_name(NewNodeName("loss"));
  loss->set_op("SoftmaxCrossEntropy");
  loss->add_inputs(v.nabla);
  loss->add_inputs(label->name());
  def_.set_loss(loss->name());
}

ImportedModel Importer::Run() {
  CheckOpset();
  def_.set_format_version(kModelFormatVersion);
  def_.set_name(graph_.name().empty() ? "ImportedModel" : graph_.name());
  std::string producer = model_.producer_name();
  if (!model_.producer_version().empty()) producer += " " + model_.producer_version();
  def_.set_description("imported from " + path_ + " (ONNX opset " + std::to_string(opset_) +
                       (producer.empty() ? "" : ", made by " + producer) + ")");
  // Reserved for AddLoss, so imported inputs and nodes never take them.
  used_names_ = {"label", "loss"};
  ReadInitializers();
  ReadInputs();
  std::vector<int> order = SortNodes();
  for (int i : order) ImportNode(this, graph_.node(i), i);
  used_names_.erase("label");
  used_names_.erase("loss");
  if (problems_.empty()) AddLoss();
  if (problems_.empty()) {
    LoadedModelDef loaded;
    loaded.def = def_;
    loaded.source.path = path_;
    for (const GraphProblem& p : ValidateModelDef(loaded)) problems_.push_back(FormatProblem(p));
  }
  if (!problems_.empty()) {
    // A hostile file can have a problem per node; a listing that long helps
    // nobody.
    constexpr size_t kMaxListed = 100;
    if (problems_.size() > kMaxListed) {
      const size_t more = problems_.size() - kMaxListed;
      problems_.resize(kMaxListed);
      problems_.push_back(path_ + ": ... and " + std::to_string(more) + " more problems");
    }
    if (unsupported_ops_) {
      problems_.push_back(path_ + ": import supports the ONNX ops " + Join(ImportableOps()));
    }
    NABLA_THROW(kInvalidFile) << Join(problems_, "\n");
  }
  ImportedModel out;
  out.def = def_;
  for (const proto::NodeDef& node : def_.nodes()) {
    auto it = emitted_.find(node.name());
    if (it == emitted_.end()) continue;
    const OpSchema& schema = OpRegistry::Global().Get(node.op());
    for (const ParamSpec& spec : schema.params()) {
      const Constant& c = it->second.params.at(spec.name);
      out.params.emplace_back(node.name() + "." + spec.name,
                              Tensor::FromVector(Shape(c.dims), c.floats));
    }
    for (const StateSpec& spec : schema.states()) {
      const Constant& c = it->second.params.at(spec.name);
      out.params.emplace_back(kStateTensorPrefix + node.name() + "." + spec.name,
                              Tensor::FromVector(Shape(c.dims), c.floats));
    }
  }
  return out;
}

}  // namespace

::onnx::ModelProto ParseOnnxModel(const std::string& bytes, const std::string& path) {
  ::onnx::ModelProto model;
  if (bytes.empty()) NABLA_THROW(kInvalidFile) << path << ": the file is empty, not an ONNX model";
  if (!model.ParseFromString(bytes)) {
    NABLA_THROW(kInvalidFile) << path << ": not an ONNX model: its " << bytes.size()
                              << " bytes do not parse as onnx.ModelProto (truncated or another "
                                 "format)";
  }
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion) {
    NABLA_THROW(kInvalidFile) << path << ": ONNX IR version " << model.ir_version()
                              << " is not supported: import reads IR versions " << kMinIrVersion
                              << " to " << kMaxIrVersion
                              << (model.ir_version() == 0 ? " (is this an ONNX model?)" : "");
  }
  if (!model.has_graph()) NABLA_THROW(kInvalidFile) << path << ": the model has no graph";
  return model;
}

::onnx::ModelProto ReadOnnxFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) NABLA_THROW(kNotFound) << path << ": cannot open the ONNX file";
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (size < 0)
    NABLA_THROW(kInvalidFile) << path << ": cannot read the ONNX file (not a regular file?)";
  if (size > kMaxFileBytes) {
    NABLA_THROW(kInvalidFile) << path << ": " << size
                              << " bytes is above protobuf's 2 GiB limit for one message";
  }
  file.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!file.read(bytes.data(), size)) NABLA_THROW(kInvalidFile) << path << ": read failed";
  return ParseOnnxModel(bytes, path);
}

ImportedModel ImportModel(const ::onnx::ModelProto& model, const std::string& path) {
  return Importer(model, path).Run();
}

}  // namespace nabla::onnx_io
