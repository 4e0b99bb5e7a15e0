#include "onnx/import.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <sstream>

#include "graph/error.h"
#include "graph/model.h"
#include "graph/model_text.h"
#include "graph/registry.h"
#include "graph/strings.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io {
namespace {

constexpr int64_t kMaxIrVersion = 8;  // onnx 1.12
constexpr int64_t kMinIrVersion = 3;  // the first with opset_import

// A nabla node name or graph input name from an ONNX name: letters, digits
// and '_' ("/fc1/Gemm" -> "fc1_Gemm"); '.' would clash with parameter names.
std::string Sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (ok) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string Quoted(const std::string& name) { return "'" + name + "'"; }

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

class Importer {
 public:
  Importer(const ::onnx::ModelProto& model, const std::string& path)
      : model_(model), graph_(model.graph()), path_(path) {}

  ImportedModel Run();

  // Used by NodeImport.
  void Problem(const std::string& message) { problems_.push_back(path_ + ": " + message); }
  std::map<std::string, Slot>& values() { return values_; }
  int64_t opset() const { return opset_; }
  std::string NewNodeName(const std::string& wanted);
  proto::ModelDef& def() { return def_; }
  std::map<std::string, EmittedNode>& emitted() { return emitted_; }
  std::map<std::string, Shape>& nabla_shapes() { return nabla_shapes_; }
  int consumers(const std::string& onnx_value) const {
    auto it = consumers_.find(onnx_value);
    return it == consumers_.end() ? 0 : it->second;
  }

 private:
  void CheckOpset();
  void ReadInitializers();
  void ReadInputs();
  std::vector<int> SortNodes();
  void ImportNode(const ::onnx::NodeProto& node, int index);
  void AddLoss();

  const ::onnx::ModelProto& model_;
  const ::onnx::GraphProto& graph_;
  std::string path_;
  int64_t opset_ = 0;
  bool unsupported_ops_ = false;
  std::vector<std::string> problems_;
  std::map<std::string, Slot> values_;
  std::map<std::string, int> consumers_;
  std::set<std::string> used_names_;
  std::map<std::string, int64_t> next_suffix_;  // the next "_k" to try, per base
  std::map<std::string, EmittedNode> emitted_;  // by nabla node name
  std::map<std::string, Shape> nabla_shapes_;   // nabla inputs and nodes
  proto::ModelDef def_;
};

std::string NodeLabel(const ::onnx::NodeProto& node, int index) {
  std::string name = node.name().empty() ? "#" + std::to_string(index) : Quoted(node.name());
  return "node " + name + " (" + node.op_type() + ")";
}

class NodeImport : public ImportContext {
 public:
  // `quiet`: an input is already broken by an earlier problem, so only
  // attribute problems are reported (one cause, one line; yet every
  // unsupported attribute is listed).
  NodeImport(Importer* importer, const ::onnx::NodeProto& node, int index, bool quiet)
      : importer_(importer), node_(node), label_(NodeLabel(node, index)), quiet_(quiet) {
    for (const ::onnx::AttributeProto& a : node.attribute()) {
      if (!attrs_.emplace(a.name(), &a).second) {
        ReportAlways("attribute " + Quoted(a.name()) + " is given twice");
      }
    }
  }

  const ::onnx::NodeProto& node() const override { return node_; }
  int64_t opset() const override { return importer_->opset(); }
  int num_inputs() const override { return node_.input_size(); }
  bool has_input(int i) const override { return i < node_.input_size() && !node_.input(i).empty(); }

  bool IsConstant(int i) const override {
    const Slot* v = Find(i);
    return v != nullptr && v->kind == Slot::kConstant;
  }

  std::string Value(int i) override {
    const Slot* v = Find(i);
    if (v == nullptr) {
      Unsupported("input " + std::to_string(i) + " is missing");
      return "";
    }
    if (v->kind == Slot::kConstant) {
      Unsupported("input " + std::to_string(i) + " " + Quoted(node_.input(i)) +
                  " is a constant; nabla's op takes a computed value there");
      return "";
    }
    return v->nabla;
  }

  Shape ValueShape(int i) const override {
    const Slot* v = Find(i);
    return v != nullptr && v->kind == Slot::kNabla ? v->shape : Shape();
  }

  const Constant* Const(int i, const std::string& what) override {
    const Slot* v = Find(i);
    if (v == nullptr || v->kind != Slot::kConstant) {
      Unsupported(what + " (input " + std::to_string(i) +
                  (has_input(i) ? " " + Quoted(node_.input(i)) : "") +
                  ") must be an initializer or a Constant");
      return nullptr;
    }
    return &v->constant;
  }

  bool HasAttr(const std::string& name) override { return attrs_.count(name) > 0; }

