// Moving a training run into and out of a checkpoint: parameters,
// optimiser buffers, step and epoch, generator and data-order state,
// configuration and per-epoch metrics. With these restored, resuming
// continues bit-identically (same seed and thread count).
#ifndef NABLA_TRAIN_TRAINING_STATE_H_
#define NABLA_TRAIN_TRAINING_STATE_H_

#include <string>
#include <vector>

#include "graph/model.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace nabla {

// Everything needed to resume `trainer` on `model`, its whole
// TrainingConfig included (trainer.options()), and the model's fingerprint
// (CheckpointFromModule). Valid mid-epoch too (after an interrupted Train).
Checkpoint CaptureTrainingState(const GraphModel& model, const Trainer& trainer);

// Loads the weights of `checkpoint` into `model`. Strict (partial = false):
// a fingerprint mismatch (DiffFingerprints, train/fingerprint.h) or any missing, unexpected or mis-shaped tensor is
// one Error listing every problem. Partial: loads what matches and returns
// the report (empty when everything matched).
std::string LoadWeights(const Checkpoint& checkpoint, GraphModel* model, bool partial);

// LoadWeights (strict) plus optimiser, step, epoch, generator, data order
// and metrics. Every counter read from the file is checked first (a
// negative epoch or step, an Adam step that disagrees with the header):
// Error(kInvalidFile) naming the checkpoint and the field.
void RestoreTrainingState(const Checkpoint& checkpoint, GraphModel* model, Trainer* trainer);

// The checkpoint's training config, validated: Error(kInvalidFile) naming
// the checkpoint and each bad field.
TrainingConfig SavedTrainingConfig(const Checkpoint& checkpoint);

}  // namespace nabla

#endif  // NABLA_TRAIN_TRAINING_STATE_H_
