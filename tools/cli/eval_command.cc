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
      ("partial", po::bool_switch(), "load the tensors that match and report the rest")
      ("batch-size", po::value<int64_t>()->default_value(1000), "samples per forward pass")
      ("threads", po::value<int>()->default_value(0), "threads (0: one per usable core)")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first");
  po::variables_map vm;
  AddExecutionOptions(&options);
  if (!ParseArgs("eval", "MODEL --weights CKPT --data DATA [--split test|train] [--json] "
                 "[--partial]\n      [--batch-size 1000] [--threads T] [--set NODE.ATTR=VALUE]... "
                 "[--plugin LIB]...\n      [--backend auto|eigen|dnnl] [--precision float32|bf16]",
                 args, options, {"model"}, &vm)) {
    return kExitOk;
  }
  const std::string split_name = vm["split"].as<std::string>();
  if (split_name != "test" && split_name != "train") {
    throw UsageError("nabla eval: --split must be test or train, found '" + split_name + "'");
  }
  const int64_t batch_size = vm["batch-size"].as<int64_t>();
  if (batch_size < 1 || batch_size > (int64_t{1} << 24)) {
    throw UsageError("nabla eval: --batch-size must be in 1..16777216, found " +
                     std::to_string(batch_size));
  }
  const int threads = CheckThreads("eval", vm["threads"].as<int>());
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::string threads_note;
  SetNumThreads(threads > 0 ? threads : AutoThreads(&threads_note));
  ApplyExecutionOptions(vm);
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();

  std::shared_ptr<GraphModel> model = GraphModel::Load(vm["model"].as<std::string>(), overrides);
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
  data::Dataset data = data::LoadSplit(
      data_arg, split_name == "train" ? data::Split::kTrain : data::Split::kTest);
  EvalResult result = Evaluate(model.get(), data, batch_size);
  if (vm["json"].as<bool>()) {
    // JSON has no NaN: a non-finite loss prints as null.
    std::printf("{\"accuracy\": %s, \"loss\": %s, \"samples\": %lld, \"split\": \"%s\"}\n",
                JsonNumber(result.accuracy).c_str(), JsonNumber(result.loss).c_str(),
                static_cast<long long>(result.samples), split_name.c_str());
  } else {
    std::printf("%s: loss %.4f  accuracy %.2f%%  (%lld samples of %s)\n", split_name.c_str(),
                result.loss, 100 * result.accuracy, static_cast<long long>(result.samples),
                data_arg.c_str());
  }
  return kExitOk;
}

}  // namespace nabla::cli
