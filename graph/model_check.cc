// ValidateModelDef and its helpers: names, ops, attributes, inputs, dtypes,
// shape inference, outputs and loss; and ApplyOverrides.
#include <map>
#include <optional>
#include <set>

#include "graph/model.h"
#include "graph/model_check_internal.h"
#include "graph/registry.h"
#include "graph/strings.h"

namespace nabla {
namespace {

using model_internal::CheckedModel;
using model_internal::CheckedNode;

// Suggestions and cycle paths cost time per problem: a 25,000-node file
// that is wrong everywhere must not take minutes to say so. Past these many
// per file, problems are reported without them.
constexpr int kMaxCloseNameSearches = 64;
constexpr int kMaxCyclePathSearches = 16;

// " (close names: fc1, fc2)", or "" when nothing is close.
std::string CloseNames(const std::string& name, const std::vector<std::string>& candidates,
                       int* budget) {
  if (*budget <= 0) return "";
  --*budget;
  std::vector<std::string> close = CloseMatches(name, candidates, 3);
  return close.empty() ? "" : " (close names: " + Join(close) + ")";
}

std::string LineCol(SourceLocation at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

ProblemKind KindOf(AttrProblem::Kind kind) {
  switch (kind) {
    case AttrProblem::kUnknown:
      return ProblemKind::kUnknownAttribute;
    case AttrProblem::kMissing:
      return ProblemKind::kMissingAttribute;
    case AttrProblem::kMistyped:
    case AttrProblem::kConstraint:
      break;
  }
  return ProblemKind::kBadAttribute;
}

bool IsScalar(const Shape& shape) { return shape.num_elements() == 1; }

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
    CheckUtf8();
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
  // What a problem is about, besides its location: a node, one of its
  // attributes or inputs, or a graph input.
  struct Subject {
    int node = -1;
    std::string attribute;
    int input = -1;  // the node's input slot, or (node -1) a graph input
  };
  static Subject Model() { return {}; }
  static Subject Node(int i) { return {i, "", -1}; }
  static Subject Attr(int i, const std::string& name) { return {i, name, -1}; }
  static Subject NodeInput(int i, int j) { return {i, "", j}; }
  static Subject GraphInput(int k) { return {-1, "", k}; }

  // Something a node input can name: a graph input or an earlier node.
  struct Value {
    bool is_int = false;
    bool dtype_known = true;
    std::optional<Shape> shape;
    std::string what;  // "graph input 'label'", "node 'fc3'"
  };

  void Report(ProblemKind kind, Subject about, SourceLocation at, const std::string& message) {
    GraphProblem problem = source_.Problem(kind, at, message);
    if (about.node >= 0) {
      problem.node_index = about.node;
      problem.node = def_.nodes(about.node).name();
    }
    problem.attribute = about.attribute;
    if (about.input >= 0) {
      problem.input_index = about.input;
      problem.input = about.node >= 0 ? def_.nodes(about.node).inputs(about.input)
                                      : def_.inputs(about.input).name();
    }
    result_.problems.push_back(std::move(problem));
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
      Report(ProblemKind::kFormatVersion, Model(), source_.format_version,
             "format_version is missing: expected format_version: " +
                 std::to_string(kModelFormatVersion));
    } else if (version > kModelFormatVersion) {
      Report(ProblemKind::kFormatVersion, Model(), source_.format_version,
             "format_version " + std::to_string(version) + " is newer than this reader supports (" +
                 std::to_string(kModelFormatVersion) + "); update nabla");
    } else if (version < 0) {
      Report(ProblemKind::kFormatVersion, Model(), source_.format_version,
             "format_version " + std::to_string(version) + " is invalid: expected " +
                 std::to_string(kModelFormatVersion));
    }
    if (def_.nodes_size() == 0) {
      Report(ProblemKind::kModel, Model(), {},
             "model has no nodes: expected at least one nodes { }");
    }
  }

