#include "graph/model.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>

#include "graph/registry.h"
#include "graph/strings.h"

namespace nabla {
namespace {

// " (close names: fc1, fc2)", or "" when nothing is close.
std::string CloseNames(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::string> close = CloseMatches(name, candidates, 3);
  return close.empty() ? "" : " (close names: " + Join(close) + ")";
}

std::string LineCol(SourceLocation at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

// The attribute a CheckAttrs message is about: the first quoted name.
std::string QuotedName(const std::string& message) {
  size_t open = message.find('\'');
  size_t close = open == std::string::npos ? open : message.find('\'', open + 1);
  return close == std::string::npos ? "" : message.substr(open + 1, close - open - 1);
}

bool IsScalar(const Shape& shape) { return shape.num_elements() == 1; }

// What validation learns about each node; GraphModel builds from it.
struct CheckedNode {
  const OpSchema* op = nullptr;
  AttrMap attrs;               // completed with defaults
  std::optional<Shape> shape;  // none when a problem stopped inference
};

struct CheckedModel {
  std::vector<GraphInputSpec> inputs;
  std::vector<CheckedNode> nodes;
  std::vector<std::string> problems;
};

// Walks the file once, in order, collecting every problem instead of
// stopping at the first. A node with a problem gets no shape, and nodes
// that use it skip shape inference, so one mistake is reported once rather
// than once per downstream node.
class Checker {
 public:
  explicit Checker(const LoadedModelDef& loaded)
      : loaded_(loaded), def_(loaded.def), source_(loaded.source) {}

  CheckedModel Check() {
    result_.problems = loaded_.problems;
    CheckHeader();
    for (int i = 0; i < def_.nodes_size(); ++i) {
      const std::string& name = def_.nodes(i).name();
      if (!name.empty() && first_node_.emplace(name, i).second) node_names_.push_back(name);
    }
    CheckGraphInputs();
    for (int i = 0; i < def_.nodes_size(); ++i) CheckNode(i);
    CheckOutputsAndLoss();
    return std::move(result_);
  }

 private:
  // Something a node input can name: a graph input or an earlier node.
  struct Value {
    bool is_int = false;
    bool dtype_known = true;
    std::optional<Shape> shape;
    std::string what;  // "graph input 'label'", "node 'fc3'"
  };

  void Report(SourceLocation at, const std::string& message) {
    result_.problems.push_back(source_.Prefix(at) + message);
  }

  std::string Label(int i) const {
    const std::string& name = def_.nodes(i).name();
    return name.empty() ? "node #" + std::to_string(i) : "node '" + name + "'";
  }
  std::string LabelOp(int i) const { return Label(i) + " (" + def_.nodes(i).op() + ")"; }
  std::string OverrideNote(int i, const std::string& attr) const {
    if (i >= static_cast<int>(source_.nodes.size())) return "";
    auto it = source_.nodes[i].overridden.find(attr);
    return it == source_.nodes[i].overridden.end() ? "" : " (set by override '" + it->second + "')";
  }

  void CheckHeader() {
    int version = def_.format_version();
    if (version == 0) {
      Report(source_.format_version, "format_version is missing: expected format_version: " +
                                         std::to_string(kModelFormatVersion));
    } else if (version > kModelFormatVersion) {
      Report(source_.format_version, "format_version " + std::to_string(version) +
                                         " is newer than this reader supports (" +
                                         std::to_string(kModelFormatVersion) + "); update nabla");
    } else if (version < 0) {
      Report(source_.format_version, "format_version " + std::to_string(version) +
                                         " is invalid: expected " +
                                         std::to_string(kModelFormatVersion));
    }
    if (def_.nodes_size() == 0) Report({}, "model has no nodes: expected at least one nodes { }");
  }

  void CheckGraphInputs() {
    std::map<std::string, SourceLocation> first;
    for (int k = 0; k < def_.inputs_size(); ++k) {
      const proto::GraphInput& in = def_.inputs(k);
      SourceLocation at =
          k < static_cast<int>(source_.inputs.size()) ? source_.inputs[k] : SourceLocation{};
      std::string label = "graph input '" + in.name() + "'";
      if (in.name().empty()) {
        Report(at, "graph input #" + std::to_string(k) + " has no name");
        continue;
      }
      if (!first.emplace(in.name(), at).second) {
        Report(at, label + " is declared twice (first at " + LineCol(first[in.name()]) + ")");
        continue;
      }
      Value value{false, true, std::nullopt, label};
      GraphInputSpec spec{in.name(), Shape(), DType::kFloat32};
      if (in.dtype() == "int32") {
        spec.dtype = DType::kInt32;
        value.is_int = true;
      } else if (!in.dtype().empty() && in.dtype() != "float32") {
        Report(at, label + ": dtype '" + in.dtype() +
                       "' is not supported: expected \"float32\" or \"int32\"");
        value.dtype_known = false;
      }
      bool shape_ok = in.has_shape();
      if (!shape_ok)
        Report(at, label + " has no shape: expected e.g. shape { dims: -1 dims: 784 }");
      for (int d = 0; shape_ok && d < in.shape().dims_size(); ++d) {
        int64_t dim = in.shape().dims(d);
        if (dim == 0 || dim < kUnknownDim) {
          Report(at, label + " dim " + std::to_string(d) +
                         ": expected a size > 0 or -1 (batch), found " + std::to_string(dim));
          shape_ok = false;
        }
      }
      if (shape_ok && in.shape().dims_size() > kMaxRank) {
        Report(at, label + ": rank " + std::to_string(in.shape().dims_size()) +
                       " exceeds the maximum " + std::to_string(kMaxRank));
        shape_ok = false;
      }
      if (shape_ok) {
        spec.shape =
            Shape(std::vector<int64_t>(in.shape().dims().begin(), in.shape().dims().end()));
        value.shape = spec.shape;
      }
      values_[in.name()] = value;
      result_.inputs.push_back(spec);
    }
  }

  void CheckNode(int i) {
    const proto::NodeDef& n = def_.nodes(i);
    SourceLocation at = source_.NodeAt(i);
    CheckedNode node;
    bool name_ok = false;
    if (n.name().empty()) {
      Report(at, Label(i) + " has no name: every node needs a unique name");
    } else if (first_node_.at(n.name()) != i) {
      Report(at, Label(i) + ": duplicate node name (first defined at " +
                     LineCol(source_.NodeAt(first_node_.at(n.name()))) + ")");
    } else if (values_.count(n.name())) {
      Report(at, Label(i) + ": name clashes with graph input '" + n.name() + "'");
    } else if (n.name().find('.') != std::string::npos) {
      Report(at, Label(i) + ": name must not contain '.' (it prefixes parameter names, as in '" +
                     n.name() + ".weight')");
    } else {
      name_ok = true;
    }

    if (n.op().empty()) {
      Report(at, Label(i) + " has no op");
    } else {
      node.op = OpRegistry::Global().Find(n.op());
      if (node.op == nullptr) {
        SourceLocation op_at =
            i < static_cast<int>(source_.nodes.size()) && source_.nodes[i].op.known()
                ? source_.nodes[i].op
                : at;
        Report(op_at, Label(i) + ": " + OpRegistry::Global().UnknownOpMessage(n.op()));
      }
    }
    bool attrs_ok = CheckAttrs(i, &node);
    bool inputs_ok = CheckInputs(i, node.op);
    if (node.op != nullptr && attrs_ok && inputs_ok) InferShape(i, &node);
    if (name_ok) values_[n.name()] = Value{false, true, node.shape, "node '" + n.name() + "'"};
    result_.nodes.push_back(std::move(node));
  }

  bool CheckAttrs(int i, CheckedNode* node) {
    const proto::NodeDef& n = def_.nodes(i);
    // Sorted, so messages come out in a stable order.
    std::map<std::string, const proto::AttrValue*> sorted;
    for (const auto& [name, value] : n.attrs()) sorted[name] = &value;
    bool ok = true;
    std::set<std::string> valueless;
    for (const auto& [name, value] : sorted) {
      try {
        node->attrs[name] = AttrFromProto(*value);
      } catch (const Error& e) {
        Report(source_.AttrAt(i, name),
               Label(i) + ": attribute '" + name + "' " + e.what() + OverrideNote(i, name));
        valueless.insert(name);
        ok = false;
      }
    }
    if (node->op == nullptr) return false;
    for (const std::string& problem : node->op->CheckAttrs(&node->attrs)) {
      std::string attr = QuotedName(problem);
      if (valueless.count(attr)) continue;  // already reported as having no value
      Report(source_.AttrAt(i, attr), LabelOp(i) + ": " + problem + OverrideNote(i, attr));
      ok = false;
    }
    return ok;
  }

  bool CheckInputs(int i, const OpSchema* op) {
    const proto::NodeDef& n = def_.nodes(i);
    bool ok = true;
    inputs_.clear();
    for (int j = 0; j < n.inputs_size(); ++j) {
      inputs_.push_back(Resolve(i, j));
      ok &= inputs_.back() != nullptr;
    }
    if (op == nullptr) return false;
    if (n.inputs_size() != static_cast<int>(op->inputs().size())) {
      std::vector<std::string> expected, found;
      for (const InputSpec& in : op->inputs()) expected.push_back(in.name);
      for (const std::string& in : n.inputs()) found.push_back("'" + in + "'");
      Report(source_.NodeAt(i), LabelOp(i) + ": expected " + std::to_string(expected.size()) +
                                    " input(s) (" + Join(expected) + "), found " +
                                    std::to_string(found.size()) +
                                    (found.empty() ? "" : " (" + Join(found) + ")"));
      return false;
    }
    for (int j = 0; j < n.inputs_size(); ++j) {
      const Value* v = inputs_[j];
      if (v == nullptr || !v->dtype_known || v->is_int == op->inputs()[j].is_int) continue;
      Report(source_.InputAt(i, j),
             Label(i) + " input " + std::to_string(j) + " (" + op->inputs()[j].name +
                 "): expected " + (op->inputs()[j].is_int ? "int32" : "float32") + ", found " +
                 (v->is_int ? "int32" : "float32") + " " + v->what);
      ok = false;
    }
    return ok;
  }

  // The value input j of node i names, or null after reporting why none.
  const Value* Resolve(int i, int j) {
    const std::string& ref = def_.nodes(i).inputs(j);
    SourceLocation at = source_.InputAt(i, j);
    std::string head = Label(i) + " input " + std::to_string(j);
    auto value = values_.find(ref);
    if (value != values_.end()) return &value->second;
    auto node = first_node_.find(ref);
    if (node == first_node_.end()) {
      std::vector<std::string> names = node_names_;
      for (const GraphInputSpec& in : result_.inputs) names.push_back(in.name);
      Report(at, head + ": unknown input '" + ref + "'" + CloseNames(ref, names));
    } else if (node->second == i) {
      Report(at, head + ": node uses itself (cycle)");
    } else if (node->second > i) {
      std::string later =
          "'" + ref + "' is defined later (at " + LineCol(source_.NodeAt(node->second)) + ")";
      std::vector<std::string> cycle = CyclePath(node->second, i);
      if (!cycle.empty()) {
        Report(at,
               head + ": " + later + " and depends on this node: cycle " + Join(cycle, " -> "));
      } else {
        Report(at, head + ": " + later + "; a node may only use graph inputs and earlier " +
                       "nodes - move '" + ref + "' before '" + def_.nodes(i).name() + "'");
      }
    }
    // An earlier node whose own name was rejected was reported already.
    return nullptr;
  }

  // Names on a path along which node `from` uses node `to`, starting with
  // `to` (so "a -> b -> a" reads "a uses b uses a"); empty when none.
  std::vector<std::string> CyclePath(int from, int to) const {
    std::map<int, int> parent{{from, -1}};
    std::vector<int> stack{from};
    while (!stack.empty()) {
      int k = stack.back();
      stack.pop_back();
      if (k == to) {
        std::vector<std::string> chain;  // to, ..., from
        for (int p = to; p != -1; p = parent.at(p)) chain.push_back(def_.nodes(p).name());
        std::vector<std::string> path{def_.nodes(to).name()};
        path.insert(path.end(), chain.rbegin(), chain.rend());
        return path;
      }
      for (const std::string& in : def_.nodes(k).inputs()) {
        auto it = first_node_.find(in);
        if (it != first_node_.end() && parent.emplace(it->second, k).second) {
          stack.push_back(it->second);
        }
      }
    }
    return {};
  }

  void InferShape(int i, CheckedNode* node) {
    const proto::NodeDef& n = def_.nodes(i);
    std::vector<Shape> shapes;
    std::vector<std::string> described;
    for (int j = 0; j < n.inputs_size(); ++j) {
      if (!inputs_[j]->shape) return;  // an upstream problem, reported there
      shapes.push_back(*inputs_[j]->shape);
      described.push_back(node->op->inputs()[j].name + " = '" + n.inputs(j) + "' " +
                          shapes.back().ToString());
    }
    try {
      for (const ParamSpec& p : node->op->params()) {
        shapes.push_back(p.shape(node->attrs));
      }
      std::vector<Shape> out = node->op->shape_fn()(shapes, node->attrs);
      NABLA_CHECK(!out.empty()) << n.op() << ": shape function returned no shapes";
      node->shape = out[0];
    } catch (const std::exception& e) {
      Report(source_.NodeAt(i), LabelOp(i) + ": shape mismatch: " + e.what() +
                                    " (inputs: " + Join(described, ", ") + ")");
    }
  }

  void CheckOutputsAndLoss() {
    std::set<std::string> seen;
    for (int k = 0; k < def_.outputs_size(); ++k) {
      SourceLocation at =
          k < static_cast<int>(source_.outputs.size()) ? source_.outputs[k] : SourceLocation{};
      std::string problem = CheckNodeRef(def_.outputs(k));
      if (!problem.empty()) {
        Report(at, "output " + std::to_string(k) + ": " + problem);
      } else if (!seen.insert(def_.outputs(k)).second) {
        Report(at, "output " + std::to_string(k) + ": '" + def_.outputs(k) + "' is listed twice");
      }
    }
    const std::string& loss = def_.loss();
    if (!loss.empty()) {
      std::string problem = CheckNodeRef(loss);
      const CheckedNode* node = problem.empty() ? &result_.nodes[first_node_.at(loss)] : nullptr;
      if (!problem.empty()) {
        Report(source_.loss, "loss: " + problem);
      } else if (node->shape && !IsScalar(*node->shape)) {
        Report(source_.loss, "loss '" + loss + "' must be a scalar, found shape " +
                                 node->shape->ToString() + " from op " +
                                 def_.nodes(first_node_.at(loss)).op() +
                                 " (a loss op such as SoftmaxCrossEntropy gives one)");
      }
    }
    if (def_.outputs_size() == 0 && loss.empty() && def_.nodes_size() > 0) {
      Report({}, "model declares no outputs and no loss: nothing to compute");
    }
  }

  // "" when `name` is a node, else why not.
  std::string CheckNodeRef(const std::string& name) const {
    if (first_node_.count(name)) return "";
    if (name.empty()) return "empty node name";
    for (const GraphInputSpec& in : result_.inputs) {
      if (in.name == name) return "'" + name + "' is a graph input, not a node";
    }
    return "unknown node '" + name + "'" + CloseNames(name, node_names_);
  }

  const LoadedModelDef& loaded_;
  const proto::ModelDef& def_;
  const ModelSourceMap& source_;
  CheckedModel result_;
  std::map<std::string, Value> values_;    // graph inputs and nodes checked so far
  std::map<std::string, int> first_node_;  // node name -> first node with it
  std::vector<std::string> node_names_;    // for close-name suggestions
  std::vector<const Value*> inputs_;       // of the node being checked
};

[[noreturn]] void ThrowProblems(const std::vector<std::string>& problems) {
  throw Error(ErrorCode::kInvalidFile, Join(problems, "\n"));
}

// "1,234,567".
std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Exact and unambiguous, unlike AttrValue::ToString's 9 digits: two models
// whose slopes differ in the 12th digit get different fingerprints.
std::string CanonicalAttr(const AttrValue& value) {
  char buffer[32];
  auto exact = [&](double d) {
    std::snprintf(buffer, sizeof(buffer), "%.17g", d);
    return std::string(buffer);
  };
  std::string out = std::string(AttrTypeName(value.type())) + ":";
  switch (value.type()) {
    case AttrType::kFloat:
      return out + exact(value.f());
    case AttrType::kFloats:
      for (double d : value.floats()) out += exact(d) + ",";
      return out;
    case AttrType::kString:
      return out + std::to_string(value.s().size()) + ":" + value.s();
    default:
      return out + value.ToString();
  }
}

uint64_t Fnv1a64(const std::string& data) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

std::vector<std::string> ValidateModelDef(const LoadedModelDef& loaded) {
  return Checker(loaded).Check().problems;
}

void ApplyOverrides(const std::vector<std::string>& overrides, LoadedModelDef* loaded) {
  proto::ModelDef& def = loaded->def;
  // Binary files have no per-node locations yet; overrides still need a
  // place to note themselves.
  if (static_cast<int>(loaded->source.nodes.size()) < def.nodes_size()) {
    loaded->source.nodes.resize(def.nodes_size());
  }
  std::vector<std::string> problems;
  for (const std::string& text : overrides) {
    std::string head = "override '" + text + "': ";
    size_t eq = text.find('=');
    size_t dot = text.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
        dot + 1 == eq) {
      problems.push_back(head + "expected NODE.ATTR=VALUE, e.g. act1.slope=0.2");
      continue;
    }
    std::string node_name = text.substr(0, dot);
    std::string attr = text.substr(dot + 1, eq - dot - 1);
    std::string value_text = text.substr(eq + 1);
    int index = -1;
    std::vector<std::string> names;
    for (int i = 0; i < def.nodes_size(); ++i) {
      names.push_back(def.nodes(i).name());
      if (index < 0 && def.nodes(i).name() == node_name) index = i;
    }
    if (index < 0) {
      problems.push_back(head + "no node '" + node_name + "'" + CloseNames(node_name, names));
      continue;
    }
    proto::NodeDef* node = def.mutable_nodes(index);
    const OpSchema* op = OpRegistry::Global().Find(node->op());
    if (op == nullptr) {
      problems.push_back(head + OpRegistry::Global().UnknownOpMessage(node->op()));
      continue;
    }
    const AttrSpec* spec = op->FindAttr(attr);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const AttrSpec& a : op->attrs()) known.push_back(a.name);
      problems.push_back(head + "op " + op->name() + " has no attribute '" + attr +
                         "' (it has: " + (known.empty() ? "none" : Join(known)) + ")");
      continue;
    }
    try {
      (*node->mutable_attrs())[attr] = AttrToProto(ParseAttrText(value_text, spec->type));
      loaded->source.nodes[index].overridden[attr] = text;
    } catch (const Error& e) {
      problems.push_back(head + "attribute '" + attr + "' of " + op->name() + ": " + e.what());
    }
  }
  if (!problems.empty()) throw Error(ErrorCode::kInvalidArgument, Join(problems, "\n"));
}

