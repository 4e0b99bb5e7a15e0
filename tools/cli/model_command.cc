// nabla describe MODEL and nabla convert IN OUT.
#include <iostream>

#include "graph/model.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "train/checkpoint_tensors.h"
#include "train/checkpoint_text.h"

namespace nabla::cli {

int DescribeCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file (.pbtxt or .pb)")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override");
  po::variables_map vm;
  if (!ParseArgs("describe", "MODEL [--plugin LIB]... [--set NODE.ATTR=VALUE]...", args,
                 options, {"model"}, &vm)) {
    return kExitOk;
  }
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
  auto model = GraphModel::Load(vm["model"].as<std::string>(), overrides);
  std::cout << model->Describe();
  return kExitOk;
}

int ConvertCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("in", po::value<std::string>(), "input file")
      ("out", po::value<std::string>(), "output file")
      ("weights-only", po::bool_switch(),
       "checkpoints: drop the optimiser state (for eval and export; the result cannot resume)")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first");
  po::variables_map vm;
  if (!ParseArgs("convert", "IN OUT [--weights-only] [--plugin LIB]...   (graph files: .pbtxt <-> .pb; "
                 "checkpoints: .ckpt <-> .ckpt.txt)", args, options, {"in", "out"}, &vm)) {
    return kExitOk;
  }
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  const std::string in = vm["in"].as<std::string>(), out = vm["out"].as<std::string>();
  // The output's extension says what to write; one convert does not know
  // is refused rather than written in some other format under that name.
  auto ends_with = [](const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const bool out_checkpoint = IsCheckpointTextPath(out) || ends_with(out, ".ckpt");
  const bool out_graph = !out_checkpoint && (ends_with(out, ".pb") || ends_with(out, ".pbtxt"));
  if (IsCheckpointPath(in)) {
    if (!out_checkpoint) {
      throw UsageError("nabla convert: " + in + " is a checkpoint, so OUT must end in .ckpt "
                       "(binary) or .ckpt.txt (text), found '" + out + "'");
    }
    if (vm["weights-only"].as<bool>()) {
      WriteCheckpointFile(out, WeightsOnly(ReadCheckpointFile(in)));
    } else {
      ConvertCheckpointFile(in, out);
    }
  } else {
    if (vm["weights-only"].as<bool>()) {
      throw UsageError("nabla convert: --weights-only is for checkpoints, and " + in +
                       " is not one (a checkpoint ends in .ckpt or .ckpt.txt or starts with "
                       "NABLACKP)");
    }
    if (out_checkpoint) {
      throw UsageError("nabla convert: " + in + " is not a checkpoint, so OUT cannot be one ('" +
                       out + "'); graph files convert to .pb (binary) or .pbtxt (text)");
    }
    if (!out_graph) {
      throw UsageError("nabla convert: OUT must end in .pb or .pbtxt (graph files) or .ckpt or "
                       ".ckpt.txt (checkpoints), found '" + out + "'");
    }
    ConvertModelFile(in, out);
  }
  std::cout << "wrote " << out << "\n";
  return kExitOk;
}

}  // namespace nabla::cli