  // Names and strings go into checkpoints as protobuf strings, which must
  // be UTF-8: a file that trains but whose checkpoint can never be read
  // back is refused here.
  void CheckUtf8() {
    auto check = [&](Subject about, SourceLocation at, const std::string& what,
                     const std::string& value) {
      if (!IsValidUtf8(value)) {
        Report(ProblemKind::kEncoding, about, at,
               what + " '" + EscapedForMessage(value) + "' is not valid UTF-8");
      }
    };
    check(Model(), source_.format_version, "model name", def_.name());
    check(Model(), source_.format_version, "model description", def_.description());
    for (int k = 0; k < def_.inputs_size(); ++k) {
      SourceLocation at =
          k < static_cast<int>(source_.inputs.size()) ? source_.inputs[k] : SourceLocation{};
      check(GraphInput(k), at, "graph input name", def_.inputs(k).name());
      check(GraphInput(k), at, "graph input dtype", def_.inputs(k).dtype());
    }
    for (int i = 0; i < def_.nodes_size(); ++i) {
      const proto::NodeDef& n = def_.nodes(i);
      check(Node(i), source_.NodeAt(i), "node name", n.name());
      check(Node(i), source_.NodeAt(i), "op name", n.op());
      for (int j = 0; j < n.inputs_size(); ++j) {
        check(NodeInput(i, j), source_.InputAt(i, j), "input name", n.inputs(j));
      }
      for (const auto& [name, value] : n.attrs()) {
        check(Attr(i, name), source_.AttrAt(i, name), "attribute name", name);
        if (value.value_case() == proto::AttrValue::kS) {
          check(Attr(i, name), source_.AttrAt(i, name), "string attribute value", value.s());
        }
      }
    }
    for (int k = 0; k < def_.outputs_size(); ++k) {
      check(Model(),
            k < static_cast<int>(source_.outputs.size()) ? source_.outputs[k] : SourceLocation{},
            "output name", def_.outputs(k));
    }
    check(Model(), source_.loss, "loss name", def_.loss());
  }

