#include "train/fingerprint.h"

#include <cstdio>
#include <map>

#include "graph/attr.h"

namespace nabla {
namespace {

// One node as FingerprintOf sees it: its checkpoint entry plus the exact
// attributes that only the hash uses.
struct Entry {
  proto::NodeFingerprint node;
  std::vector<std::string> exact_attrs;  // "slope=float:0.010000000000001"
};

// Exact and unambiguous, unlike AttrValue::ToString's 9 digits: two models
// whose slopes differ in the 12th digit get different hashes.
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

void AppendEntries(const Module& module, const std::string& path, std::vector<Entry>* entries) {
  // NamedParameters and NamedBuffers list the module's own tensors first.
  std::vector<NamedParameter> params = module.NamedParameters();
  std::vector<NamedBuffer> buffers = module.NamedBuffers();
  size_t child_params = 0, child_buffers = 0;
  for (const auto& child : module.children()) {
    child_params += child.second->NamedParameters().size();
    child_buffers += child.second->NamedBuffers().size();
  }
  const size_t own_params = params.size() - child_params;
  const size_t own_buffers = buffers.size() - child_buffers;
  if (module.children().empty() || own_params > 0) {
    Entry& entry = entries->emplace_back();
    proto::NodeFingerprint& node = entry.node;
    node.set_name(path);
    node.set_op(module.type_name());
    if (const auto* layer = dynamic_cast<const OpLayer*>(&module)) {
      node.set_attrs(AttrMapToString(layer->call().attrs()));
      for (const auto& [name, value] : layer->call().attrs()) {
        entry.exact_attrs.push_back(name + "=" + CanonicalAttr(value));
      }
    } else {
      const std::string repr = module.ExtraRepr();
      node.set_attrs(repr);
      if (!repr.empty()) {
        entry.exact_attrs.push_back("repr:" + std::to_string(repr.size()) + ":" + repr);
      }
    }
    for (size_t i = 0; i < own_params; ++i) {
      node.add_params(params[i].name + ":" + params[i].variable.shape().ToString());
    }
    for (size_t i = 0; i < own_buffers; ++i) {
      node.add_params("state " + buffers[i].name + ":" + buffers[i].variable.shape().ToString());
    }
  }
  for (const auto& [name, child] : module.children()) {
    AppendEntries(*child, path.empty() ? name : path + "." + name, entries);
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

// Fields are separated by '\0' and attributes tagged with their type, so
// distinct models cannot produce the same byte string.
std::string Hash(const std::vector<Entry>& entries) {
  std::string canonical;
  for (const Entry& entry : entries) {
    canonical += entry.node.name() + '\0' + entry.node.op() + '\0';
    for (const std::string& attr : entry.exact_attrs) canonical += attr + '\0';
    for (const std::string& param : entry.node.params()) canonical += param + '\0';
    canonical += '\n';
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(Fnv1a64(canonical)));
  return hex;
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

ModelFingerprint FingerprintOf(const Module& model) {
  std::vector<Entry> entries;
  AppendEntries(model, "", &entries);
  ModelFingerprint fingerprint;
  fingerprint.hash = Hash(entries);
  for (Entry& entry : entries) fingerprint.nodes.push_back(std::move(entry.node));
  return fingerprint;
}

std::string DiffFingerprints(const proto::CheckpointHeader& header, const ModelFingerprint& model) {
  const std::vector<proto::NodeFingerprint>& model_nodes = model.nodes;
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
