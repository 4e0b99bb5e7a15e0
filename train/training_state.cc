#include "train/training_state.h"

#include <cmath>

#include "train/fingerprint.h"

namespace nabla {

Checkpoint CaptureTrainingState(const GraphModel& model, const Trainer& trainer) {
  // Parameters, state and the fingerprint (nodes and hash) of the model.
  Checkpoint checkpoint = CheckpointFromModule(model);
  proto::CheckpointHeader& header = checkpoint.header;
  header.set_model_name(model.def().name());
  header.set_step(trainer.step());
  header.set_epoch(trainer.epoch());
  GeneratorState rng = GetGeneratorState();
  header.set_rng_seed(rng.seed);
  header.set_rng_counter(rng.counter);
  header.set_data_seed(trainer.batcher_state().seed);
  header.set_data_epoch(trainer.batcher_state().epoch);
  header.set_data_position(trainer.batcher_state().position);
  *header.mutable_config() = TrainingConfigToProto(trainer.options());
  header.set_epoch_loss_sum(trainer.epoch_loss_sum());
  header.set_epoch_samples(trainer.epoch_samples());
  for (const EpochResult& r : trainer.history()) {
    proto::EpochMetrics* m = header.add_metrics();
    m->set_epoch(r.epoch);
    m->set_train_loss(r.train_loss);
    m->set_test_loss(r.test_loss);
    m->set_test_accuracy(r.test_accuracy);
    m->set_seconds(r.seconds);
    m->set_train_accuracy(r.train_accuracy);
    m->set_lr(r.lr);
    m->set_val_loss(r.val_loss);
    m->set_val_accuracy(r.val_accuracy);
  }
  for (const StepResult& s : trainer.step_history()) {
    proto::StepMetrics* m = header.add_step_metrics();
    m->set_step(s.step);
    m->set_epoch(s.epoch);
    m->set_loss(s.loss);
    m->set_lr(s.lr);
  }
  header.set_epoch_correct(trainer.epoch_correct());
  checkpoint.optimizer = trainer.optimizer().state();
  return checkpoint;
}

std::string LoadWeights(const Checkpoint& checkpoint, GraphModel* model, bool partial) {
  std::string diff = DiffFingerprints(checkpoint.header, FingerprintOf(*model));
  if (!diff.empty() && !partial) {
    NABLA_THROW(kInvalidFile) << checkpoint.source << " (model '"
                              << checkpoint.header.model_name() << "'): " << diff;
  }
  LoadReport report = LoadParameters(checkpoint, model, partial);
  std::string out;
  if (!diff.empty()) out += "model differs from the checkpoint's:\n" + diff + "\n";
  if (!report.ok()) out += report.ToString();
  return out;
}

TrainingConfig SavedTrainingConfig(const Checkpoint& checkpoint) {
  TrainingConfig config = TrainingConfigFromProto(checkpoint.header.config());
  std::vector<std::string> problems = ValidateTrainingConfig(config);
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
    NABLA_THROW(kInvalidFile) << checkpoint.source << ": its training config is invalid: "
                              << message;
  }
  return config;
}

void RestoreTrainingState(const Checkpoint& checkpoint, GraphModel* model, Trainer* trainer) {
  const proto::CheckpointHeader& header = checkpoint.header;
  std::vector<std::string> problems;
  auto check = [&](bool ok, const std::string& problem) {
    if (!ok) problems.push_back(problem);
  };
  check(header.epoch() >= 0, "epoch " + std::to_string(header.epoch()) + " is negative");
  check(header.step() >= 0, "step " + std::to_string(header.step()) + " is negative");
  check(header.step() >= header.epoch(),
        "step " + std::to_string(header.step()) + " is less than its epoch " +
            std::to_string(header.epoch()) + " (every epoch takes at least one step)");
  check(header.data_epoch() >= 0,
        "data epoch " + std::to_string(header.data_epoch()) + " is negative");
  check(header.data_position() >= 0,
        "data position " + std::to_string(header.data_position()) + " is negative");
  check(header.epoch_samples() >= 0 && std::isfinite(header.epoch_loss_sum()) &&
            header.epoch_correct() >= 0 && header.epoch_correct() <= header.epoch_samples(),
        "the interrupted epoch's sums are invalid");
  check(checkpoint.optimizer.step == header.step(),
        "the optimiser's step " + std::to_string(checkpoint.optimizer.step) +
            " differs from the header's step " + std::to_string(header.step()));
  check(header.metrics_size() <= header.epoch(),
        std::to_string(header.metrics_size()) + " epochs of metrics for epoch " +
            std::to_string(header.epoch()));
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) message += (message.empty() ? "" : "; ") + p;
    NABLA_THROW(kInvalidFile) << checkpoint.source << ": cannot resume from it: " << message;
  }
  // A checkpoint without the buffers the optimiser keeps (nabla convert
  // --weights-only) would resume with momentum or Adam's moments silently
  // reset to zero: a different run from the one it continues.
  if (header.step() > 0 && checkpoint.optimizer.buffers.empty() &&
      trainer->optimizer().buffers_per_parameter() > 0 && model->NumParameters() > 0) {
    NABLA_THROW(kInvalidFile)
        << checkpoint.source << ": cannot resume from it: it holds no optimiser state (" <<
        trainer->optimizer().name() << " keeps " << trainer->optimizer().buffers_per_parameter()
        << " buffer(s) per parameter; was it written by `nabla convert --weights-only`?); it "
           "still evaluates and exports, and `nabla train --resume` needs the full checkpoint";
  }
  LoadWeights(checkpoint, model, /*partial=*/false);
  trainer->optimizer().LoadState(checkpoint.optimizer);
  SetGeneratorState({header.rng_seed(), header.rng_counter()});
  std::vector<EpochResult> history;
  for (const proto::EpochMetrics& m : header.metrics()) {
    EpochResult r{m.epoch(), m.train_loss(), m.test_loss(), m.test_accuracy(), m.seconds()};
    r.train_accuracy = m.train_accuracy();
    r.lr = m.lr();
    // Checkpoints from before --val-split have no validation fields.
    const bool has_val = header.config().val_split() > 0;
    r.val_loss = has_val ? m.val_loss() : std::nan("");
    r.val_accuracy = has_val ? m.val_accuracy() : std::nan("");
    history.push_back(r);
  }
  std::vector<StepResult> steps;
  for (const proto::StepMetrics& s : header.step_metrics()) {
    steps.push_back({s.step(), s.epoch(), s.loss(), s.lr()});
  }
  trainer->Restore(header.epoch(), header.step(),
                   {header.data_seed(), header.data_epoch(), header.data_position()},
                   std::move(history), header.epoch_loss_sum(), header.epoch_samples(),
                   std::move(steps), header.epoch_correct());
}

}  // namespace nabla