void ConvertModelFile(const std::string& in_path, const std::string& out_path) {
  LoadedModelDef loaded = ReadModelDef(in_path);
  std::vector<std::string> problems = ValidateModelDef(loaded);
  if (!problems.empty()) ThrowProblems(problems);
  WriteModelDef(loaded.def, out_path, FormatForPath(out_path));
}

std::shared_ptr<GraphModel> GraphModel::Load(const std::string& path,
                                             const std::vector<std::string>& overrides) {
  LoadedModelDef loaded = ReadModelDef(path);
  ApplyOverrides(overrides, &loaded);
  return std::make_shared<GraphModel>(loaded);
}

GraphModel::GraphModel(const LoadedModelDef& loaded)
    : Module(loaded.def.name().empty() ? "GraphModel" : loaded.def.name()), def_(loaded.def) {
  CheckedModel checked = Checker(loaded).Check();
  if (!checked.problems.empty()) ThrowProblems(checked.problems);
  inputs_ = std::move(checked.inputs);
  outputs_.assign(def_.outputs().begin(), def_.outputs().end());
  for (int i = 0; i < def_.nodes_size(); ++i) {
    const std::string& name = def_.nodes(i).name();
    CheckedNode& node = checked.nodes[i];
    auto layer = std::make_shared<OpLayer>(node.op->name(), std::move(node.attrs), name);
    node_index_[name] = i;
    layers_.push_back(layer);
    shapes_.push_back(*node.shape);
    RegisterModule(name, layer);
  }
}

