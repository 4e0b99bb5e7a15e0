// nabla ops [--plugin LIB]...: every registered op with its schema and
// origin.
#include <iostream>

#include "graph/kernel.h"
#include "graph/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"

namespace nabla::cli {

int OpsCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()("plugin", po::value<std::vector<std::string>>()->composing(),
                        "load an op library first (repeatable)");
  po::variables_map vm;
  if (!ParseArgs("ops", "[--plugin LIB]...", args, options, {}, &vm)) return kExitOk;
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());

  const OpRegistry& registry = OpRegistry::Global();
  for (const std::string& name : registry.Names()) {
    const OpSchema& op = registry.Get(name);
    std::cout << name << "  [" << registry.OriginOf(name).ToString() << "]\n";
    if (!op.doc().empty()) std::cout << "  " << op.doc() << "\n";
    std::cout << "  inputs:";
    for (const InputSpec& in : op.inputs()) {
      std::cout << " " << in.name << (in.is_int ? " (int32)" : "");
    }
    std::cout << "\n  outputs:";
    for (const std::string& out : op.outputs()) std::cout << " " << out;
    std::cout << "\n";
    for (const AttrSpec& a : op.attrs()) {
      std::cout << "  attr " << a.name << ": " << AttrTypeName(a.type);
      std::cout << (a.default_value ? " = " + a.default_value->ToString() : " (required)");
      if (!a.constraint_doc.empty()) std::cout << ", " << a.constraint_doc;
      if (!a.doc.empty()) std::cout << "  -- " << a.doc;
      std::cout << "\n";
    }
    for (const ParamSpec& p : op.params()) {
      std::cout << "  param " << p.name;
      if (!p.doc.empty()) std::cout << " " << p.doc;
      std::cout << (p.weight_decay ? "" : ", no weight decay") << "\n";
    }
    std::cout << "  kernels: eigen (float32, float64)";
    for (const KernelEntry* k : KernelRegistry::Global().EntriesFor(name)) {
      std::cout << ", " << k->backend << " (" << ComputeTypeName(k->compute)
                << (k->auto_select ? "" : ", only with --backend " + k->backend) << ")";
    }
    std::cout << "\n";
  }
  std::cout << "\nbackends: eigen (the reference: every op, float32 and float64)";
  for (const std::string& name : KernelRegistry::Global().BackendNames()) {
    const BackendInfo* info = KernelRegistry::Global().FindBackend(name);
    std::cout << "; " << name << " (" << info->description;
    const std::string bf16 = info->unavailable(ComputeType::kBFloat16);
    std::cout << (bf16.empty() ? "; bf16 runs natively here" : "; no bf16 here: " + bf16) << ")";
  }
  std::cout << "\n";
  return kExitOk;
}

}  // namespace nabla::cli
