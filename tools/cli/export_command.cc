// nabla export MODEL --weights CKPT -o OUT.onnx
#include <iostream>

#include "graph/model.h"
#include "onnx/export.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "train/checkpoint.h"
#include "train/checkpoint_text.h"
#include "train/training_state.h"

namespace nabla::cli {

int ExportCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file")
      ("weights", po::value<std::string>()->required(), "checkpoint to export (.ckpt or .ckpt.txt)")
      ("out,o", po::value<std::string>()->required(), "ONNX file to write")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first");
  po::variables_map vm;
  if (!ParseArgs("export", "MODEL --weights CKPT -o OUT.onnx [--set NODE.ATTR=VALUE]... "
                 "[--plugin LIB]...\n      (ONNX opset 17; the loss is left out, the outputs are "
                 "the logits)", args, options, {"model"}, &vm)) {
    return kExitOk;
  }
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();
  const std::string model_path = vm["model"].as<std::string>();
  const std::string out = vm["out"].as<std::string>();

  std::shared_ptr<GraphModel> model = GraphModel::Load(model_path, overrides);
  Checkpoint checkpoint = ReadCheckpointFile(vm["weights"].as<std::string>());
  LoadWeights(checkpoint, model.get(), /*partial=*/false);
  onnx_io::ExportModelFile(*model, model_path, out);
  std::cout << "wrote " << out << "\n";
  return kExitOk;
}

}  // namespace nabla::cli
