// nabla train MODEL --data DATA --epochs N --save CKPT [options]
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "data/dataset_dir.h"
#include "graph/atomic_file.h"
#include "graph/model.h"
#include "graph/parallel.h"
#include "graph/variable.h"
#include "tools/cli/commands.h"
#include "tools/cli/execution_options.h"
#include "tools/cli/common.h"
#include "train/checkpoint.h"
#include "train/checkpoint_text.h"
#include "train/training_state.h"

namespace nabla::cli {
namespace {

constexpr char kUsage[] =
    "MODEL --data DATA --epochs N [--save CKPT] [--batch-size 256] [--lr 0.01]\n"
    "      [--momentum 0.9] [--weight-decay 0] [--optimizer sgd|adam] [--lr-schedule "
    "constant|cosine]\n"
    "      [--seed S] [--threads T] [--resume CKPT] [--set NODE.ATTR=VALUE]...\n"
    "      [--backend auto|eigen|dnnl] [--precision float32|bf16]\n"
    "      [--metrics FILE.csv] [--track PARAM]... [--plugin LIB]... [--check-numerics]";

// One row per epoch; tracked parameters (--track) add a column each with
// the parameter's mean value at the end of the epoch.
std::string MetricsCsv(const std::vector<EpochResult>& history,
                       const std::vector<std::string>& tracked,
                       const std::vector<std::vector<double>>& tracked_values,
                       const std::string& diverged) {
  std::ostringstream csv;
  csv.precision(9);
  csv << "epoch,train_loss,test_loss,test_accuracy,seconds";
  for (const std::string& name : tracked) csv << "," << name;
  csv << ",diverged_at\n";
  for (size_t i = 0; i < history.size(); ++i) {
    const EpochResult& r = history[i];
    csv << r.epoch << "," << r.train_loss << "," << r.test_loss << "," << r.test_accuracy << ","
        << r.seconds;
    for (size_t k = 0; k < tracked.size(); ++k) {
      csv << ",";
      if (i < tracked_values.size()) csv << tracked_values[i][k];
    }
    csv << ",\n";
  }
  if (!diverged.empty()) {
    csv << ",,,,";
    for (size_t k = 0; k < tracked.size(); ++k) csv << ",";
    csv << ",\"" << diverged << "\"\n";
  }
  return csv.str();
}

Variable FindParameter(const GraphModel& model, const std::string& name) {
  std::string known;
  for (const NamedParameter& p : model.NamedParameters()) {
    if (p.name == name) return p.variable;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  NABLA_THROW(kInvalidArgument) << "--track: the model has no parameter '" << name
                                << "' (it has: " << known << ")";
}

// The test split when the data set has one; training can go on without it.
std::unique_ptr<data::Dataset> LoadTestSplitIfPresent(const std::string& data_arg) {
  std::string dir = data::ResolveDataDir(data_arg);
  try {
    data::FindSplit(dir, data::Split::kTest);
  } catch (const Error&) {
    std::cerr << "nabla train: note: " << dir << " has no test split; test metrics are skipped\n";
    return nullptr;
  }
  return std::make_unique<data::Dataset>(data::LoadSplit(data_arg, data::Split::kTest));
}

}  // namespace

int TrainCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file")
      ("data", po::value<std::string>()->required(), "IDX directory or short name (fashion-mnist, mnist-digits)")
      ("epochs", po::value<int64_t>()->required(), "total epochs (a resumed run counts earlier ones)")
      ("save", po::value<std::string>(), "write the final checkpoint here")
      ("batch-size", po::value<int64_t>()->default_value(256), "samples per step")
      ("lr", po::value<double>()->default_value(0.01), "learning rate")
      ("momentum", po::value<double>()->default_value(0.9), "SGD momentum")
      ("weight-decay", po::value<double>()->default_value(0.0), "L2 weight decay (PReLU slopes exempt)")
      ("optimizer", po::value<std::string>()->default_value("sgd"), "sgd or adam")
      ("lr-schedule", po::value<std::string>()->default_value("constant"), "constant or cosine")
      ("seed", po::value<uint64_t>()->default_value(0), "initialisation, shuffling and dropout seed")
      ("threads", po::value<int>()->default_value(0), "threads (0: one per core)")
      ("resume", po::value<std::string>(), "continue from this checkpoint")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override (repeatable)")
      ("metrics", po::value<std::string>(), "write per-epoch metrics as CSV")
      ("track", po::value<std::vector<std::string>>()->composing(), "add a parameter's mean value per epoch to the metrics (repeatable, e.g. act1.slope)")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library (repeatable)")
      ("check-numerics", po::bool_switch(), "name the first node whose output goes non-finite");
  AddExecutionOptions(&options);
  po::variables_map vm;
  if (!ParseArgs("train", kUsage, args, options, {"model"}, &vm)) return kExitOk;
  const ExecutionOptions execution = ApplyExecutionOptions(vm);

  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  SetNumThreads(vm["threads"].as<int>());
  SetCheckNumerics(vm["check-numerics"].as<bool>());
  const uint64_t seed = vm["seed"].as<uint64_t>();
  std::vector<std::string> overrides;
  if (vm.count("set")) overrides = vm["set"].as<std::vector<std::string>>();

