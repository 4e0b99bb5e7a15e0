#include "train/training_config.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

#include "data/augment.h"
#include "graph/error.h"

namespace nabla {
namespace {

// The shortest form that reads back to the same double ("0.05").
std::string Number(double v) {
  for (int precision = 6; precision < 17; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << v;
    if (std::strtod(out.str().c_str(), nullptr) == v) return out.str();
  }
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

// The value of a resumable flag, as text for messages and comparison.
std::string FlagValue(const TrainingConfig& c, const std::string& flag) {
  if (flag == "optimizer") return c.optimizer;
  if (flag == "lr") return Number(c.lr);
  if (flag == "momentum") return Number(c.momentum);
  if (flag == "weight-decay") return Number(c.weight_decay);
  if (flag == "lr-schedule") return c.lr_schedule;
  if (flag == "batch-size") return std::to_string(c.batch_size);
  if (flag == "seed") return std::to_string(c.seed);
  if (flag == "val-split") return Number(c.val_split);
  if (flag == "augment") return c.augment;
  return "";
}

void CopyFlag(const TrainingConfig& from, const std::string& flag, TrainingConfig* to) {
  if (flag == "optimizer") to->optimizer = from.optimizer;
  if (flag == "lr") to->lr = from.lr;
  if (flag == "momentum") to->momentum = from.momentum;
  if (flag == "weight-decay") to->weight_decay = from.weight_decay;
  if (flag == "lr-schedule") to->lr_schedule = from.lr_schedule;
  if (flag == "batch-size") to->batch_size = from.batch_size;
  if (flag == "seed") to->seed = from.seed;
  if (flag == "val-split") to->val_split = from.val_split;
  if (flag == "augment") to->augment = from.augment;
}

}  // namespace

std::vector<std::string> ValidateTrainingConfig(const TrainingConfig& c) {
  std::vector<std::string> problems;
  auto number = [&](const char* flag, double v, bool ok, const char* expected) {
    if (!std::isfinite(v) || !ok) {
      problems.push_back(std::string("--") + flag + " must be " + expected + ", found " +
                         Number(v));
    }
  };
  number("lr", c.lr, c.lr > 0, "a finite number > 0");
  number("momentum", c.momentum, c.momentum >= 0 && c.momentum < 1, "in [0, 1)");
  number("weight-decay", c.weight_decay, c.weight_decay >= 0, "a finite number >= 0");
  if (c.optimizer != "sgd" && c.optimizer != "adam") {
    problems.push_back("--optimizer must be sgd or adam, found '" + c.optimizer + "'");
  }
  if (c.lr_schedule != "constant" && c.lr_schedule != "cosine") {
    problems.push_back("--lr-schedule must be constant or cosine, found '" + c.lr_schedule + "'");
  }
  constexpr int64_t kMaxBatch = int64_t{1} << 24;
  if (c.batch_size < 1 || c.batch_size > kMaxBatch) {
    problems.push_back("--batch-size must be in 1.." + std::to_string(kMaxBatch) + ", found " +
                       std::to_string(c.batch_size));
  }
  constexpr int64_t kMaxEpochs = int64_t{1} << 31;
  if (c.epochs < 1 || c.epochs > kMaxEpochs) {
    problems.push_back("--epochs must be in 1.." + std::to_string(kMaxEpochs) + ", found " +
                       std::to_string(c.epochs));
  }
  number("val-split", c.val_split, c.val_split >= 0 && c.val_split < 1,
         "in [0, 1) (the fraction of the training split held out)");
  if (c.log_every < 0) {
    problems.push_back("--log-every must be >= 0 (steps; 0: no step rows), found " +
                       std::to_string(c.log_every));
  }
  try {
    data::ParseAugment(c.augment);
  } catch (const Error& e) {
    problems.push_back(e.what());
  }
  if (c.threads < 0) {
    problems.push_back("--threads must be >= 0 (0: one per core), found " +
                       std::to_string(c.threads));
  }
  return problems;
}

proto::TrainConfig TrainingConfigToProto(const TrainingConfig& c) {
  proto::TrainConfig out;
  out.set_optimizer(c.optimizer);
  out.set_lr(c.lr);
  out.set_momentum(c.momentum);
  out.set_weight_decay(c.weight_decay);
  out.set_lr_schedule(c.lr_schedule);
  out.set_batch_size(c.batch_size);
  out.set_seed(c.seed);
  out.set_threads(c.threads);
  out.set_data(c.data);
  out.set_backend(c.backend);
  out.set_precision(c.precision);
  out.set_epochs(c.epochs);
  out.set_val_split(c.val_split);
  out.set_eval_test(c.eval_test);
  out.set_log_every(c.log_every);
  out.set_augment(c.augment);
  for (const std::string& o : c.overrides) out.add_overrides(o);
  for (const std::string& o : c.config_changes) out.add_config_changes(o);
  return out;
}

TrainingConfig TrainingConfigFromProto(const proto::TrainConfig& p) {
  TrainingConfig c;
  c.optimizer = p.optimizer();
  c.lr = p.lr();
  c.momentum = p.momentum();
  c.weight_decay = p.weight_decay();
  // Checkpoints written before the schedule was saved trained with the
  // only schedule there was then.
  c.lr_schedule = p.lr_schedule().empty() ? "constant" : p.lr_schedule();
  c.batch_size = p.batch_size();
  c.seed = p.seed();
  c.threads = p.threads();
  c.data = p.data();
  if (!p.backend().empty()) c.backend = p.backend();
  if (!p.precision().empty()) c.precision = p.precision();
  c.epochs = p.epochs();
  c.val_split = p.val_split();
  c.eval_test = p.eval_test();
  c.log_every = p.log_every();
  // Checkpoints written before augmentation existed trained without it.
  if (!p.augment().empty()) c.augment = p.augment();
  c.overrides.assign(p.overrides().begin(), p.overrides().end());
  c.config_changes.assign(p.config_changes().begin(), p.config_changes().end());
  return c;
}

const std::vector<std::string>& ResumableConfigFlags() {
  static const std::vector<std::string> flags = {"optimizer",   "lr",         "momentum",
                                                 "weight-decay", "lr-schedule", "batch-size",
                                                 "seed",        "augment",     "val-split"};
  return flags;
}

const std::vector<std::string>& MeasurementConfigFlags() {
  static const std::vector<std::string> flags = {"eval-test", "log-every"};
  return flags;
}

TrainingConfig ResolveResumeConfig(const TrainingConfig& saved, const TrainingConfig& requested,
                                   const std::set<std::string>& explicit_flags,
                                   bool allow_override, int64_t done_epochs,
                                   const std::string& checkpoint) {
  TrainingConfig config = saved;
  config.epochs = requested.epochs;
  config.threads = requested.threads;
  config.data = requested.data;
  config.backend = requested.backend;
  config.precision = requested.precision;
  if (explicit_flags.count("eval-test")) config.eval_test = requested.eval_test;
  if (explicit_flags.count("log-every")) config.log_every = requested.log_every;
  std::vector<std::string> conflicts;
  for (const std::string& flag : ResumableConfigFlags()) {
    if (!explicit_flags.count(flag)) continue;
    const std::string was = FlagValue(saved, flag), now = FlagValue(requested, flag);
    if (was == now) continue;
    if (allow_override) {
      CopyFlag(requested, flag, &config);
      config.config_changes.push_back("epoch " + std::to_string(done_epochs) + ": " + flag + " " +
                                      was + " -> " + now);
    } else {
      conflicts.push_back("--" + flag + " " + now + " (the checkpoint trained with " + was + ")");
    }
  }
  if (!conflicts.empty()) {
    std::string message = "--resume " + checkpoint + ": ";
    for (size_t i = 0; i < conflicts.size(); ++i) message += (i ? ", " : "") + conflicts[i];
    message += " conflicts with the checkpoint's training config; resuming continues its "
               "config (leave the flag out), or add --override-config to change it (the "
               "change is recorded in the checkpoint)";
    throw Error(ErrorCode::kInvalidArgument, message);
  }
  return config;
}

}  // namespace nabla
