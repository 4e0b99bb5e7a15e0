#include "train/training_state.h"

namespace nabla {

std::vector<proto::NodeFingerprint> GraphFingerprint(const GraphModel& model) {
  std::vector<proto::NodeFingerprint> nodes;
  for (const NodeFingerprintInfo& info : model.NodeFingerprints()) {
    proto::NodeFingerprint& node = nodes.emplace_back();
    node.set_name(info.name);
    node.set_op(info.op);
    node.set_attrs(info.attrs);
    for (const std::string& p : info.params) node.add_params(p);
  }
  return nodes;
}

Checkpoint CaptureTrainingState(const GraphModel& model, const Trainer& trainer,
                                const proto::TrainConfig& config) {
  Checkpoint checkpoint = CheckpointFromModule(model);
  proto::CheckpointHeader& header = checkpoint.header;
  header.set_model_fingerprint(model.Fingerprint());
  header.clear_nodes();
  for (proto::NodeFingerprint& node : GraphFingerprint(model)) *header.add_nodes() = node;
  header.set_model_name(model.def().name());
  header.set_step(trainer.step());
  header.set_epoch(trainer.epoch());
  GeneratorState rng = GetGeneratorState();
  header.set_rng_seed(rng.seed);
  header.set_rng_counter(rng.counter);
  header.set_data_seed(trainer.batcher_state().seed);
  header.set_data_epoch(trainer.batcher_state().epoch);
  header.set_data_position(trainer.batcher_state().position);
  *header.mutable_config() = config;
  for (const EpochResult& r : trainer.history()) {
    proto::EpochMetrics* m = header.add_metrics();
    m->set_epoch(r.epoch);
    m->set_train_loss(r.train_loss);
    m->set_test_loss(r.test_loss);
    m->set_test_accuracy(r.test_accuracy);
    m->set_seconds(r.seconds);
  }
  checkpoint.optimizer = trainer.optimizer().state();
  return checkpoint;
}

std::string LoadWeights(const Checkpoint& checkpoint, GraphModel* model, bool partial) {
  std::string diff = DiffFingerprints(checkpoint.header, GraphFingerprint(*model));
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

void RestoreTrainingState(const Checkpoint& checkpoint, GraphModel* model, Trainer* trainer) {
  LoadWeights(checkpoint, model, /*partial=*/false);
  const proto::CheckpointHeader& header = checkpoint.header;
  trainer->optimizer().LoadState(checkpoint.optimizer);
  SetGeneratorState({header.rng_seed(), header.rng_counter()});
  std::vector<EpochResult> history;
  for (const proto::EpochMetrics& m : header.metrics()) {
    history.push_back({m.epoch(), m.train_loss(), m.test_loss(), m.test_accuracy(), m.seconds()});
  }
  trainer->Restore(header.epoch(), header.step(),
                   {header.data_seed(), header.data_epoch(), header.data_position()},
                   std::move(history));
}

}  // namespace nabla
