#include "graph/model.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "graph/model_check_internal.h"
#include "graph/strings.h"

namespace nabla {
namespace {

using model_internal::CheckedModel;
using model_internal::CheckedNode;
using model_internal::ThrowProblems;

// "1,234,567".
std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

void ConvertModelFile(const std::string& in_path, const std::string& out_path) {
  LoadedModelDef loaded = ReadModelDef(in_path);
  std::vector<GraphProblem> problems = ValidateModelDef(loaded);
  if (!problems.empty()) ThrowProblems(std::move(problems));
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
  CheckedModel checked = model_internal::CheckModel(loaded);
  if (!checked.problems.empty()) ThrowProblems(std::move(checked.problems));
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

std::string GraphModel::Describe() const {
  struct Row {
    std::string label, shape, params;
  };
  std::vector<Row> rows;
  int64_t total = 0;
  // A chain: each network node reads only the node before it (the first
  // one a graph input). Anything else (skip connections, Concat, several
  // inputs) is printed with each node's inputs.
  bool chain = true;
  std::string previous;
  for (const auto& node : def_.nodes()) {
    if (node.name() == loss_name()) continue;
    const bool from_previous = node.inputs_size() == 1 &&
                               (previous.empty() ? NodeIndex(node.inputs(0)) < 0
                                                 : node.inputs(0) == previous);
    chain &= from_previous;
    previous = node.name();
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    const OpLayer& layer = *layers_[i];
    bool is_loss = def_.nodes(i).name() == loss_name();
    std::string label =
        std::string(is_loss ? "  (" : "    (") + def_.nodes(i).name() + "): " + layer.type_name();
    std::string extra = layer.ExtraRepr();
    if (!extra.empty()) label += " " + extra;
    if (!chain) {
      std::string inputs;
      for (const std::string& in : def_.nodes(i).inputs()) inputs += (inputs.empty() ? "" : ", ") + in;
      label += "  <- " + inputs;
    }
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
  if (has_network) out += chain ? "  (network): Sequential\n" : "  (network): Graph\n";
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