  int64_t AttrInt(const std::string& name, int64_t default_value) override {
    const ::onnx::AttributeProto* a = Read(name, ::onnx::AttributeProto::INT, "an int");
    return a ? a->i() : default_value;
  }

  float AttrFloat(const std::string& name, float default_value) override {
    const ::onnx::AttributeProto* a = Read(name, ::onnx::AttributeProto::FLOAT, "a float");
    return a ? a->f() : default_value;
  }

  std::vector<int64_t> AttrInts(const std::string& name,
                                const std::vector<int64_t>& default_value) override {
    const ::onnx::AttributeProto* a = Read(name, ::onnx::AttributeProto::INTS, "a list of ints");
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : default_value;
  }

  std::string AttrString(const std::string& name, const std::string& default_value) override {
    const ::onnx::AttributeProto* a = Read(name, ::onnx::AttributeProto::STRING, "a string");
    return a ? a->s() : default_value;
  }

  std::optional<Constant> AttrConstant(const std::string& name) override {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) return std::nullopt;
    read_.insert(name);
    const ::onnx::AttributeProto& a = *it->second;
    Constant c;
    switch (a.type()) {
      case ::onnx::AttributeProto::TENSOR: {
        std::string problem;
        if (!DecodeTensor(a.t(), &c, &problem)) {
          Unsupported("attribute " + Quoted(name) + ": tensor " + problem);
          return std::nullopt;
        }
        return c;
      }
      case ::onnx::AttributeProto::FLOAT:
        c.floats = {a.f()};
        return c;
      case ::onnx::AttributeProto::FLOATS:
        c.dims = {a.floats_size()};
        c.floats.assign(a.floats().begin(), a.floats().end());
        return c;
      case ::onnx::AttributeProto::INT:
        c.is_float = false;
        c.ints = {a.i()};
        return c;
      case ::onnx::AttributeProto::INTS:
        c.is_float = false;
        c.dims = {a.ints_size()};
        c.ints.assign(a.ints().begin(), a.ints().end());
        return c;
      default:
        Unsupported("attribute " + Quoted(name) + " of this type is not supported");
        return std::nullopt;
    }
  }

  std::string Emit(const std::string& op, const std::vector<std::string>& inputs,
                   const AttrMap& attrs, const std::map<std::string, Constant>& params,
                   int output) override {
    if (failed_ || output >= node_.output_size()) {
      if (!failed_) Unsupported("has no output " + std::to_string(output));
      return "";
    }
    for (const std::string& in : inputs) {
      if (in.empty()) return "";  // already reported
    }
    const OpSchema* schema = OpRegistry::Global().Find(op);
    NABLA_CHECK(schema != nullptr) << "ONNX import entry emits unknown nabla op " << op;
    AttrMap completed = attrs;
    std::vector<std::string> attr_problems = schema->CheckAttrs(&completed);
    if (!attr_problems.empty()) {
      Unsupported("as nabla " + op + ": " + Join(attr_problems, "; "));
      return "";
    }
    std::vector<Shape> shapes;
    for (const std::string& in : inputs) shapes.push_back(ShapeOfNabla(in));
    for (const ParamSpec& spec : schema->params()) {
      auto it = params.find(spec.name);
      NABLA_CHECK(it != params.end()) << op << " needs parameter " << spec.name;
      Shape expected = spec.shape(completed);
      if (it->second.dims != expected.dims() || !it->second.is_float) {
        Unsupported(spec.name + " has dims " + DimsToString(it->second.dims) + ", nabla's " + op +
                    " needs " + expected.ToString() + " floats");
        return "";
      }
      shapes.push_back(expected);
    }
    Shape out;
    try {
      out = schema->shape_fn()(shapes, completed).at(0);
    } catch (const Error& e) {
      Unsupported("as nabla " + op + ": " + e.what());
      return "";
    }
    const std::string& onnx_name = node_.output(output);
    std::string wanted = node_.name().empty() ? onnx_name : node_.name();
    if (Sanitize(wanted).empty()) wanted = op;
    const std::string name = importer_->NewNodeName(wanted);
    proto::NodeDef* n = importer_->def().add_nodes();
    n->set_name(name);
    n->set_op(op);
    for (const std::string& in : inputs) n->add_inputs(in);
    for (const auto& [key, value] : attrs) (*n->mutable_attrs())[key] = AttrToProto(value);
    importer_->emitted()[name] = {importer_->def().nodes_size() - 1, onnx_name, params};
    Slot& v = importer_->values()[onnx_name];
    v.kind = Slot::kNabla;
    v.nabla = name;
    v.shape = out;
    importer_->nabla_shapes()[name] = out;
    return name;
  }

  void Alias(int output, const std::string& value) override {
    if (failed_ || value.empty() || output >= node_.output_size()) return;
    Slot& v = importer_->values()[node_.output(output)];
    v.kind = Slot::kNabla;
    v.nabla = value;
    v.shape = ShapeOfNabla(value);
  }

