#include "graph/registry.h"

#include <cstdio>
#include <cstdlib>

#include "graph/strings.h"

namespace nabla {

std::string OpOrigin::ToString() const {
  switch (kind) {
    case kBuiltin: return "built-in (" + where + ")";
    case kProgram: return "registered by the program (" + where + ")";
    case kPlugin: return "plugin " + where;
  }
  return where;
}

OpRegistry& OpRegistry::Global() {
  static OpRegistry* registry = new OpRegistry();  // never destroyed
  return *registry;
}

std::string OpRegistry::CheckNewLocked(const OpSchema& schema,
                                       const OpOrigin& origin) const {
  std::vector<std::string> problems = schema.Validate();
  if (!problems.empty()) {
    return "op '" + schema.name() + "' from " + origin.ToString() +
           " has an invalid schema: " + Join(problems);
  }
  auto it = by_name_.find(schema.name());
  if (it != by_name_.end()) {
    return "op '" + schema.name() + "' is already registered by " +
           it->second.second.ToString() + "; second registration from " +
           origin.ToString();
  }
  return "";
}

const OpSchema& OpRegistry::Register(OpSchema schema, OpOrigin origin) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string problem = CheckNewLocked(schema, origin);
  if (!problem.empty()) throw Error(ErrorCode::kInvalidArgument, problem);
  schemas_.push_back(std::make_unique<OpSchema>(std::move(schema)));
  const OpSchema* stored = schemas_.back().get();
  by_name_[stored->name()] = {stored, std::move(origin)};
  return *stored;
}

void OpRegistry::RegisterAll(std::vector<OpSchema> schemas, const OpOrigin& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> problems;
  std::map<std::string, int> seen;
  for (const OpSchema& s : schemas) {
    std::string problem = CheckNewLocked(s, origin);
    if (!problem.empty()) problems.push_back(problem);
    if (++seen[s.name()] == 2) {
      problems.push_back("op '" + s.name() + "' is registered twice by " + origin.ToString());
    }
  }
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "\n") + p;
    throw Error(ErrorCode::kPlugin, message);
  }
  for (OpSchema& s : schemas) {
    schemas_.push_back(std::make_unique<OpSchema>(std::move(s)));
    const OpSchema* stored = schemas_.back().get();
    by_name_[stored->name()] = {stored, origin};
  }
}

const OpSchema* OpRegistry::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.first;
}

const OpSchema& OpRegistry::Get(const std::string& name) const {
  const OpSchema* schema = Find(name);
  if (schema == nullptr) throw Error(ErrorCode::kNotFound, UnknownOpMessage(name));
  return *schema;
}

bool OpRegistry::HasBuiltinOps() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& entry : by_name_) {
    if (entry.second.second.kind == OpOrigin::kBuiltin) return true;
  }
  return false;
}

std::string OpRegistry::UnknownOpMessage(const std::string& name) const {
  std::vector<std::string> plugins = LoadedPlugins();
  std::string message = "op '" + name + "' is not registered; ";
  if (!HasBuiltinOps()) {
    // Not a missing plugin: the program was linked without the op
    // libraries, whose static registration objects a linker drops when
    // nothing refers to them.
    message +=
        "no built-in op is registered either, so this program was linked without nabla's "
        "ops. Link it with libnabla.so (pkg-config --libs nabla, or CMake's nabla::nabla); "
        "in Bazel depend on //ops; with static archives of the ops, link them inside "
        "-Wl,--whole-archive.";
    if (!plugins.empty()) message += " Loaded plugins: " + Join(plugins) + ".";
    return message;
  }
  if (plugins.empty()) {
    message += "no plugin is loaded - did you forget --plugin?";
  } else {
    message += "no loaded plugin provides it (loaded: " + Join(plugins) +
               ") - did you forget --plugin?";
  }
  std::vector<std::string> close = CloseMatches(name);
  if (!close.empty()) message += " Close names: " + Join(close) + ".";
  return message;
}

OpOrigin OpRegistry::OriginOf(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? OpOrigin{} : it->second.second;
}

std::vector<std::string> OpRegistry::Names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& entry : by_name_) names.push_back(entry.first);
  return names;
}

std::vector<std::string> OpRegistry::CloseMatches(const std::string& name) const {
  return nabla::CloseMatches(name, Names(), 5);
}

void OpRegistry::NotePluginLoaded(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  plugins_.push_back(path);
}

std::vector<std::string> OpRegistry::LoadedPlugins() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plugins_;
}

OpRegistrar::OpRegistrar(OpSchema schema, OpOrigin::Kind kind, const char* file,
                         int line) {
  try {
    OpRegistry::Global().Register(std::move(schema),
                                  {kind, std::string(file) + ":" + std::to_string(line)});
  } catch (const Error& e) {
    std::fprintf(stderr, "nabla: %s\n", e.what());
    std::exit(70);
  }
}

}  // namespace nabla