int GraphModel::NodeIndex(const std::string& name) const {
  auto it = node_index_.find(name);
  return it == node_index_.end() ? -1 : it->second;
}

std::shared_ptr<OpLayer> GraphModel::layer(const std::string& node_name) const {
  int i = NodeIndex(node_name);
  if (i < 0)
    NABLA_THROW(kNotFound) << "model " << type_name() << " has no node '" << node_name << "'";
  return layers_[i];
}

const Shape& GraphModel::node_shape(const std::string& node_name) const {
  int i = NodeIndex(node_name);
  if (i < 0)
    NABLA_THROW(kNotFound) << "model " << type_name() << " has no node '" << node_name << "'";
  return shapes_[i];
}

void GraphModel::CheckFeed(const std::string& name, const Variable& value) const {
  const GraphInputSpec* spec = nullptr;
  std::vector<std::string> names;
  for (const GraphInputSpec& in : inputs_) {
    names.push_back(in.name);
    if (in.name == name) spec = &in;
  }
  if (spec == nullptr) {
    NABLA_THROW(kInvalidArgument) << "feed '" << name << "' is not an input of " << type_name()
                                  << " (inputs: " << Join(names) << ")";
  }
  if (!value.defined()) NABLA_THROW(kInvalidArgument) << "feed '" << name << "' is undefined";
  if (value.value().dtype() != spec->dtype) {
    NABLA_THROW(kInvalidArgument) << "feed '" << name << "': expected " << DTypeName(spec->dtype)
                                  << ", found " << DTypeName(value.value().dtype());
  }
  if (!spec->shape.CompatibleWith(value.shape())) {
    NABLA_THROW(kInvalidArgument) << "feed '" << name << "': expected shape "
                                  << spec->shape.ToString() << ", found "
                                  << value.shape().ToString();
  }
}

