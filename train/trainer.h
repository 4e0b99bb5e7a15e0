// Trainer: the training loop shared by `nabla train`, the examples and the
// benchmarks, for models loaded from graph files.
//
// A model's first float32 graph input takes the images, its int32 input the
// labels; its first output is the logits and its loss node the training
// loss. Each step: forward, check the loss is finite, backward, check every
// gradient is finite, optimiser step. A non-finite value stops training
// with Error(kDiverged) naming epoch and step: in the LeakyReLU slope sweep
// that is a result, not a crash.
#ifndef NABLA_TRAIN_TRAINER_H_
#define NABLA_TRAIN_TRAINER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/idx.h"
#include "graph/model.h"
#include "train/optimizer.h"

namespace nabla {

struct TrainOptions {
  std::string optimizer = "sgd";  // "sgd" or "adam"
  double lr = 0.01;
  double momentum = 0.9;
  double weight_decay = 0.0;
  // "constant", or "cosine" (lr decays to 0 over `epochs`).
  std::string lr_schedule = "constant";
  int64_t batch_size = 256;
  int64_t epochs = 1;  // total, counting epochs already done before a resume
  uint64_t seed = 0;
};

struct EvalResult {
  double loss = 0;
  double accuracy = 0;
  int64_t samples = 0;
};

struct EpochResult {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0;
  double test_loss = 0;
  double test_accuracy = 0;
  double seconds = 0;
};

struct StepProgress {
  int64_t epoch = 0, batch = 0, batches = 0;
  double running_loss = 0, samples_per_second = 0, elapsed = 0;
};

class Trainer {
 public:
  // Builds the optimiser over the model's parameters (PReLU slopes keep
  // their weight-decay exemption). Throws Error for bad options.
  Trainer(GraphModel* model, TrainOptions options);

  // Runs epochs until options.epochs are done; `test` may be null.
  // on_step is called after every step, on_epoch after every epoch.
  void Train(const data::Dataset& train, const data::Dataset* test,
             const std::function<void(const StepProgress&)>& on_step,
             const std::function<void(const EpochResult&)>& on_epoch);

  // Mean loss and accuracy over `data` in eval mode without gradients.
  EvalResult Evaluate(const data::Dataset& data, int64_t batch_size = 1000);

  Optimizer& optimizer() { return *optimizer_; }
  const Optimizer& optimizer() const { return *optimizer_; }
  const TrainOptions& options() const { return options_; }
  int64_t epoch() const { return epoch_; }  // epochs completed
  int64_t step() const { return step_; }
  const std::vector<EpochResult>& history() const { return history_; }
  data::BatcherState batcher_state() const { return batcher_state_; }

  // For resuming from a checkpoint.
  void Restore(int64_t epoch, int64_t step, const data::BatcherState& batcher,
               std::vector<EpochResult> history);

 private:
  double LearningRate(int64_t epoch) const;
  // Gathers the batcher's next batch straight into a fresh [n, features]
  // image Variable and [n] label Variable; false at the end of an epoch.
  bool Feed(data::Batcher& batcher, int64_t features,
            std::map<std::string, Variable>* feeds) const;

  GraphModel* model_;
  TrainOptions options_;
  std::unique_ptr<Optimizer> optimizer_;
  std::string image_input_, label_input_, logits_, loss_;
  int64_t epoch_ = 0, step_ = 0;
  data::BatcherState batcher_state_;
  std::vector<EpochResult> history_;
};

}  // namespace nabla

#endif  // NABLA_TRAIN_TRAINER_H_
