// Checkpoints from and into modules. The file format lives in
// checkpoint_write.cc and checkpoint_read.cc; fingerprints in
// train/fingerprint.cc.
#include "train/checkpoint.h"

#include <map>
#include <set>

namespace nabla {

Checkpoint CheckpointFromModule(const Module& model) {
  Checkpoint checkpoint;
  for (const NamedParameter& p : model.NamedParameters()) {
    checkpoint.params.emplace_back(p.name, p.variable.value());
  }
  for (const NamedBuffer& b : model.NamedBuffers()) {
    checkpoint.params.emplace_back(kStateTensorPrefix + b.name, b.variable.value());
  }
  // The one fingerprint computation of a save: both header fields from it.
  ModelFingerprint fingerprint = FingerprintOf(model);
  for (proto::NodeFingerprint& node : fingerprint.nodes) checkpoint.header.add_nodes()->Swap(&node);
  checkpoint.header.set_model_fingerprint(fingerprint.hash);
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

}  // namespace nabla
