// TrainingConfig: the one description of a training run. train/ owns it:
// the CLI only fills it in from flags, the Trainer runs it, and the
// checkpoint saves it whole (learning-rate schedule included), so that
// `--resume` continues the run the checkpoint describes rather than the
// flags' defaults.
//
// Resume rule (ResolveResumeConfig): the checkpoint's config is the truth.
// A flag given explicitly with a different value is refused, unless the
// user asks for it (`--override-config`); every override is recorded in
// config_changes, which the next checkpoint saves.
#ifndef NABLA_TRAIN_TRAINING_CONFIG_H_
#define NABLA_TRAIN_TRAINING_CONFIG_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "proto/checkpoint.pb.h"

namespace nabla {

struct TrainingConfig {
  std::string optimizer = "sgd";  // "sgd" or "adam"
  double lr = 0.01;
  double momentum = 0.9;  // SGD only
  double weight_decay = 0.0;
  // "constant", or "cosine" (lr decays to 0 over `epochs`).
  std::string lr_schedule = "constant";
  int64_t batch_size = 256;
  int64_t epochs = 1;  // total, counting epochs already done before a resume
  uint64_t seed = 0;
  // Recorded, not checked on resume: runs are bit-identical only at equal
  // thread counts (README), but another count is allowed.
  int threads = 0;
  std::string data;                    // --data as given
  // --backend and --precision: recorded, taken from the command line on
  // resume (a float32 checkpoint continues in either precision).
  std::string backend = "auto";
  std::string precision = "float32";
  // --val-split: this fraction of the training split, drawn with `seed`
  // (data/validation_split.h), is held out and evaluated every epoch.
  double val_split = 0.0;
  // --eval-test: evaluate the test split every epoch (off by default, so
  // that a run is not tuned on its test set).
  bool eval_test = false;
  // --log-every: record the loss and learning rate every N steps.
  int64_t log_every = 0;
  // --augment, canonical (data/augment.h): "none" or "shift=2,rotate=12".
  std::string augment = "none";
  std::vector<std::string> overrides;  // --set, "node.attr=value"
  // Explicit changes made on resume, "epoch 2: lr 0.01 -> 0.05".
  std::vector<std::string> config_changes;
};

// One message per invalid field, naming the flag and what was found:
// "--lr must be a finite number > 0, found nan". Empty when valid.
std::vector<std::string> ValidateTrainingConfig(const TrainingConfig& config);

proto::TrainConfig TrainingConfigToProto(const TrainingConfig& config);
TrainingConfig TrainingConfigFromProto(const proto::TrainConfig& config);

// The flags (without "--") that can conflict on resume, in the order
// messages list them.
const std::vector<std::string>& ResumableConfigFlags();

// Flags that only change what is measured, not the run: on resume the
// command line's value when given, else the checkpoint's, never a conflict.
const std::vector<std::string>& MeasurementConfigFlags();

// The config to resume with: `saved` (from the checkpoint), with
// `requested.epochs`, `.threads` and `.data` taken from the command line,
// and for every flag in `explicit_flags` whose value differs from the
// checkpoint's: an Error(kInvalidArgument) listing all of them, or, with
// `allow_override`, the requested value, recorded in config_changes as
// "epoch E: FLAG OLD -> NEW". Flags of MeasurementConfigFlags() in
// `explicit_flags` take the requested value without a conflict.
// `done_epochs` is the checkpoint's epoch.
TrainingConfig ResolveResumeConfig(const TrainingConfig& saved, const TrainingConfig& requested,
                                   const std::set<std::string>& explicit_flags,
                                   bool allow_override, int64_t done_epochs,
                                   const std::string& checkpoint);

}  // namespace nabla

#endif  // NABLA_TRAIN_TRAINING_CONFIG_H_
