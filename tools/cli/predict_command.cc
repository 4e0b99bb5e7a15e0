// nabla predict MODEL --weights CKPT --data DATA [--split test|train]
//   --out PREDS.csv
// One CSV row per sample, in data order: index, label, predicted class
// (the logits' argmax, as eval counts it) and the softmax probability of
// every class. The forward pass is eval's (train/trainer.h Evaluate), so
// the rows' accuracy is eval's accuracy. Written atomically, once every
// sample has been predicted.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "data/dataset_dir.h"
#include "graph/atomic_file.h"
#include "graph/model.h"
#include "graph/parallel.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"
#include "tools/cli/execution_options.h"
#include "train/checkpoint_text.h"
#include "train/trainer.h"
#include "train/training_state.h"

namespace nabla::cli {

int PredictCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file")
      ("weights", po::value<std::string>()->required(), "checkpoint to load")
      ("data", po::value<std::string>()->required(), "IDX directory or short name")
      ("split", po::value<std::string>()->default_value("test"), "test or train")
      ("out", po::value<std::string>()->required(), "CSV file to write");
  AddModelRunOptions(&options);
  AddExecutionOptions(&options);
  po::variables_map vm;
  if (!ParseArgs("predict", "MODEL --weights CKPT --data DATA [--split test|train] --out "
                 "PREDS.csv [--batch-size 1000] [--threads T] [--set NODE.ATTR=VALUE]... "
                 "[--plugin LIB]... [--backend B] [--precision P]", args, options, {"model"}, &vm)) {
    return kExitOk;
  }
  const ModelRunFlags flags = ParseModelRunFlags("predict", vm);
  const std::string model_path = vm["model"].as<std::string>();
  const std::string weights = vm["weights"].as<std::string>();
  const std::string out = vm["out"].as<std::string>();
  for (const auto& [what, path] : {std::pair<std::string, std::string>{"the graph file", model_path},
                                   {"--weights", weights}}) {
    if (SameFile(out, path)) {
      throw UsageError("nabla predict: --out '" + out + "' is " + what +
                       ": writing it would destroy it");
    }
  }
  CheckWritable(out, "--out: ");
  StartModelRun(vm, flags);

  std::shared_ptr<GraphModel> model = GraphModel::Load(model_path, flags.overrides);
  LoadWeights(ReadCheckpointFile(weights), model.get(), /*partial=*/false);
  const std::string data_arg = vm["data"].as<std::string>();
  const data::Dataset data =
      data::LoadSplit(data_arg, flags.train_split ? data::Split::kTrain : data::Split::kTest);

  const int64_t classes = FindClassifier(*model).classes;
  std::string csv = "index,label,predicted";
  for (int64_t k = 0; k < classes; ++k) csv += ",prob_" + std::to_string(k);
  csv += "\n";
  int64_t index = 0;
  std::vector<double> probs(classes);
  const EvalResult result = Evaluate(
      model.get(), data, flags.batch_size, [&](const Tensor& logits, const Tensor& labels) {
        for (int64_t i = 0; i < labels.size(); ++i, ++index) {
          const float* row = logits.data<float>() + i * classes;
          // Argmax with the first maximum, as Evaluate counts it.
          int64_t best = 0;
          for (int64_t k = 1; k < classes; ++k) {
            if (row[k] > row[best]) best = k;
          }
          // Softmax in double, shifted by the largest logit.
          double sum = 0;
          for (int64_t k = 0; k < classes; ++k) sum += probs[k] = std::exp(double(row[k]) - row[best]);
          char field[40];
          csv += std::to_string(index) + "," + std::to_string(labels.data<int32_t>()[i]) + "," +
                 std::to_string(best);
          for (int64_t k = 0; k < classes; ++k) {
            std::snprintf(field, sizeof(field), ",%.7g", probs[k] / sum);
            csv += field;
          }
          csv += "\n";
        }
      });
  WriteFileAtomic(out, csv);
  std::printf("wrote %s: %lld samples of %s (%s), accuracy %.2f%%\n", out.c_str(),
              static_cast<long long>(result.samples), flags.train_split ? "train" : "test", data_arg.c_str(),
              100 * result.accuracy);
  return kExitOk;
}

}  // namespace nabla::cli
