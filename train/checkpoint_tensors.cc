#include "train/checkpoint_tensors.h"

#include "train/checkpoint_format.h"

namespace nabla {

const char* TensorKindName(TensorKind kind) {
  switch (kind) {
    case TensorKind::kParameter: return "parameter";
    case TensorKind::kState: return "state";
    case TensorKind::kOptimizer: return "optimizer";
  }
  return "?";
}

std::vector<CheckpointTensor> ListCheckpointTensors(const Checkpoint& checkpoint) {
  std::vector<CheckpointTensor> tensors;
  // Checkpoint::params holds parameters and then op state.
  for (const auto& [name, tensor] : checkpoint.params) {
    const bool state = checkpoint_internal::StartsWith(name, kStateTensorPrefix);
    tensors.push_back({state ? TensorKind::kState : TensorKind::kParameter, name, &tensor});
  }
  for (const auto& [param, buffers] : checkpoint.optimizer.buffers) {
    for (size_t k = 0; k < buffers.size(); ++k) {
      tensors.push_back({TensorKind::kOptimizer,
                         checkpoint_internal::OptimizerTensorName(param, k), &buffers[k]});
    }
  }
  return tensors;
}

Checkpoint WeightsOnly(const Checkpoint& checkpoint) {
  Checkpoint weights;
  weights.header = checkpoint.header;
  weights.params = checkpoint.params;
  weights.source = checkpoint.source;
  // No buffers and optimiser step 0: SaveCheckpoint writes no optimiser
  // tensors, and RestoreTrainingState refuses to resume from the file
  // rather than restart momentum or Adam's moments unannounced.
  return weights;
}

}  // namespace nabla
