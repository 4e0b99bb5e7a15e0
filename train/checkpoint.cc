// Loading into modules and model fingerprints. The file format lives in
// checkpoint_write.cc and checkpoint_read.cc.
#include "train/checkpoint.h"

#include <map>
#include <set>

#include "graph/attr.h"

namespace nabla {
namespace {

// ---------------------------------------------------------------------------
// Fingerprints.

void AppendNodes(const Module& module, const std::string& path,
                 std::vector<proto::NodeFingerprint>* nodes) {
  // NamedParameters lists the module's own parameters first.
  std::vector<NamedParameter> params = module.NamedParameters();
  size_t child_params = 0;
  for (const auto& child : module.children())
    child_params += child.second->NamedParameters().size();
  size_t own_params = params.size() - child_params;
  if (module.children().empty() || own_params > 0) {
    proto::NodeFingerprint* node = &nodes->emplace_back();
    node->set_name(path);
    node->set_op(module.type_name());
    const auto* layer = dynamic_cast<const OpLayer*>(&module);
    node->set_attrs(layer != nullptr ? AttrMapToString(layer->call().attrs()) : module.ExtraRepr());
    for (size_t i = 0; i < own_params; ++i) {
      node->add_params(params[i].name + ":" + params[i].variable.shape().ToString());
    }
    size_t child_buffers = 0;
    for (const auto& child : module.children())
      child_buffers += child.second->NamedBuffers().size();
    std::vector<NamedBuffer> buffers = module.NamedBuffers();
    for (size_t i = 0; i + child_buffers < buffers.size(); ++i) {
      node->add_params(StateFingerprint(buffers[i].name, buffers[i].variable.shape()));
    }
  }
  for (const auto& [name, child] : module.children()) {
    AppendNodes(*child, path.empty() ? name : path + "." + name, nodes);
  }
}

std::string JoinParams(const proto::NodeFingerprint& node) {
  std::string out = "{";
  for (int i = 0; i < node.params_size(); ++i) out += (i > 0 ? ", " : "") + node.params(i);
  return out + "}";
}

template <typename Nodes>
std::string JoinNames(const Nodes& nodes) {
  std::string out;
  for (const auto& node : nodes) out += (out.empty() ? "" : ", ") + node.name();
  return out;
}

}  // namespace

Checkpoint CheckpointFromModule(const Module& model) {
  Checkpoint checkpoint;
  for (const NamedParameter& p : model.NamedParameters()) {
    checkpoint.params.emplace_back(p.name, p.variable.value());
  }
  for (const NamedBuffer& b : model.NamedBuffers()) {
    checkpoint.params.emplace_back(kStateTensorPrefix + b.name, b.variable.value());
  }
  for (proto::NodeFingerprint& node : ModuleFingerprint(model)) {
    checkpoint.header.add_nodes()->Swap(&node);
  }
  checkpoint.header.set_model_name(model.type_name());
  return checkpoint;
}

std::string LoadReport::ToString() const {
  std::string out;
  for (const std::string& name : missing) out += "  missing from the checkpoint: '" + name + "'\n";
  for (const std::string& name : unexpected) {
    out += "  unexpected in the checkpoint: '" + name + "'\n";
  }
  for (const ShapeMismatch& m : mismatched) {
    out += "  shape mismatch: '" + m.name + "' checkpoint " + m.checkpoint_shape.ToString() +
           ", model " + m.model_shape.ToString() + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

LoadReport LoadParameters(const Checkpoint& checkpoint, Module* model, bool partial) {
  NABLA_CHECK(model != nullptr);
  std::string source = checkpoint.source.empty() ? "(in memory)" : checkpoint.source;
  std::map<std::string, const Tensor*> saved;
  for (const auto& [name, tensor] : checkpoint.params) {
    if (!tensor.defined() || tensor.dtype() != DType::kFloat32) {
      NABLA_THROW(kInvalidArgument)
          << "checkpoint '" << source << "': parameter '" << name << "' is not a float32 tensor";
    }
    saved.emplace(name, &tensor);
  }

  LoadReport report;
  std::set<std::string> matched;
  std::vector<std::pair<Variable, const Tensor*>> copies;
  std::vector<std::pair<std::string, Variable>> targets;
  for (const NamedParameter& p : model->NamedParameters()) targets.emplace_back(p.name, p.variable);
  for (const NamedBuffer& b : model->NamedBuffers()) {
    targets.emplace_back(kStateTensorPrefix + b.name, b.variable);
  }
  for (const auto& [name, variable] : targets) {
    if (variable.value().dtype() != DType::kFloat32) {
      NABLA_THROW(kInvalidArgument)
          << "model tensor '" << name << "' is " << DTypeName(variable.value().dtype())
          << "; checkpoints hold float32";
    }
    auto it = saved.find(name);
    if (it == saved.end()) {
      report.missing.push_back(name);
      continue;
    }
    matched.insert(name);
    if (it->second->shape() != variable.shape()) {
      report.mismatched.push_back({name, it->second->shape(), variable.shape()});
      continue;
    }
    copies.emplace_back(variable, it->second);
    report.loaded.push_back(name);
  }
  for (const auto& entry : checkpoint.params) {
    if (matched.count(entry.first) == 0) report.unexpected.push_back(entry.first);
  }

  if (!partial && !report.ok()) {
    NABLA_THROW(kInvalidFile) << "checkpoint '" << source << "' does not match the model ("
                              << report.missing.size() << " missing, " << report.unexpected.size()
                              << " unexpected, " << report.mismatched.size()
                              << " shape-mismatched tensors); nothing was loaded:\n"
                              << report.ToString();
  }
  // In place: optimisers and other holders of the Variables see the values.
  for (auto& [variable, tensor] : copies) variable.mutable_value().CopyFrom(*tensor);
  return report;
}

std::vector<proto::NodeFingerprint> ModuleFingerprint(const Module& model) {
  std::vector<proto::NodeFingerprint> nodes;
  AppendNodes(model, "", &nodes);
  return nodes;
}

std::string DiffFingerprints(const proto::CheckpointHeader& header,
                             const std::vector<proto::NodeFingerprint>& model_nodes) {
  std::map<std::string, const proto::NodeFingerprint*> in_model, in_checkpoint;
  for (const auto& node : model_nodes) in_model.emplace(node.name(), &node);
  for (const auto& node : header.nodes()) in_checkpoint.emplace(node.name(), &node);

  std::vector<std::string> lines;
  for (const auto& saved : header.nodes()) {
    std::string node = "node '" + saved.name() + "'";
    auto it = in_model.find(saved.name());
    if (it == in_model.end()) {
      lines.push_back(node + " (" + saved.op() + ") is in the checkpoint but not in the model");
      continue;
    }
    const proto::NodeFingerprint& current = *it->second;
    if (saved.op() != current.op()) {
      lines.push_back(node + ": op " + saved.op() + " in the checkpoint, " + current.op() +
                      " in the model");
      continue;
    }
    if (saved.attrs() != current.attrs()) {
      lines.push_back(node + " (" + saved.op() + "): attributes (" + saved.attrs() +
                      ") in the checkpoint, (" + current.attrs() + ") in the model");
    }
    if (JoinParams(saved) != JoinParams(current)) {
      lines.push_back(node + " (" + saved.op() + "): parameters " + JoinParams(saved) +
                      " in the checkpoint, " + JoinParams(current) + " in the model");
    }
  }
  for (const auto& current : model_nodes) {
    if (in_checkpoint.count(current.name()) == 0) {
      lines.push_back("node '" + current.name() + "' (" + current.op() +
                      ") is in the model but not in the checkpoint");
    }
  }
  if (lines.empty()) {
    std::string saved_names = JoinNames(header.nodes());
    std::string model_names = JoinNames(model_nodes);
    if (saved_names == model_names) return "";
    lines.push_back("the nodes are in a different order: checkpoint (" + saved_names +
                    "), model (" + model_names + ")");
  }
  std::string out = "the checkpoint was saved from a different model:";
  for (const std::string& line : lines) out += "\n  " + line;
  return out;
}

}  // namespace nabla