  void SetConstant(int output, Constant value) override {
    if (failed_ || output >= node_.output_size()) return;
    Slot& v = importer_->values()[node_.output(output)];
    v.kind = Slot::kConstant;
    v.constant = std::move(value);
  }

  std::map<std::string, Constant>* FoldableParams(const std::string& name,
                                                  std::string* op) override {
    auto it = importer_->emitted().find(name);
    if (it == importer_->emitted().end()) return nullptr;
    if (importer_->consumers(it->second.onnx_value) != 1) return nullptr;
    *op = importer_->def().nodes(it->second.index).op();
    return &it->second.params;
  }

  void Unsupported(const std::string& what) override {
    failed_ = true;
    if (!quiet_) importer_->Problem(label_ + ": " + what);
  }

  // Reported even when quiet: unsupported ops and attributes.
  void ReportAlways(const std::string& what) {
    failed_ = true;
    importer_->Problem(label_ + ": " + what);
  }

  // After the entry ran: every attribute it did not read.
  void ReportUnreadAttrs() {
    for (const auto& [name, attr] : attrs_) {
      if (!read_.count(name)) {
        ReportAlways("attribute " + Quoted(name) + " is not supported");
      }
    }
  }

  bool failed() const { return failed_; }

 private:
  const Slot* Find(int i) const {
    if (!has_input(i)) return nullptr;
    auto it = importer_->values().find(node_.input(i));
    return it == importer_->values().end() ? nullptr : &it->second;
  }

  Shape ShapeOfNabla(const std::string& nabla_name) const {
    auto it = importer_->nabla_shapes().find(nabla_name);
    return it == importer_->nabla_shapes().end() ? Shape() : it->second;
  }

  const ::onnx::AttributeProto* Read(const std::string& name,
                                     ::onnx::AttributeProto::AttributeType type, const char* what) {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) return nullptr;
    read_.insert(name);
    if (it->second->type() != type) {
      ReportAlways("attribute " + Quoted(name) + " must be " + what);
      return nullptr;
    }
    return it->second;
  }

  Importer* importer_;
  const ::onnx::NodeProto& node_;
  std::string label_;
  std::map<std::string, const ::onnx::AttributeProto*> attrs_;
  std::set<std::string> read_;
  bool quiet_;
  bool failed_ = false;
};

std::string Importer::NewNodeName(const std::string& wanted) {
  std::string base = Sanitize(wanted);
  if (base.empty()) base = "node";
  std::string name = base;
  // Per-base counters keep this linear when a file repeats one name.
  int64_t& k = next_suffix_[base];
  if (k < 2) k = 2;
  while (used_names_.count(name)) name = base + "_" + std::to_string(k++);
  used_names_.insert(name);
  return name;
}

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

void Importer::ImportNode(const ::onnx::NodeProto& node, int index) {
  bool inputs_ok = true;
  for (const std::string& in : node.input()) {
    auto it = values_.find(in);
    if (!in.empty() && (it == values_.end() || it->second.kind == Slot::kBroken)) inputs_ok = false;
  }
  NodeImport ctx(this, node, index, /*quiet=*/!inputs_ok);
  const ImportFn* fn = nullptr;
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    ctx.ReportAlways("op domain " + Quoted(node.domain()) + " is not supported");
    unsupported_ops_ = true;
  } else if ((fn = FindImporter(node.op_type())) == nullptr) {
    ctx.ReportAlways("unsupported op " + node.op_type());
    unsupported_ops_ = true;
  }
  // Unsupported ops are listed wherever they are; a node downstream of a
  // problem runs quietly, for its attribute problems only.
  if (fn != nullptr) {
    (*fn)(ctx);
    ctx.ReportUnreadAttrs();
  }
  if (!inputs_ok) {
    for (const std::string& out : node.output()) values_[out].kind = Slot::kBroken;
    return;
  }
  for (int k = 0; k < node.output_size(); ++k) {
    const std::string& out = node.output(k);
    if (out.empty()) continue;
    if (!ctx.failed() && !values_.count(out) && consumers(out) > 0) {
      ctx.Unsupported("output " + std::to_string(k) + " " + Quoted(out) +
                      " is used, and import does not produce it");
    }
    if (ctx.failed() || !values_.count(out)) values_[out].kind = Slot::kBroken;
  }
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
  for (int i : order) ImportNode(graph_.node(i), i);
  used_names_.erase("label");
  used_names_.erase("loss");
  if (problems_.empty()) AddLoss();
  if (problems_.empty()) {
    LoadedModelDef loaded;
    loaded.def = def_;
    loaded.source.path = path_;
    for (const std::string& p : ValidateModelDef(loaded)) problems_.push_back(p);
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
