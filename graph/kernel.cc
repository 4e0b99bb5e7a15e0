#include "graph/kernel.h"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>

#include "graph/strings.h"

namespace nabla {
namespace {

// The reference: the schema's Kernels<K>() function pointers.
class EigenKernel : public OpKernel {
 public:
  EigenKernel(ForwardFn forward, BackwardFn backward) : forward_(forward), backward_(backward) {}
  void Forward(ForwardContext& ctx) override { forward_(ctx); }
  void Backward(BackwardContext& ctx) override { backward_(ctx); }

 private:
  ForwardFn forward_;
  BackwardFn backward_;
};

ExecutionOptions& MutableOptions() {
  static ExecutionOptions* options = new ExecutionOptions();
  return *options;
}

SelectedKernel Instantiate(const KernelEntry& entry, const AttrMap& attrs) {
  std::unique_ptr<OpKernel> kernel;
  try {
    kernel = entry.factory(attrs);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    NABLA_THROW(kInternal) << "the " << entry.backend << " kernel factory for " << entry.op
                           << " (" << entry.origin.where << ") threw: " << e.what();
  } catch (...) {
    NABLA_THROW(kInternal) << "the " << entry.backend << " kernel factory for " << entry.op
                           << " (" << entry.origin.where
                           << ") threw something that is not a std::exception";
  }
  if (kernel == nullptr) {
    NABLA_THROW(kInternal) << "the " << entry.backend << " kernel factory for " << entry.op
                           << " (" << entry.origin.where << ") returned no kernel";
  }
  return {std::shared_ptr<OpKernel>(std::move(kernel)), entry.backend, entry.compute};
}

}  // namespace

const char* ComputeTypeName(ComputeType type) {
  switch (type) {
    case ComputeType::kFloat32: return "float32";
    case ComputeType::kFloat64: return "float64";
    case ComputeType::kBFloat16: return "bf16";
  }
  return "?";
}

struct KernelRegistry::Impl {
  mutable std::mutex mu;
  std::deque<KernelEntry> entries;
  std::map<std::tuple<std::string, std::string, ComputeType>, const KernelEntry*> by_key;
  std::map<std::string, BackendInfo> backends;
};

KernelRegistry& KernelRegistry::Global() {
  static KernelRegistry* registry = new KernelRegistry();  // never destroyed
  return *registry;
}

KernelRegistry::Impl& KernelRegistry::impl() const {
  static Impl* impl = new Impl();  // one registry per process
  return *impl;
}

namespace {

// "" when `entry` may be added to `by_key`, else why not.
template <typename Map>
std::string CheckEntry(const KernelEntry& entry, const Map& by_key) {
  std::ostringstream why;
  if (entry.backend == "eigen" || entry.backend == "auto" || entry.backend.empty()) {
    why << "kernel for op '" << entry.op << "' from " << entry.origin.where << ": backend name '"
        << entry.backend << "' is reserved (eigen kernels come from the op's schema, Kernels<K>())";
  } else if (!entry.factory) {
    why << "kernel for op '" << entry.op << "' from " << entry.origin.where << " has no factory";
  } else {
    auto it = by_key.find(std::make_tuple(entry.op, entry.backend, entry.compute));
    if (it != by_key.end()) {
      why << "a " << entry.backend << " " << ComputeTypeName(entry.compute) << " kernel for op '"
          << entry.op << "' is already registered by " << it->second->origin.where
          << "; second registration from " << entry.origin.where;
    }
  }
  return why.str();
}

}  // namespace

void KernelRegistry::Register(KernelEntry entry) {
  std::vector<KernelEntry> one;
  one.push_back(std::move(entry));
  RegisterAll(std::move(one));
}

std::string KernelRegistry::CheckAll(const std::vector<KernelEntry>& entries) const {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  std::map<std::tuple<std::string, std::string, ComputeType>, const KernelEntry*> seen = d.by_key;
  std::vector<std::string> problems;
  for (const KernelEntry& entry : entries) {
    std::string why = CheckEntry(entry, seen);
    if (!why.empty()) problems.push_back(why);
    seen[std::make_tuple(entry.op, entry.backend, entry.compute)] = &entry;
  }
  return Join(problems, "\n");
}

void KernelRegistry::RegisterAll(std::vector<KernelEntry> entries) {
  std::string problems = CheckAll(entries);
  if (!problems.empty()) NABLA_THROW(kInvalidArgument) << problems;
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  for (KernelEntry& entry : entries) {
    auto key = std::make_tuple(entry.op, entry.backend, entry.compute);
    d.entries.push_back(std::move(entry));
    d.by_key[key] = &d.entries.back();
  }
}

void KernelRegistry::RegisterBackend(BackendInfo info) {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  if (info.name == "eigen" || info.name == "auto" || d.backends.count(info.name)) {
    NABLA_THROW(kInvalidArgument) << "backend '" << info.name << "' is already registered";
  }
  d.backends[info.name] = std::move(info);
}

const KernelEntry* KernelRegistry::Find(const std::string& op, const std::string& backend,
                                        ComputeType compute) const {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  auto it = d.by_key.find(std::make_tuple(op, backend, compute));
  return it == d.by_key.end() ? nullptr : it->second;
}

std::vector<const KernelEntry*> KernelRegistry::Entries() const {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<const KernelEntry*> out;
  for (const auto& [key, entry] : d.by_key) out.push_back(entry);
  return out;
}

std::vector<const KernelEntry*> KernelRegistry::EntriesFor(const std::string& op) const {
  std::vector<const KernelEntry*> out;
  for (const KernelEntry* e : Entries()) {
    if (e->op == op) out.push_back(e);
  }
  return out;
}

const BackendInfo* KernelRegistry::FindBackend(const std::string& name) const {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  auto it = d.backends.find(name);
  return it == d.backends.end() ? nullptr : &it->second;
}

std::vector<std::string> KernelRegistry::BackendNames() const {
  Impl& d = impl();
  std::lock_guard<std::mutex> lock(d.mu);
  std::vector<std::string> names;
  for (const auto& [name, info] : d.backends) names.push_back(name);
  return names;
}

std::vector<std::string> BackendChoices() {
  std::vector<std::string> choices = {"auto", "eigen"};
  for (const std::string& name : KernelRegistry::Global().BackendNames()) choices.push_back(name);
  return choices;
}

void SetExecutionOptions(const ExecutionOptions& options) {
  const KernelRegistry& registry = KernelRegistry::Global();
  std::vector<std::string> candidates;
  if (options.backend == "auto") {
    candidates = registry.BackendNames();
  } else if (options.backend != "eigen") {
    const BackendInfo* info = registry.FindBackend(options.backend);
    if (info == nullptr) {
      NABLA_THROW(kInvalidArgument) << "unknown backend '" << options.backend
                                    << "'; this build has " << Join(BackendChoices());
    }
    std::string why = info->unavailable(ComputeType::kFloat32);
    if (!why.empty()) {
      NABLA_THROW(kInvalidArgument) << "backend '" << options.backend << "' cannot run here: " << why;
    }
    candidates = {options.backend};
  }
  if (options.precision == Precision::kBFloat16) {
    std::vector<std::string> reasons;
    bool native = false;
    for (const std::string& name : candidates) {
      std::string why = registry.FindBackend(name)->unavailable(ComputeType::kBFloat16);
      if (why.empty()) native = true;
      else reasons.push_back(name + ": " + why);
    }
    if (!native) {
      std::string detail = candidates.empty()
                               ? "backend '" + options.backend + "' has no bf16 kernels"
                               : Join(reasons, "; ");
      NABLA_THROW(kInvalidArgument)
          << "--precision bf16 needs native bf16 arithmetic (AVX512_BF16 or AMX) through "
             "a backend that has it, and none is available: "
          << detail
          << ". nabla refuses rather than emulate bf16, which would be slower than float32; "
             "use --precision float32";
    }
  }
  MutableOptions() = options;
}

const ExecutionOptions& GetExecutionOptions() { return MutableOptions(); }

ExecutionOptionsGuard::ExecutionOptionsGuard(const ExecutionOptions& options)
    : previous_(GetExecutionOptions()) {
  SetExecutionOptions(options);
}
ExecutionOptionsGuard::~ExecutionOptionsGuard() { MutableOptions() = previous_; }

SelectedKernel SelectKernel(const OpSchema& op, const AttrMap& attrs, DType dtype) {
  const ExecutionOptions& options = GetExecutionOptions();
  const ComputeType reference =
      dtype == DType::kFloat64 ? ComputeType::kFloat64 : ComputeType::kFloat32;
  if (dtype == DType::kFloat32 && options.backend != "eigen") {
    const KernelRegistry& registry = KernelRegistry::Global();
    std::vector<std::string> backends = options.backend == "auto"
                                            ? registry.BackendNames()
                                            : std::vector<std::string>{options.backend};
    auto usable = [&](const std::string& backend, ComputeType type) -> const KernelEntry* {
      const BackendInfo* info = registry.FindBackend(backend);
      if (info == nullptr || !info->unavailable(type).empty()) return nullptr;
      const KernelEntry* e = registry.Find(op.name(), backend, type);
      return e != nullptr && (e->auto_select || options.backend != "auto") ? e : nullptr;
    };
    if (options.precision == Precision::kBFloat16) {
      for (const std::string& backend : backends) {
        if (const KernelEntry* e = usable(backend, ComputeType::kBFloat16)) {
          return Instantiate(*e, attrs);
        }
      }
    }
    for (const std::string& backend : backends) {
      if (const KernelEntry* e = usable(backend, ComputeType::kFloat32)) {
        return Instantiate(*e, attrs);
      }
    }
  }
  return {std::make_shared<EigenKernel>(op.forward(dtype), op.backward(dtype)), "eigen",
          reference};
}

KernelRegistrar::KernelRegistrar(const char* op, const char* backend, ComputeType compute,
                                 KernelFactory factory, const char* file, int line,
                                 bool auto_select) {
  try {
    KernelRegistry::Global().Register({op, backend, compute, std::move(factory),
                                       {std::string(file) + ":" + std::to_string(line)},
                                       auto_select});
  } catch (const Error& e) {
    std::fprintf(stderr, "nabla: %s\n", e.what());
    std::exit(1);
  }
}

BackendRegistrar::BackendRegistrar(BackendInfo info) {
  try {
    KernelRegistry::Global().RegisterBackend(std::move(info));
  } catch (const Error& e) {
    std::fprintf(stderr, "nabla: %s\n", e.what());
    std::exit(1);
  }
}

}  // namespace nabla
