// Every tensor of a Checkpoint with what it is, for tools that show or
// filter them (nabla inspect, nabla convert --weights-only): one place
// decides each tensor's kind, so a kind added to checkpoints (op state such
// as batch-norm running statistics) is added here once and every tool
// lists it.
#ifndef NABLA_TRAIN_CHECKPOINT_TENSORS_H_
#define NABLA_TRAIN_CHECKPOINT_TENSORS_H_

#include <string>
#include <vector>

#include "graph/tensor.h"
#include "train/checkpoint.h"

namespace nabla {

enum class TensorKind {
  kParameter,  // learnable, trained by the optimiser ("fc1.weight")
  kState,      // op state, not learnable ("state/bn1.running_mean"): needed for eval
  kOptimizer,  // optimiser buffers ("optimizer/fc1.weight/0"): only for resuming
};

// "parameter", "state", "optimizer".
const char* TensorKindName(TensorKind kind);

struct CheckpointTensor {
  TensorKind kind;
  std::string name;      // as saved in the file
  const Tensor* tensor;  // owned by the Checkpoint
};

// In file order: parameters, op state, optimiser buffers.
std::vector<CheckpointTensor> ListCheckpointTensors(const Checkpoint& checkpoint);

// The weights without what only resuming needs: optimiser buffers dropped
// (and the optimiser step with them), everything else, op state and the
// header's step, epoch, config and metrics included, kept.
Checkpoint WeightsOnly(const Checkpoint& checkpoint);

}  // namespace nabla

#endif  // NABLA_TRAIN_CHECKPOINT_TENSORS_H_