std::vector<std::string> GraphModel::MissingInputs(
    const std::string& node, const std::map<std::string, Variable>& available) const {
  std::set<std::string> missing, visited{node};
  std::vector<std::string> stack{node};
  while (!stack.empty()) {
    std::string name = stack.back();
    stack.pop_back();
    int i = NodeIndex(name);
    if (i < 0) {
      if (!available.count(name)) missing.insert(name);
      continue;
    }
    for (const std::string& in : def_.nodes(i).inputs()) {
      if (visited.insert(in).second) stack.push_back(in);
    }
  }
  return {missing.begin(), missing.end()};
}

std::map<std::string, Variable> GraphModel::Run(const std::map<std::string, Variable>& feeds) {
  std::map<std::string, Variable> values;
  for (const auto& [name, value] : feeds) {
    CheckFeed(name, value);
    values[name] = value;
  }
  std::vector<Variable> inputs;
  for (int i = 0; i < def_.nodes_size(); ++i) {
    const proto::NodeDef& node = def_.nodes(i);
    inputs.clear();
    for (const std::string& in : node.inputs()) {
      auto it = values.find(in);
      if (it == values.end()) break;
      inputs.push_back(it->second);
    }
    // Not fed (labels during evaluation): skip; outputs are checked below.
    if (static_cast<int>(inputs.size()) != node.inputs_size()) continue;
    values[node.name()] = layers_[i]->Forward(inputs);
  }
  std::map<std::string, Variable> result;
  for (const std::string& out : outputs_) {
    auto it = values.find(out);
    if (it == values.end()) {
      NABLA_THROW(kInvalidArgument)
          << type_name() << ": output '" << out << "' cannot be computed: input(s) "
          << Join(MissingInputs(out, values)) << " not fed";
    }
    result[out] = it->second;
  }
  auto loss = values.find(loss_name());
  if (!loss_name().empty() && loss != values.end()) result[loss_name()] = loss->second;
  return result;
}