  void CheckGraphInputs() {
    std::map<std::string, SourceLocation> first;
    for (int k = 0; k < def_.inputs_size(); ++k) {
      const proto::GraphInput& in = def_.inputs(k);
      SourceLocation at =
          k < static_cast<int>(source_.inputs.size()) ? source_.inputs[k] : SourceLocation{};
      std::string label = "graph input '" + in.name() + "'";
      if (in.name().empty()) {
        Report(ProblemKind::kName, GraphInput(k), at,
               "graph input #" + std::to_string(k) + " has no name");
        continue;
      }
      if (!first.emplace(in.name(), at).second) {
        Report(ProblemKind::kDuplicateName, GraphInput(k), at,
               label + " is declared twice (first at " + LineCol(first[in.name()]) + ")");
        continue;
      }
      Value value{false, true, std::nullopt, label};
      GraphInputSpec spec{in.name(), Shape(), DType::kFloat32};
      if (in.dtype() == "int32") {
        spec.dtype = DType::kInt32;
        value.is_int = true;
      } else if (!in.dtype().empty() && in.dtype() != "float32") {
        Report(ProblemKind::kDtype, GraphInput(k), at,
               label + ": dtype '" + in.dtype() +
                   "' is not supported: expected \"float32\" or \"int32\"");
        value.dtype_known = false;
      }
      bool shape_ok = in.has_shape();
      if (!shape_ok)
        Report(ProblemKind::kShape, GraphInput(k), at,
               label + " has no shape: expected e.g. shape { dims: -1 dims: 784 }");
      for (int d = 0; shape_ok && d < in.shape().dims_size(); ++d) {
        int64_t dim = in.shape().dims(d);
        if (dim == 0 || dim < kUnknownDim) {
          Report(ProblemKind::kShape, GraphInput(k), at,
                 label + " dim " + std::to_string(d) +
                     ": expected a size > 0 or -1 (batch), found " + std::to_string(dim));
          shape_ok = false;
        }
      }
      if (shape_ok && in.shape().dims_size() > kMaxRank) {
        Report(ProblemKind::kShape, GraphInput(k), at,
               label + ": rank " + std::to_string(in.shape().dims_size()) +
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
      Report(ProblemKind::kName, Node(i), at,
             Label(i) + " has no name: every node needs a unique name");
    } else if (first_node_.at(n.name()) != i) {
      Report(ProblemKind::kDuplicateName, Node(i), at,
             Label(i) + ": duplicate node name (first defined at " +
                 LineCol(source_.NodeAt(first_node_.at(n.name()))) + ")");
    } else if (values_.count(n.name())) {
      Report(ProblemKind::kName, Node(i), at,
             Label(i) + ": name clashes with graph input '" + n.name() + "'");
    } else if (n.name().find('.') != std::string::npos) {
      Report(ProblemKind::kName, Node(i), at,
             Label(i) + ": name must not contain '.' (it prefixes parameter names, as in '" +
                 n.name() + ".weight')");
    } else {
      name_ok = true;
    }

    if (n.op().empty()) {
      Report(ProblemKind::kMissingOp, Node(i), at, Label(i) + " has no op");
    } else {
      node.op = OpRegistry::Global().Find(n.op());
      if (node.op == nullptr) {
        SourceLocation op_at =
            i < static_cast<int>(source_.nodes.size()) && source_.nodes[i].op.known()
                ? source_.nodes[i].op
                : at;
        Report(ProblemKind::kUnknownOp, Node(i), op_at,
               Label(i) + ": " + OpRegistry::Global().UnknownOpMessage(n.op()));
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
        Report(ProblemKind::kBadAttribute, Attr(i, name), source_.AttrAt(i, name),
               Label(i) + ": attribute '" + name + "' " + e.what() + OverrideNote(i, name));
        valueless.insert(name);
        ok = false;
      }
    }
    if (node->op == nullptr) return false;
    for (const AttrProblem& problem : node->op->FindAttrProblems(&node->attrs)) {
      if (valueless.count(problem.attr)) continue;  // already reported as having no value
      Report(KindOf(problem.kind), Attr(i, problem.attr), source_.AttrAt(i, problem.attr),
             LabelOp(i) + ": " + problem.message + OverrideNote(i, problem.attr));
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
    if (!op->AcceptsInputCount(n.inputs_size())) {
      std::vector<std::string> expected, found;
      for (const InputSpec& in : op->inputs()) expected.push_back(in.name);
      if (op->variadic()) expected.back() += "...";
      for (const std::string& in : n.inputs()) found.push_back("'" + in + "'");
      Report(ProblemKind::kInputCount, Node(i), source_.NodeAt(i),
             LabelOp(i) + ": expected " + std::to_string(expected.size()) +
                 (op->variadic() ? " or more" : "") + " input(s) (" + Join(expected) + "), found " +
                 std::to_string(found.size()) + (found.empty() ? "" : " (" + Join(found) + ")"));
      return false;
    }
    for (int j = 0; j < n.inputs_size(); ++j) {
      const Value* v = inputs_[j];
      const InputSpec& spec = op->input_spec(j);
      if (v == nullptr || !v->dtype_known || v->is_int == spec.is_int) continue;
      Report(ProblemKind::kDtype, NodeInput(i, j), source_.InputAt(i, j),
             Label(i) + " input " + std::to_string(j) + " (" + spec.name + "): expected " +
                 (spec.is_int ? "int32" : "float32") + ", found " +
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
      std::vector<std::string> names;
      if (close_budget_ > 0) {
        names = node_names_;
        for (const GraphInputSpec& in : result_.inputs) names.push_back(in.name);
      }
      Report(ProblemKind::kUnknownInput, NodeInput(i, j), at,
             head + ": unknown input '" + ref + "'" + CloseNames(ref, names, &close_budget_));
    } else if (node->second == i) {
      Report(ProblemKind::kCycle, NodeInput(i, j), at, head + ": node uses itself (cycle)");
    } else if (node->second > i) {
      std::string later =
          "'" + ref + "' is defined later (at " + LineCol(source_.NodeAt(node->second)) + ")";
      std::vector<std::string> cycle;
      if (cycle_budget_ > 0) {
        --cycle_budget_;
        cycle = CyclePath(node->second, i);
      }
      if (!cycle.empty()) {
        Report(ProblemKind::kCycle, NodeInput(i, j), at,
               head + ": " + later + " and depends on this node: cycle " + Join(cycle, " -> "));
      } else {
        Report(ProblemKind::kInputOrder, NodeInput(i, j), at,
               head + ": " + later + "; a node may only use graph inputs and earlier " +
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
      described.push_back(node->op->input_spec(j).name + " = '" + n.inputs(j) + "' " +
                          shapes.back().ToString());
    }
    // Parameters are allocated when the model is built: refuse shapes no
    // machine could hold now, with the attributes that made them.
    for (const ParamSpec& p : node->op->params()) {
      try {
        Shape shape = p.shape(node->attrs);
        CheckTensorFits(shape, DType::kFloat32, "parameter '" + p.name + "'");
        shapes.push_back(shape);
      } catch (const std::exception& e) {
        Report(
            ProblemKind::kShape, Node(i), source_.NodeAt(i),
            LabelOp(i) + ": " + e.what() + " (attributes: " + AttrMapToString(node->attrs) + ")");
        return;
      } catch (...) {
        Report(ProblemKind::kShape, Node(i), source_.NodeAt(i),
               LabelOp(i) + ": the shape function of parameter '" + p.name +
                   "' threw an exception that is not a std::exception");
        return;
      }
    }
    // The shape function may come from a plugin: what it returns or throws
    // is checked like any other input.
    std::vector<Shape> out;
    try {
      out = node->op->shape_fn()(shapes, node->attrs);
    } catch (const std::exception& e) {
      Report(ProblemKind::kShape, Node(i), source_.NodeAt(i),
             LabelOp(i) + ": shape mismatch: " + e.what() + " (inputs: " + Join(described, ", ") +
                 ")");
      return;
    } catch (...) {
      Report(ProblemKind::kShape, Node(i), source_.NodeAt(i),
             LabelOp(i) +
                 ": its shape function threw an exception that is not a "
                 "std::exception (inputs: " +
                 Join(described, ", ") + ")");
      return;
    }
    const size_t expected = node->op->outputs().size();
    if (out.size() != expected) {
      Report(ProblemKind::kShape, Node(i), source_.NodeAt(i),
             LabelOp(i) + ": its shape function returned " + std::to_string(out.size()) +
                 " shape(s) for " + std::to_string(expected) + " output(s) (" +
                 Join(node->op->outputs()) + ")");
      return;
    }
    for (size_t k = 0; k < out.size(); ++k) {
      std::string problem;
      if (out[k].rank() > kMaxRank) {
        problem = "rank " + std::to_string(out[k].rank()) + " exceeds the maximum " +
                  std::to_string(kMaxRank);
      }
      for (int64_t d : out[k].dims()) {
        if (d < kUnknownDim) problem = "dim " + std::to_string(d) + " is negative";
      }
      if (!problem.empty()) problem = "output shape " + out[k].ToString() + ": " + problem;
      try {
        if (problem.empty()) {
          CheckTensorFits(out[k], DType::kFloat32, "output '" + node->op->outputs()[k] + "'");
        }
      } catch (const Error& e) {
        problem = e.what();
      }
      if (!problem.empty()) {
        Report(ProblemKind::kShape, Node(i), source_.NodeAt(i),
               LabelOp(i) + ": " + problem + " (inputs: " + Join(described, ", ") + ")");
        return;
      }
    }
    node->shape = out[0];
  }

  void CheckOutputsAndLoss() {
    std::set<std::string> seen;
    for (int k = 0; k < def_.outputs_size(); ++k) {
      SourceLocation at =
          k < static_cast<int>(source_.outputs.size()) ? source_.outputs[k] : SourceLocation{};
      std::string problem = CheckNodeRef(def_.outputs(k));
      if (!problem.empty()) {
        Report(ProblemKind::kOutput, Model(), at, "output " + std::to_string(k) + ": " + problem);
      } else if (!seen.insert(def_.outputs(k)).second) {
        Report(ProblemKind::kOutput, Model(), at,
               "output " + std::to_string(k) + ": '" + def_.outputs(k) + "' is listed twice");
      }
    }
    const std::string& loss = def_.loss();
    if (!loss.empty()) {
      std::string problem = CheckNodeRef(loss);
      const CheckedNode* node = problem.empty() ? &result_.nodes[first_node_.at(loss)] : nullptr;
      if (!problem.empty()) {
        Report(ProblemKind::kLoss, Model(), source_.loss, "loss: " + problem);
      } else if (node->shape && !IsScalar(*node->shape)) {
        Report(ProblemKind::kLoss, Node(first_node_.at(loss)), source_.loss,
               "loss '" + loss + "' must be a scalar, found shape " + node->shape->ToString() +
                   " from op " + def_.nodes(first_node_.at(loss)).op() +
                   " (a loss op such as SoftmaxCrossEntropy gives one)");
      }
    }
    if (def_.outputs_size() == 0 && loss.empty() && def_.nodes_size() > 0) {
      Report(ProblemKind::kModel, Model(), {},
             "model declares no outputs and no loss: nothing to compute");
    }
  }

  // "" when `name` is a node, else why not.
  std::string CheckNodeRef(const std::string& name) {
    if (first_node_.count(name)) return "";
    if (name.empty()) return "empty node name";
    for (const GraphInputSpec& in : result_.inputs) {
      if (in.name == name) return "'" + name + "' is a graph input, not a node";
    }
    return "unknown node '" + name + "'" + CloseNames(name, node_names_, &close_budget_);
  }

  const LoadedModelDef& loaded_;
  const proto::ModelDef& def_;
  const ModelSourceMap& source_;
  CheckedModel result_;
  std::map<std::string, Value> values_;    // graph inputs and nodes checked so far
  std::map<std::string, int> first_node_;  // node name -> first node with it
  std::vector<std::string> node_names_;    // for close-name suggestions
  std::vector<const Value*> inputs_;       // of the node being checked
  int close_budget_ = kMaxCloseNameSearches;
  int cycle_budget_ = kMaxCyclePathSearches;
};

}  // namespace

namespace model_internal {

CheckedModel CheckModel(const LoadedModelDef& loaded) { return Checker(loaded).Check(); }

[[noreturn]] void ThrowProblems(std::vector<GraphProblem> problems) {
  throw GraphError(ErrorCode::kInvalidFile, std::move(problems));
}

}  // namespace model_internal

std::vector<GraphProblem> ValidateModelDef(const LoadedModelDef& loaded) {
  return Checker(loaded).Check().problems;
}

void ApplyOverrides(const std::vector<std::string>& overrides, LoadedModelDef* loaded) {
  proto::ModelDef& def = loaded->def;
  // Binary files have no per-node locations yet; overrides still need a
  // place to note themselves.
  if (static_cast<int>(loaded->source.nodes.size()) < def.nodes_size()) {
    loaded->source.nodes.resize(def.nodes_size());
  }
  std::vector<GraphProblem> problems;
  int close_budget = kMaxCloseNameSearches;
  for (const std::string& text : overrides) {
    // No file: the override comes from the command line.
    GraphProblem problem;
    problem.kind = ProblemKind::kOverride;
    auto report = [&](const std::string& why) {
      problem.message = "override '" + text + "': " + why;
      problems.push_back(problem);
    };
    size_t eq = text.find('=');
    size_t dot = text.find('.');
    if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
        dot + 1 == eq) {
      report("expected NODE.ATTR=VALUE, e.g. act1.slope=0.2");
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
      report("no node '" + node_name + "'" + CloseNames(node_name, names, &close_budget));
      continue;
    }
    problem.node_index = index;
    problem.node = node_name;
    problem.attribute = attr;
    proto::NodeDef* node = def.mutable_nodes(index);
    const OpSchema* op = OpRegistry::Global().Find(node->op());
    if (op == nullptr) {
      report(OpRegistry::Global().UnknownOpMessage(node->op()));
      continue;
    }
    const AttrSpec* spec = op->FindAttr(attr);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const AttrSpec& a : op->attrs()) known.push_back(a.name);
      report("op " + op->name() + " has no attribute '" + attr +
             "' (it has: " + (known.empty() ? "none" : Join(known)) + ")");
      continue;
    }
    try {
      (*node->mutable_attrs())[attr] = AttrToProto(ParseAttrText(value_text, spec->type));
      loaded->source.nodes[index].overridden[attr] = text;
    } catch (const Error& e) {
      report("attribute '" + attr + "' of " + op->name() + ": " + e.what());
    }
  }
  if (!problems.empty()) throw GraphError(ErrorCode::kInvalidArgument, std::move(problems));
}

}  // namespace nabla
