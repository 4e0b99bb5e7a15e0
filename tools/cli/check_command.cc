// nabla check MODEL [--json] [--set NODE.ATTR=VALUE]... [--plugin LIB]...:
// reads, overrides and validates a graph file as every command that loads
// one does, and reports the outcome instead of stopping at it: "MODEL: OK
// (N nodes)", or each problem's line exactly as `describe` would print it;
// with --json one object holding each problem's fields (graph/problem.h).
// Exit code 0 when valid, kExitInvalidInput when not. Writes no file.
#include <iostream>
#include <sstream>

#include "graph/model.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"

namespace nabla::cli {
namespace {

struct CheckResult {
  int nodes = 0;
  std::vector<GraphProblem> problems;
};

// As GraphModel::Load, collecting instead of throwing: the problems of the
// overrides that could not be applied, then those of the file with the
// others applied. A file that cannot be read at all (missing, a
// directory) is an Error as for any command.
CheckResult Check(const std::string& path, const std::vector<std::string>& overrides) {
  CheckResult result;
  LoadedModelDef loaded;
  try {
    loaded = ReadModelDef(path);
  } catch (const GraphError& e) {
    result.problems = e.problems();
    return result;
  }
  result.nodes = loaded.def.nodes_size();
  try {
    ApplyOverrides(overrides, &loaded);
  } catch (const GraphError& e) {
    result.problems = e.problems();
  }
  for (GraphProblem& p : ValidateModelDef(loaded)) result.problems.push_back(std::move(p));
  return result;
}

// A field that is absent: null.
std::string JsonOrNull(bool known, const std::string& text) {
  return known ? JsonString(text) : "null";
}
std::string JsonOrNull(bool known, int value) { return known ? std::to_string(value) : "null"; }

std::string ProblemJson(const GraphProblem& p) {
  std::ostringstream out;
  out << "{\"kind\": " << JsonString(ProblemKindName(p.kind))
      << ", \"file\": " << JsonOrNull(!p.file.empty(), p.file)
      << ", \"line\": " << JsonOrNull(p.at.known(), p.at.line)
      << ", \"column\": " << JsonOrNull(p.at.known(), p.at.column)
      << ", \"node\": " << JsonOrNull(p.has_node(), p.node)
      << ", \"node_index\": " << JsonOrNull(p.has_node(), p.node_index)
      << ", \"attribute\": " << JsonOrNull(!p.attribute.empty(), p.attribute)
      << ", \"input\": " << JsonOrNull(p.has_input(), p.input)
      << ", \"input_index\": " << JsonOrNull(p.has_input(), p.input_index)
      << ", \"message\": " << JsonString(p.message) << "}";
  return out.str();
}

}  // namespace

int CheckCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file (.pbtxt or .pb)")
      ("json", po::bool_switch(), "print one JSON object with each problem's fields")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first");
  po::variables_map vm;
  if (!ParseArgs("check", "MODEL [--json] [--set NODE.ATTR=VALUE]... [--plugin LIB]...", args,
                 options, {"model"}, &vm)) {
    return kExitOk;
  }
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
  const std::string path = vm["model"].as<std::string>();
  const CheckResult result = Check(path, overrides);
  const bool ok = result.problems.empty();

  if (vm["json"].as<bool>()) {
    std::ostringstream out;
    out << "{\n  \"file\": " << JsonString(path) << ",\n  \"ok\": " << (ok ? "true" : "false")
        << ",\n  \"nodes\": " << result.nodes << ",\n  \"problems\": [";
    for (size_t i = 0; i < result.problems.size(); ++i) {
      out << (i == 0 ? "\n    " : ",\n    ") << ProblemJson(result.problems[i]);
    }
    out << (ok ? "]" : "\n  ]") << "\n}\n";
    std::cout << out.str();
  } else if (ok) {
    std::cout << path << ": OK (" << result.nodes << " node" << (result.nodes == 1 ? "" : "s")
              << ")\n";
  } else {
    std::cout << FormatProblems(result.problems) << "\n";
  }
  return ok ? kExitOk : kExitInvalidInput;
}

}  // namespace nabla::cli
