// nabla gradcheck [--plugin LIB]... [OP...]: the registry-driven
// finite-difference check (graph/gradcheck.h), the one the op tests run, on
// every registered op or the named ones. One row per op, sample and
// floating input or parameter with the largest relative error; exit code
// kExitCheckFailed when any op fails.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "graph/gradcheck.h"
#include "graph/registry.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "tools/cli/help.h"

namespace nabla::cli {
namespace {

std::string SampleLabel(const GradCheckEntry& e) {
  return std::to_string(e.sample) + (e.mode.empty() ? "" : " (" + e.mode + ")");
}

std::string InputLabel(const GradCheckEntry& e) {
  return (e.is_param ? "param " : "input ") + std::to_string(e.index) + " (" + e.name + ")";
}

}  // namespace

int GradcheckCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("plugin", po::value<std::vector<std::string>>()->composing(),
       "load an op library first (repeatable)")
      ("op", po::value<std::vector<std::string>>()->composing(),
       "ops to check (default: every registered op)");
  po::variables_map vm;
  // Any number of OP names: ParseArgs takes one bare argument per name, so
  // parse the positionals here.
  po::options_description all = options;
  all.add_options()("help,h", "show this help");
  po::positional_options_description positional;
  positional.add("op", -1);
  const std::string usage = "[--plugin LIB]... [OP...]";
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string("nabla gradcheck: ") + e.what() +
                     "\nusage: nabla gradcheck " + usage);
  }
  if (vm.count("help")) {
    std::cout << FormatHelp("gradcheck", usage, all, {"op"}) << "\n"
              << "Checks each op's backward against central finite differences in float64, on\n"
                 "the samples its schema declares; error = |numeric - analytic| / max(1, "
                 "|numeric|),\nPASS below "
              << kGradCheckTolerance << ".\n";
    return kExitOk;
  }
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());

  const OpRegistry& registry = OpRegistry::Global();
  std::vector<std::string> names =
      vm.count("op") ? vm["op"].as<std::vector<std::string>>() : registry.Names();
  // Every name is checked before any op runs; one line per unknown name.
  std::string unknown;
  for (const std::string& name : names) {
    if (registry.Find(name) != nullptr) continue;
    unknown += (unknown.empty() ? "" : "\n") + registry.UnknownOpMessage(name);
  }
  if (!unknown.empty()) NABLA_THROW(kNotFound) << unknown;

  std::printf("%-22s %-15s %-24s %8s  %13s  %s\n", "op", "sample", "input", "elements",
              "max rel error", "result");
  std::vector<std::string> failed;
  std::vector<std::string> messages;
  for (const std::string& name : names) {
    const GradCheckResult result = RunGradCheck(registry.Get(name));
    for (const GradCheckEntry& e : result.entries) {
      std::printf("%-22s %-15s %-24s %8lld  %13.3g  %s\n", name.c_str(),
                  SampleLabel(e).c_str(), InputLabel(e).c_str(),
                  static_cast<long long>(e.elements), e.max_error, e.pass ? "PASS" : "FAIL");
      if (e.pass) continue;
      char where[160];
      std::snprintf(where, sizeof(where), "largest relative error %.3g at [%lld]: analytic %.6g, "
                    "numeric %.6g", e.max_error, static_cast<long long>(e.worst), e.analytic,
                    e.numeric);
      std::string message = "FAIL " + name + " sample " + SampleLabel(e) + " " + InputLabel(e) +
                            ": ";
      if (e.max_error > kGradCheckTolerance || e.max_error != e.max_error) {
        message += where;
        if (!e.accumulates) message += "; ";
      }
      if (!e.accumulates) {
        message += "its backward overwrote a gradient that already held values instead of "
                   "adding to it";
      }
      messages.push_back(message);
    }
    if (result.passed()) continue;
    failed.push_back(name);
    // Failures that belong to no input (no samples, a kernel that threw).
    bool any_entry_failed = false;
    for (const GradCheckEntry& e : result.entries) any_entry_failed |= !e.pass;
    if (!any_entry_failed) {
      for (const std::string& problem : result.problems) messages.push_back("FAIL " + problem);
    }
  }
  std::fflush(stdout);
  for (const std::string& message : messages) std::fprintf(stderr, "%s\n", message.c_str());
  if (!failed.empty()) {
    std::string list;
    for (const std::string& name : failed) list += (list.empty() ? "" : ", ") + name;
    std::fprintf(stderr, "nabla gradcheck: %zu of %zu op(s) failed: %s\n", failed.size(),
                 names.size(), list.c_str());
    return kExitCheckFailed;
  }
  std::printf("gradcheck: all %zu op(s) passed\n", names.size());
  return kExitOk;
}

}  // namespace nabla::cli
