// nabla eval MODEL --weights CKPT --data DATA [--split test|train] [--json]
#include <cstdio>
#include <iostream>

#include "data/dataset_dir.h"
#include "graph/model.h"
#include "graph/parallel.h"
#include "tools/cli/commands.h"
#include "tools/cli/execution_options.h"
#include "tools/cli/common.h"
#include "train/checkpoint.h"
#include "train/checkpoint_text.h"
#include "train/trainer.h"
#include "train/training_state.h"

namespace nabla::cli {

int EvalCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file")
      ("weights", po::value<std::string>()->required(), "checkpoint to load")
      ("data", po::value<std::string>()->required(), "IDX directory or short name")
      ("split", po::value<std::string>()->default_value("test"), "test or train")
      ("json", po::bool_switch(), "print one JSON object")
      ("partial", po::bool_switch(), "load the tensors that match and report the rest");
  AddModelRunOptions(&options);
  po::variables_map vm;
  AddExecutionOptions(&options);
  if (!ParseArgs("eval", "MODEL --weights CKPT --data DATA [--split test|train] [--json] "
                 "[--partial]\n      [--batch-size 1000] [--threads T] [--set NODE.ATTR=VALUE]... "
                 "[--plugin LIB]...\n      [--backend auto|eigen|dnnl] [--precision float32|bf16]",
                 args, options, {"model"}, &vm)) {
    return kExitOk;
  }
  const ModelRunFlags flags = ParseModelRunFlags("eval", vm);
  StartModelRun(vm, flags);

  std::shared_ptr<GraphModel> model =
      GraphModel::Load(vm["model"].as<std::string>(), flags.overrides);
  Checkpoint checkpoint = ReadCheckpointFile(vm["weights"].as<std::string>());
  const bool partial = vm["partial"].as<bool>();
  std::string report = LoadWeights(checkpoint, model.get(), partial);
  if (partial && model->NumParameters() > 0) {
    // A partial load that matched nothing would evaluate random weights.
    LoadReport matched = LoadParameters(checkpoint, model.get(), /*partial=*/true);
    if (matched.loaded.empty()) {
      NABLA_THROW(kInvalidFile) << checkpoint.source
                                << ": --partial matched no tensor of the model, so nothing "
                                   "would be evaluated but its random initial weights:\n"
                                << report;
    }
  }
  if (!report.empty()) std::cerr << "nabla eval: partial load:\n" << report << "\n";

  const std::string data_arg = vm["data"].as<std::string>();
  data::Dataset data =
      data::LoadSplit(data_arg, flags.train_split ? data::Split::kTrain : data::Split::kTest);
  EvalResult result = Evaluate(model.get(), data, flags.batch_size);
  if (vm["json"].as<bool>()) {
    // JSON has no NaN: a non-finite loss prints as null.
    std::printf("{\"accuracy\": %s, \"loss\": %s, \"samples\": %lld, \"split\": \"%s\"}\n",
                JsonNumber(result.accuracy).c_str(), JsonNumber(result.loss).c_str(),
                static_cast<long long>(result.samples), flags.train_split ? "train" : "test");
  } else {
    std::printf("%s: loss %.4f  accuracy %.2f%%  (%lld samples of %s)\n", flags.train_split ? "train" : "test",
                result.loss, 100 * result.accuracy, static_cast<long long>(result.samples),
                data_arg.c_str());
  }
  return kExitOk;
}

}  // namespace nabla::cli
