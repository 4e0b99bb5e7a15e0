// nabla train MODEL --data DATA --epochs N --save CKPT [options]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "data/augment.h"
#include "data/dataset_dir.h"
#include "data/validation_split.h"
#include "graph/atomic_file.h"
#include "graph/cross_replica.h"
#include "graph/version.h"
#include "graph/model.h"
#include "graph/parallel.h"
#include "graph/variable.h"
#include "tools/cli/commands.h"
#include "tools/cli/execution_options.h"
#include "tools/cli/common.h"
#include "tools/cli/distributed.h"
#include "train/checkpoint.h"
#include "train/checkpoint_text.h"
#include "train/fingerprint.h"
#include "train/mpi_communicator.h"
#include "train/training_config.h"
#include "train/training_state.h"

namespace nabla::cli {
namespace {

constexpr char kUsage[] =
    "MODEL --data DATA --epochs N [--save CKPT] [--batch-size 256] [--lr 0.01]\n"
    "      [--momentum 0.9] [--weight-decay 0] [--optimizer sgd|adam] [--lr-schedule "
    "constant|cosine]\n"
    "      [--seed S] [--threads T] [--resume CKPT] [--set NODE.ATTR=VALUE]...\n"
    "      [--metrics FILE.csv] [--track PARAM]... [--plugin LIB]... [--check-numerics]\n"
    "      [--save-every N] [--override-config] [--augment shift=PIXELS,rotate=DEGREES,scale=FRACTION,flip=PROB|none]\n"
    "      [--backend auto|eigen|dnnl] [--precision float32|bf16] [--val-split F] [--eval-test]\n"
    "      [--log-every N] [--mpi-timeout SECONDS] [--sync-batchnorm]\n"
    "      (under mpirun -np N: data-parallel over N ranks)";

// One row per epoch (row = "epoch"), and with --log-every one per logged
// step before the row of its epoch (row = "step": epoch, step, train_loss =
// that step's loss, lr; the other cells empty). Tracked parameters
// (--track) add a column each with the parameter's mean value at the end
// of the epoch. The first five columns are those of earlier versions.
std::string MetricsCsv(const std::vector<EpochResult>& history,
                       const std::vector<StepResult>& steps,
                       const std::vector<std::string>& tracked,
                       const std::vector<std::vector<double>>& tracked_values,
                       const std::string& diverged) {
  std::ostringstream csv;
  csv.precision(9);
  csv << "epoch,train_loss,test_loss,test_accuracy,seconds,train_accuracy,val_loss,val_accuracy,"
         "lr,step,row";
  for (const std::string& name : tracked) csv << "," << name;
  csv << ",diverged_at\n";
  const std::string blank_tracked(tracked.size(), ',');
  size_t next_step = 0;
  auto step_rows = [&](int64_t through_epoch) {
    for (; next_step < steps.size() && steps[next_step].epoch <= through_epoch; ++next_step) {
      const StepResult& s = steps[next_step];
      csv << s.epoch << "," << s.loss << ",,,,,,," << s.lr << "," << s.step << ",step"
          << blank_tracked << ",\n";
    }
  };
  for (size_t i = 0; i < history.size(); ++i) {
    const EpochResult& r = history[i];
    step_rows(r.epoch);
    csv << r.epoch << "," << r.train_loss << "," << r.test_loss << "," << r.test_accuracy << ","
        << r.seconds << "," << r.train_accuracy << "," << r.val_loss << "," << r.val_accuracy
        << "," << r.lr << ",,epoch";  // step: empty on epoch rows
    for (size_t k = 0; k < tracked.size(); ++k) {
      csv << ",";
      // Epochs before a --resume have no tracked values (NaN): blank.
      if (i < tracked_values.size() && k < tracked_values[i].size() &&
          !std::isnan(tracked_values[i][k])) {
        csv << tracked_values[i][k];
      }
    }
    csv << ",\n";
  }
  // Steps of an epoch that did not finish (interrupted or diverged).
  step_rows(INT64_MAX);
  if (!diverged.empty()) {
    csv << ",,,,,,,,,,";
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

// --save, --metrics, the graph file, the data and --resume must not name
// one file twice, and the outputs must be writable: checked before the
// first step, so a bad path costs seconds, not a finished run.
void CheckOutputPaths(const std::string& model, const std::string& save,
                      const std::string& metrics, const std::string& resume) {
  struct Named {
    const char* flag;
    const std::string& path;
  };
  const std::vector<Named> outputs = {{"--save", save}, {"--metrics", metrics}};
  const std::vector<Named> inputs = {{"the graph file", model}, {"--resume", resume}};
  if (!save.empty() && !metrics.empty() && SameFile(save, metrics)) {
    throw UsageError("nabla train: --save and --metrics name the same file '" + save +
                     "': one would overwrite the other");
  }
  for (const Named& out : outputs) {
    if (out.path.empty()) continue;
    for (const Named& in : inputs) {
      if (in.path.empty() || !SameFile(out.path, in.path)) continue;
      // Continuing a run into its own checkpoint is the usual way to resume.
      if (std::string(out.flag) == "--save" && std::string(in.flag) == "--resume") continue;
      throw UsageError(std::string("nabla train: ") + out.flag + " '" + out.path + "' is " +
                       in.flag + ": writing it would destroy it");
    }
  }
  for (const Named& out : outputs) {
    if (!out.path.empty()) CheckWritable(out.path, std::string(out.flag) + ": ");
  }
}

void CheckParametersFinite(const GraphModel& model, const std::string& when) {
  for (const NamedParameter& p : model.NamedParameters()) {
    if (!p.variable.value().AllFinite()) {
      NABLA_THROW(kDiverged) << "parameter '" << p.name << "' is not finite " << when
                             << "; no checkpoint is saved";
    }
  }
}

// The shortest decimal that reads back as `value` (so 0.05 is "0.05").
std::string Exact(double value) {
  char text[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

// What every rank of a data-parallel run must agree on before it reads a
// checkpoint or data: the flags that shape the run (paths may differ
// between machines; rank 0 alone reads --resume and writes outputs).
std::vector<FingerprintItem> CommandLineFingerprint(const po::variables_map& vm,
                                                    const TrainingConfig& c) {
  std::string explicit_flags, plugins, overrides;
  for (const std::string& flag : ResumableConfigFlags()) {
    if (vm.count(flag) && !vm[flag].defaulted()) explicit_flags += "--" + flag + " ";
  }
  if (vm.count("plugin")) {
    for (const std::string& p : vm["plugin"].as<std::vector<std::string>>()) {
      plugins += p.substr(p.find_last_of('/') + 1) + " ";
    }
  }
  for (const std::string& o : c.overrides) overrides += o + " ";
  return {{"nabla version", NABLA_VERSION},
          {"--optimizer", c.optimizer},
          {"--lr", Exact(c.lr)},
          {"--momentum", Exact(c.momentum)},
          {"--weight-decay", Exact(c.weight_decay)},
          {"--lr-schedule", c.lr_schedule},
          {"--batch-size", std::to_string(c.batch_size)},
          {"--epochs", std::to_string(c.epochs)},
          {"--seed", std::to_string(c.seed)},
          {"--backend", c.backend},
          {"--precision", c.precision},
          {"--set", overrides},
          {"--resume given", vm.count("resume") ? "yes" : "no"},
          {"--override-config", vm["override-config"].as<bool>() ? "yes" : "no"},
          {"flags given explicitly", explicit_flags},
          {"--check-numerics", vm["check-numerics"].as<bool>() ? "yes" : "no"},
          {"--mpi-timeout", Exact(vm["mpi-timeout"].as<double>())},
          {"--plugin", plugins}};
}

// ... and after loading: the model as built (its fingerprint hash,
// train/fingerprint.h), the data and the resolved config.
std::vector<FingerprintItem> ModelDataFingerprint(const GraphModel& model,
                                                  const data::Dataset& train,
                                                  const data::Dataset* test,
                                                  const TrainingConfig& config) {
  TrainingConfig shared = config;
  shared.threads = 0;   // may differ per rank
  shared.data.clear();  // a path; the contents are compared below
  return {{"model", model.def().name() + ", fingerprint " + FingerprintOf(model).hash + ", " +
                        std::to_string(model.NumParameters()) + " parameters"},
          {"training data", DatasetFingerprint(train)},
          {"test data", test != nullptr ? DatasetFingerprint(*test) : "none"},
          {"training config", TrainingConfigToProto(shared).ShortDebugString()}};
}

}  // namespace

int TrainCommand(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("model", po::value<std::string>(), "graph file")
      ("data", po::value<std::string>()->required(), "IDX directory or short name (fashion-mnist, mnist-digits)")
      ("epochs", po::value<int64_t>()->required(), "total epochs (a resumed run counts earlier ones)")
      ("save", po::value<std::string>(), "write the final checkpoint here (and on an interrupt)")
      ("save-every", po::value<int64_t>(), "also write the checkpoint every N epochs (needs --save)")
      ("batch-size", po::value<int64_t>()->default_value(256), "samples per step")
      ("lr", po::value<double>()->default_value(0.01), "learning rate")
      ("momentum", po::value<double>()->default_value(0.9), "SGD momentum")
      ("weight-decay", po::value<double>()->default_value(0.0), "L2 weight decay (PReLU slopes exempt)")
      ("optimizer", po::value<std::string>()->default_value("sgd"), "sgd or adam")
      ("lr-schedule", po::value<std::string>()->default_value("constant"), "constant or cosine")
      ("seed", po::value<std::string>()->default_value("0"), "initialisation, shuffling, dropout and augmentation seed")
      ("augment", po::value<std::string>()->default_value("none"), "random affine augmentation of training images: shift=PIXELS,rotate=DEGREES,scale=FRACTION,flip=PROBABILITY (any subset; flip mirrors left-right), or none")
      ("threads", po::value<int>()->default_value(0), "threads (0: one per usable core)")
      ("resume", po::value<std::string>(), "continue from this checkpoint, with its training config")
      ("override-config", po::bool_switch(), "with --resume: explicit flags replace the checkpoint's config (recorded)")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override (repeatable)")
      ("metrics", po::value<std::string>(), "write per-epoch metrics as CSV (rewritten after every epoch)")
      ("track", po::value<std::vector<std::string>>()->composing(), "add a parameter's mean value per epoch to the metrics (repeatable, e.g. act1.slope)")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library (repeatable)")
      ("check-numerics", po::bool_switch(), "name the first node whose output goes non-finite")
      ("val-split", po::value<double>()->default_value(0.0), "hold out this fraction of the training split (seeded by --seed) and evaluate it every epoch")
      ("eval-test", po::bool_switch(), "evaluate the test split every epoch (off: tune on --val-split, not on the test set)")
      ("log-every", po::value<int64_t>()->default_value(0), "add a metrics row every N steps (step, loss, lr); 0: none")
      ("mpi-timeout", po::value<double>()->default_value(300), "under mpirun: stop when a collective takes longer than this many seconds (a rank hung or died)")
      ("sync-batchnorm", po::bool_switch(), "under mpirun: BatchNorm normalises with the global batch's statistics (default: each rank's own)");
  AddExecutionOptions(&options);
  po::variables_map vm;
  if (!ParseArgs("train", kUsage, args, options, {"model"}, &vm)) return kExitOk;
  const ExecutionOptions execution = ApplyExecutionOptions(vm);

  // The training config, from the flags; validated before anything runs.
  TrainingConfig requested;
  requested.optimizer = vm["optimizer"].as<std::string>();
  requested.lr = vm["lr"].as<double>();
  requested.momentum = vm["momentum"].as<double>();
  requested.weight_decay = vm["weight-decay"].as<double>();
  requested.lr_schedule = vm["lr-schedule"].as<std::string>();
  requested.batch_size = vm["batch-size"].as<int64_t>();
  requested.epochs = vm["epochs"].as<int64_t>();
  requested.seed = ParseSeed("train", vm["seed"].as<std::string>());
  requested.threads = CheckThreads("train", vm["threads"].as<int>());
  requested.data = vm["data"].as<std::string>();
  requested.backend = execution.backend;
  requested.precision = PrecisionName(execution.precision);
  if (vm.count("set")) requested.overrides = vm["set"].as<std::vector<std::string>>();
  requested.val_split = vm["val-split"].as<double>();
  requested.eval_test = vm["eval-test"].as<bool>();
  requested.log_every = vm["log-every"].as<int64_t>();
  try {
    requested.augment = data::AugmentToString(data::ParseAugment(vm["augment"].as<std::string>()));
  } catch (const Error& e) {
    throw UsageError(std::string("nabla train: ") + e.what());
  }
  std::vector<std::string> problems = ValidateTrainingConfig(requested);
  if (!problems.empty()) throw UsageError("nabla train: " + problems[0]);
  const std::string model_path = vm["model"].as<std::string>();
  const std::string save = vm.count("save") ? vm["save"].as<std::string>() : "";
  const std::string metrics = vm.count("metrics") ? vm["metrics"].as<std::string>() : "";
  const std::string resume = vm.count("resume") ? vm["resume"].as<std::string>() : "";
  int64_t save_every = 0;
  if (vm.count("save-every")) {
    save_every = vm["save-every"].as<int64_t>();
    if (save_every < 1) {
      throw UsageError("nabla train: --save-every must be >= 1 (epochs), found " +
                       std::to_string(save_every));
    }
    if (save.empty()) throw UsageError("nabla train: --save-every needs --save");
  }
  if (vm["override-config"].as<bool>() && resume.empty()) {
    throw UsageError("nabla train: --override-config only applies with --resume");
  }
  const double mpi_timeout = vm["mpi-timeout"].as<double>();
  if (!(mpi_timeout > 0 && mpi_timeout <= 86400)) {
    throw UsageError("nabla train: --mpi-timeout must be > 0 and <= 86400 (seconds), found " +
                     std::to_string(mpi_timeout));
  }
  // Under mpirun: one rank of a data-parallel run (train/data_parallel.h).
  // Rank 0 alone writes files and shows progress.
  DataParallel* const dp = StartDataParallel(mpi_timeout);
  const bool writer = dp == nullptr || dp->rank() == 0;
  if (dp != nullptr) dp->CheckAgreement("command line", CommandLineFingerprint(vm, requested));
  if (writer) CheckOutputPaths(model_path, save, metrics, resume);

  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::string threads_note;
  int threads = requested.threads;
  if (threads == 0) {
    threads = AutoThreads(&threads_note);
    // The ranks on this machine share its idle cores.
    if (dp != nullptr && LocalRanksFromEnvironment() > 1) {
      threads = std::max(1, threads / LocalRanksFromEnvironment());
      threads_note += ", shared by " + std::to_string(LocalRanksFromEnvironment()) +
                      " ranks on this machine";
    }
  }
  SetNumThreads(threads);
  requested.threads = NumThreads();
  SetCheckNumerics(vm["check-numerics"].as<bool>());

  // On --resume the checkpoint's config is the truth: explicit flags that
  // disagree are refused unless --override-config says otherwise.
  std::optional<Checkpoint> checkpoint;
  TrainingConfig config = requested;
  if (!resume.empty()) {
    checkpoint = dp != nullptr ? dp->ReadCheckpointFromRank0(resume, ReadCheckpointFile)
                               : ReadCheckpointFile(resume);
    std::set<std::string> explicit_flags;
    for (const auto* flags : {&ResumableConfigFlags(), &MeasurementConfigFlags()}) {
      for (const std::string& flag : *flags) {
        if (vm.count(flag) && !vm[flag].defaulted()) explicit_flags.insert(flag);
      }
    }
    // A checkpoint that never trained and records no configuration (one
    // written by `nabla import`) starts from the command line's.
    const bool fresh = !checkpoint->header.has_config() && checkpoint->header.step() == 0 &&
                       checkpoint->header.epoch() == 0;
    try {
      config = fresh ? requested
                     : ResolveResumeConfig(SavedTrainingConfig(*checkpoint), requested,
                                           explicit_flags,
                                   vm["override-config"].as<bool>(),
                                   checkpoint->header.epoch(), resume);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidArgument) throw;
      throw UsageError("nabla train: " + std::string(e.what()));
    }
    // The model is built with the checkpoint's --set overrides unless the
    // command line gives its own (which the fingerprint check then judges).
    if (vm.count("set")) config.overrides = requested.overrides;
    if (config.epochs < checkpoint->header.epoch()) {
      throw UsageError("nabla train: --epochs " + std::to_string(config.epochs) + " but " +
                       resume + " has already trained " +
                       std::to_string(checkpoint->header.epoch()) +
                       " epochs; --epochs counts them (give the new total)");
    }
  }

  // Seeding before the model is built makes its initial weights a function
  // of --seed alone.
  ManualSeed(config.seed);
  std::shared_ptr<GraphModel> model = GraphModel::Load(model_path, config.overrides);
  const std::string& data_arg = config.data;
  data::Dataset train = data::LoadSplit(data_arg, data::Split::kTrain);
  // The test split only when asked for: a run tuned on its per-epoch test
  // numbers has no test result left.
  std::unique_ptr<data::Dataset> test =
      config.eval_test ? LoadTestSplitIfPresent(data_arg) : nullptr;
  data::Dataset validation;
  if (config.val_split > 0) {
    try {
      data::TrainValidation parts = data::SplitValidation(train, config.val_split, config.seed);
      train = std::move(parts.train);
      validation = std::move(parts.validation);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidArgument) throw;
      throw UsageError("nabla train: " + std::string(e.what()));
    }
  }

  if (dp != nullptr) {
    dp->CheckAgreement("model and data", ModelDataFingerprint(*model, train, test.get(), config));
    dp->CheckBatchSize(config.batch_size, train.size);
  }
  Trainer trainer(model.get(), config);
  if (config.val_split > 0) trainer.set_validation(&validation);
  std::vector<std::string> tracked;
  if (vm.count("track")) tracked = vm["track"].as<std::vector<std::string>>();
  std::vector<Variable> tracked_params;
  for (const std::string& name : tracked) tracked_params.push_back(FindParameter(*model, name));
  std::vector<std::vector<double>> tracked_values;
  if (checkpoint) {
    RestoreTrainingState(*checkpoint, model.get(), &trainer);
    if (writer) std::cerr << "nabla train: resumed from " << checkpoint->source << " at epoch "
              << trainer.epoch() << ", step " << trainer.step() << "\n";
    for (const std::string& change : config.config_changes) {
      if (writer && std::find(checkpoint->header.config().config_changes().begin(),
                    checkpoint->header.config().config_changes().end(),
                    change) == checkpoint->header.config().config_changes().end()) {
        std::cerr << "nabla train: config override recorded: " << change << "\n";
      }
    }
    tracked_values.resize(trainer.history().size(), std::vector<double>(tracked.size(), NAN));
  }

  if (dp != nullptr) {
    dp->BroadcastParameters(model->NamedParameters());
    dp->BroadcastBuffers(model->NamedBuffers());
    dp->DecorrelateGenerator();
    if (vm["sync-batchnorm"].as<bool>()) {
      SetCrossReplicaSum([dp](double* data, int64_t n) {
        dp->comm().AllreduceSum(data, n, "BatchNorm statistics");
      });
    }
    trainer.set_data_parallel(dp);
  } else if (vm["sync-batchnorm"].as<bool>()) {
    std::cerr << "nabla train: note: --sync-batchnorm has no effect in a single process; "
                 "it applies under mpirun with 2 or more ranks\n";
  }
  if (writer) {
    std::cerr << "nabla train: " << model->def().name() << " (" << model->NumParameters()
              << " parameters) on " << train.size << " samples of " << data_arg << ", "
              << NumThreads() << " thread(s)" << (dp != nullptr ? " per rank" : "")
              << ", backend " << execution.backend << ", " << PrecisionName(execution.precision)
              << (config.val_split > 0
                      ? ", " + std::to_string(validation.size) + " held out for validation"
                      : "")
              << (threads_note.empty() ? "" : " (" + threads_note + ")");
    if (dp != nullptr) {
      std::cerr << ", data-parallel over " << dp->size() << " ranks (global batch "
                << config.batch_size << ")";
    }
    std::cerr << "\n";
  }
  ProgressBar bar;
  auto on_step = [&](const StepProgress& p) {
    if (writer) bar.Update(p.epoch, config.epochs, p.batch, p.batches, p.running_loss,
               p.samples_per_second, p.elapsed);
  };
  auto save_checkpoint = [&](const std::string& when) {
    CheckParametersFinite(*model, when);
    SaveCheckpoint(save, CaptureTrainingState(*model, trainer));
  };
  auto on_epoch = [&](const EpochResult& r) {
    if (!writer) return;
    bar.Clear();
    std::vector<double>& values = tracked_values.emplace_back();
    for (const Variable& p : tracked_params) values.push_back(p.value().array<float>().mean());
    std::printf("epoch %lld/%lld  train_loss %.4f  train_acc %.2f%%",
                static_cast<long long>(r.epoch), static_cast<long long>(config.epochs),
                r.train_loss, 100 * r.train_accuracy);
    if (config.val_split > 0) {
      std::printf("  val_loss %.4f  val_acc %.2f%%", r.val_loss, 100 * r.val_accuracy);
    }
    if (test) std::printf("  test_loss %.4f  test_acc %.2f%%", r.test_loss, 100 * r.test_accuracy);
    std::printf("  lr %.6g  %.1fs\n", r.lr, r.seconds);
    std::fflush(stdout);
    // Every epoch's row is on disk when the epoch ends (atomically: a
    // reader never sees half a file).
    if (!metrics.empty()) {
      WriteFileAtomic(metrics, MetricsCsv(trainer.history(), trainer.step_history(), tracked,
                                          tracked_values, ""));
    }
    if (save_every > 0 && r.epoch % save_every == 0 && r.epoch < config.epochs) {
      save_checkpoint("after epoch " + std::to_string(r.epoch));
      std::cerr << "nabla train: saved " << save << " (epoch " << r.epoch << ")\n";
    }
  };
  bool finished = false;
  InterruptGuard interrupt;
  try {
    finished = trainer.Train(train, test.get(), on_step, on_epoch, interrupt.stop());
  } catch (const Error& e) {
    bar.Clear();
    if (writer && e.code() == ErrorCode::kDiverged && !metrics.empty()) {
      WriteFileAtomic(metrics, MetricsCsv(trainer.history(), trainer.step_history(), tracked,
                                          tracked_values, e.what()));
    }
    throw;
  }
  bar.Clear();
  if (dp != nullptr && writer) std::cerr << "nabla train: " << dp->Summary() << "\n";
  if (!writer) return finished ? kExitOk : kExitInterrupted;
  if (!metrics.empty()) {
    WriteFileAtomic(metrics, MetricsCsv(trainer.history(), trainer.step_history(), tracked,
                                          tracked_values, ""));
  }
  if (!save.empty()) {
    save_checkpoint(finished ? "after the last epoch" : "at the interrupt");
    std::cerr << "nabla train: saved " << save << "\n";
  }
  if (!finished) {
    std::cerr << "nabla train: interrupted by " << interrupt.signal_name() << " at epoch "
              << trainer.epoch() + 1 << " after global step " << trainer.step();
    if (save.empty()) {
      std::cerr << "; no --save was given, so no checkpoint was written\n";
    } else {
      std::cerr << "; continue with: --resume " << save << "\n";
    }
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace nabla::cli