Variable GraphModel::Forward(const Variable& input) {
  if (inputs_.empty() || outputs_.empty()) {
    NABLA_THROW(kInvalidArgument) << type_name()
                                  << ": Forward needs a graph input and an output; use Run()";
  }
  return Run({{inputs_[0].name, input}}).at(outputs_[0]);
}

std::vector<NodeFingerprintInfo> GraphModel::NodeFingerprints() const {
  std::vector<NodeFingerprintInfo> out;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const OpLayer& layer = *layers_[i];
    NodeFingerprintInfo info{
        def_.nodes(i).name(), layer.call().op().name(), AttrMapToString(layer.call().attrs()), {}};
    for (const ParamSpec& p : layer.call().op().params()) {
      info.params.push_back(p.name + ":" + layer.parameter(p.name).shape().ToString());
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::string GraphModel::Fingerprint() const {
  // Fields are separated by '\0' and attributes tagged with their type, so
  // distinct models cannot produce the same byte string.
  std::string canonical;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const OpLayer& layer = *layers_[i];
    canonical += def_.nodes(i).name() + '\0' + layer.call().op().name() + '\0';
    for (const auto& [name, value] : layer.call().attrs()) {
      canonical += name + "=" + CanonicalAttr(value) + '\0';
    }
    for (const ParamSpec& p : layer.call().op().params()) {
      canonical += p.name + ":" + layer.parameter(p.name).shape().ToString() + '\0';
    }
    canonical += '\n';
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(Fnv1a64(canonical)));
  return hex;
}

std::string GraphModel::Describe() const {
  struct Row {
    std::string label, shape, params;
  };
  std::vector<Row> rows;
  int64_t total = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const OpLayer& layer = *layers_[i];
    bool is_loss = def_.nodes(i).name() == loss_name();
    std::string label =
        std::string(is_loss ? "  (" : "    (") + def_.nodes(i).name() + "): " + layer.type_name();
    std::string extra = layer.ExtraRepr();
    if (!extra.empty()) label += " " + extra;
    int64_t count = layer.NumParameters();
    total += count;
    rows.push_back(
        {label, "output " + shapes_[i].ToString(), count > 0 ? "params " + WithCommas(count) : ""});
  }
  size_t label_width = 0, shape_width = 0;
  for (const Row& r : rows) {
    label_width = std::max(label_width, r.label.size());
    shape_width = std::max(shape_width, r.shape.size());
  }
  auto format = [&](const Row& r) {
    std::string line = r.label + std::string(label_width + 3 - r.label.size(), ' ') + r.shape;
    if (!r.params.empty()) line += std::string(shape_width + 3 - r.shape.size(), ' ') + r.params;
    return line + "\n";
  };
  std::string out = type_name() + "\n";
  bool has_network = rows.size() > (loss_name().empty() ? 0 : 1);
  if (has_network) out += "  (network): Sequential\n";
  std::string loss_line;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (def_.nodes(i).name() == loss_name()) {
      loss_line = format(rows[i]);
    } else {
      out += format(rows[i]);
    }
  }
  return out + loss_line + "Total parameters: " + WithCommas(total) + "\n";
}

void GraphModel::SaveText(const std::string& path) const {
  WriteModelDef(def_, path, GraphFormat::kText);
}

void GraphModel::SaveBinary(const std::string& path) const {
  WriteModelDef(def_, path, GraphFormat::kBinary);
}

}  // namespace nabla
