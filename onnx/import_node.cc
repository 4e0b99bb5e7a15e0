#include "onnx/import_node.h"

#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/error.h"
#include "graph/model_text.h"
#include "graph/registry.h"
#include "graph/strings.h"
#include "onnx/op_table.h"
#include "onnx/tensor_proto.h"

namespace nabla::onnx_io::import_internal {

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

std::string NodeLabel(const ::onnx::NodeProto& node, int index) {
  std::string name = node.name().empty() ? "#" + std::to_string(index) : Quoted(node.name());
  return "node " + name + " (" + node.op_type() + ")";
}

std::string ImportState::NewNodeName(const std::string& wanted) {
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

namespace {

class NodeImport : public ImportContext {
 public:
  // `quiet`: an input is already broken by an earlier problem, so only
  // attribute problems are reported (one cause, one line; yet every
  // unsupported attribute is listed).
  NodeImport(ImportState* importer, const ::onnx::NodeProto& node, int index, bool quiet)
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
    for (const StateSpec& spec : schema->states()) {
      auto it = params.find(spec.name);
      NABLA_CHECK(it != params.end()) << op << " needs state " << spec.name;
      Shape expected = spec.shape(completed);
      if (it->second.dims != expected.dims() || !it->second.is_float) {
        Unsupported(spec.name + " has dims " + DimsToString(it->second.dims) + ", nabla's " + op +
                    " needs " + expected.ToString() + " floats");
        return "";
      }
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

  ImportState* importer_;
  const ::onnx::NodeProto& node_;
  std::string label_;
  std::map<std::string, const ::onnx::AttributeProto*> attrs_;
  std::set<std::string> read_;
  bool quiet_;
  bool failed_ = false;
};

}  // namespace

void ImportNode(ImportState* state, const ::onnx::NodeProto& node, int index) {
  std::map<std::string, Slot>& values = state->values();
  bool inputs_ok = true;
  for (const std::string& in : node.input()) {
    auto it = values.find(in);
    if (!in.empty() && (it == values.end() || it->second.kind == Slot::kBroken)) inputs_ok = false;
  }
  NodeImport ctx(state, node, index, /*quiet=*/!inputs_ok);
  const ImportFn* fn = nullptr;
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    ctx.ReportAlways("op domain " + Quoted(node.domain()) + " is not supported");
    state->NoteUnsupportedOp();
  } else if ((fn = FindImporter(node.op_type())) == nullptr) {
    ctx.ReportAlways("unsupported op " + node.op_type());
    state->NoteUnsupportedOp();
  }
  // Unsupported ops are listed wherever they are; a node downstream of a
  // problem runs quietly, for its attribute problems only.
  if (fn != nullptr) {
    (*fn)(ctx);
    ctx.ReportUnreadAttrs();
  }
  if (!inputs_ok) {
    for (const std::string& out : node.output()) values[out].kind = Slot::kBroken;
    return;
  }
  for (int k = 0; k < node.output_size(); ++k) {
    const std::string& out = node.output(k);
    if (out.empty()) continue;
    if (!ctx.failed() && !values.count(out) && state->consumers(out) > 0) {
      ctx.Unsupported("output " + std::to_string(k) + " " + Quoted(out) +
                      " is used, and import does not produce it");
    }
    if (ctx.failed() || !values.count(out)) values[out].kind = Slot::kBroken;
  }
}

}  // namespace nabla::onnx_io::import_internal
