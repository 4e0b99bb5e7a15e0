// nabla ops [--plugin LIB]...: every registered op with its schema and
// origin.
#include <iostream>

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
  }
  return kExitOk;
}

}  // namespace nabla::cli