  // Seeding before the model is built makes its initial weights a function
  // of --seed alone.
  ManualSeed(seed);
  const std::string model_path = vm["model"].as<std::string>();
  std::shared_ptr<GraphModel> model = GraphModel::Load(model_path, overrides);
  const std::string data_arg = vm["data"].as<std::string>();
  data::Dataset train = data::LoadSplit(data_arg, data::Split::kTrain);
  std::unique_ptr<data::Dataset> test = LoadTestSplitIfPresent(data_arg);

  TrainOptions train_options;
  train_options.optimizer = vm["optimizer"].as<std::string>();
  train_options.lr = vm["lr"].as<double>();
  train_options.momentum = vm["momentum"].as<double>();
  train_options.weight_decay = vm["weight-decay"].as<double>();
  train_options.lr_schedule = vm["lr-schedule"].as<std::string>();
  train_options.batch_size = vm["batch-size"].as<int64_t>();
  train_options.epochs = vm["epochs"].as<int64_t>();
  train_options.seed = seed;
  Trainer trainer(model.get(), train_options);
  std::vector<std::string> tracked;
  if (vm.count("track")) tracked = vm["track"].as<std::vector<std::string>>();
  std::vector<Variable> tracked_params;
  for (const std::string& name : tracked) tracked_params.push_back(FindParameter(*model, name));
  std::vector<std::vector<double>> tracked_values;
  if (vm.count("resume")) {
    Checkpoint checkpoint = ReadCheckpointFile(vm["resume"].as<std::string>());
    RestoreTrainingState(checkpoint, model.get(), &trainer);
    std::cerr << "nabla train: resumed from " << checkpoint.source << " at epoch "
              << trainer.epoch() << ", step " << trainer.step() << "\n";
  }

  proto::TrainConfig config;
  config.set_optimizer(train_options.optimizer);
  config.set_lr(train_options.lr);
  config.set_momentum(train_options.momentum);
  config.set_weight_decay(train_options.weight_decay);
  config.set_batch_size(train_options.batch_size);
  config.set_seed(seed);
  config.set_threads(NumThreads());
  config.set_backend(execution.backend);
  config.set_precision(PrecisionName(execution.precision));
  config.set_data(data_arg);
  config.set_epochs(train_options.epochs);
  for (const std::string& o : overrides) config.add_overrides(o);

  std::cerr << "nabla train: " << model->def().name() << " (" << model->NumParameters()
            << " parameters) on " << train.size << " samples of " << data_arg << ", "
            << NumThreads() << " thread(s), backend " << execution.backend << ", "
            << PrecisionName(execution.precision) << "\n";
  ProgressBar bar;
  auto on_step = [&](const StepProgress& p) {
    bar.Update(p.epoch, train_options.epochs, p.batch, p.batches, p.running_loss,
               p.samples_per_second, p.elapsed);
  };
  auto on_epoch = [&](const EpochResult& r) {
    bar.Clear();
    std::vector<double>& values = tracked_values.emplace_back();
    for (const Variable& p : tracked_params) values.push_back(p.value().array<float>().mean());
    std::printf("epoch %lld/%lld  train_loss %.4f  test_loss %.4f  test_acc %.2f%%  %.1fs\n",
                static_cast<long long>(r.epoch), static_cast<long long>(train_options.epochs),
                r.train_loss, r.test_loss, 100 * r.test_accuracy, r.seconds);
    std::fflush(stdout);
  };
  const std::string metrics = vm.count("metrics") ? vm["metrics"].as<std::string>() : "";
  try {
    trainer.Train(train, test.get(), on_step, on_epoch);
  } catch (const Error& e) {
    bar.Clear();
    if (e.code() == ErrorCode::kDiverged && !metrics.empty()) {
      WriteFileAtomic(metrics, MetricsCsv(trainer.history(), tracked, tracked_values, e.what()));
    }
    throw;
  }
  if (!metrics.empty()) WriteFileAtomic(metrics, MetricsCsv(trainer.history(), tracked, tracked_values, ""));
  if (vm.count("save")) {
    const std::string path = vm["save"].as<std::string>();
    SaveCheckpoint(path, CaptureTrainingState(*model, trainer, config));
    std::cerr << "nabla train: saved " << path << "\n";
  }
  return kExitOk;
}

}  // namespace nabla::cli
