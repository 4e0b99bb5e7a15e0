// Trainer: the training loop shared by `nabla train`, the examples and the
// benchmarks, for models loaded from graph files; Evaluate: a model's loss
// and accuracy on a data set.
//
// Classifier contract (ClassifierSpec): the model declares a float32 input
// (images), [?, features] or [?, channels, height, width], and an int32
// input [?] (labels), taken from its input specs; its first output is the
// logits, inferred as [?, classes] with the batch dimension free; its loss
// node is the training loss. Data must match the image input: the same
// number of values per sample for [?, features], the same channels, height
// and width for [?, C, H, W]; every label must be below `classes` (classes
// come from the model and the data, there is no fixed 10). Each
// step: forward, check the loss is finite, backward, check every gradient
// is finite, optimiser step. A non-finite value stops training with
// Error(kDiverged) naming epoch, step and the flags that set the step size:
// in the LeakyReLU slope sweep that is a result, not a crash.
#ifndef NABLA_TRAIN_TRAINER_H_
#define NABLA_TRAIN_TRAINER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/idx.h"
#include "graph/model.h"
#include "train/data_parallel.h"
#include "train/optimizer.h"
#include "train/training_config.h"

namespace nabla {

// The configuration lives in train/training_config.h; TrainOptions is its
// older name.
using TrainOptions = TrainingConfig;

// Which graph inputs and nodes a classifier uses, from the model's declared
// input specs and inferred shapes. Throws Error(kInvalidArgument) naming
// the model and what is missing or mis-shaped.
struct ClassifierSpec {
  std::string image_input, label_input, logits, loss;
  int64_t features = 0, classes = 0;
  Shape image_shape;  // the image input's shape without the batch: [784] or [1, 28, 28]
};
ClassifierSpec FindClassifier(const GraphModel& model);

// Throws Error(kInvalidArgument) naming the model, the data and both
// shapes when `data` cannot feed `spec`'s model (sample shape, or a label
// >= classes); `what` names the data ("training data", "test data").
void CheckDataFits(const GraphModel& model, const ClassifierSpec& spec, const data::Dataset& data,
                   const std::string& what);

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
  // On the training batches as trained: train mode (dropout on), each
  // batch classified by the forward pass of its own step, before the update.
  double train_accuracy = 0;
  double lr = 0;  // the epoch's learning rate
  // On the validation set (set_validation); NaN without one, as test_* are
  // without a test set.
  double val_loss = 0;
  double val_accuracy = 0;
};

// One step's row, recorded every options.log_every steps.
struct StepResult {
  int64_t step = 0;   // global, 1-based
  int64_t epoch = 0;  // 1-based
  double loss = 0;
  double lr = 0;
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
  // on_step is called after every step, on_epoch after every epoch. When
  // `stop` becomes true (a signal handler sets it), the step in progress
  // finishes and Train returns false with the state after that step, so a
  // checkpoint taken then resumes exactly; true when all epochs ran.
  bool Train(const data::Dataset& train, const data::Dataset* test,
             const std::function<void(const StepProgress&)>& on_step,
             const std::function<void(const EpochResult&)>& on_epoch,
             const std::atomic<bool>* stop = nullptr);

  Optimizer& optimizer() { return *optimizer_; }
  const Optimizer& optimizer() const { return *optimizer_; }
  const TrainOptions& options() const { return options_; }
  int64_t epoch() const { return epoch_; }  // epochs completed
  int64_t step() const { return step_; }
  const std::vector<EpochResult>& history() const { return history_; }
  const std::vector<StepResult>& step_history() const { return step_history_; }

  // A held-out set evaluated after every epoch (val_loss, val_accuracy);
  // null for none. Not owned: it must outlive Train.
  void set_validation(const data::Dataset* validation) { validation_ = validation; }
  data::BatcherState batcher_state() const { return batcher_state_; }

  // Running sums of an epoch that was interrupted (0 at epoch ends).
  double epoch_loss_sum() const { return epoch_loss_sum_; }
  int64_t epoch_samples() const { return epoch_samples_; }
  int64_t epoch_correct() const { return epoch_correct_; }

  // Trains as one rank of a data-parallel run (train/data_parallel.h):
  // each global batch of options.batch_size is split across the ranks,
  // gradients, the loss and the stop flag are reduced every step, the
  // test set is evaluated in shards, and replicas are checked to agree
  // after every epoch. Null (the default): trains alone. Not owned.
  void set_data_parallel(DataParallel* data_parallel) { data_parallel_ = data_parallel; }

  // For resuming from a checkpoint.
  void Restore(int64_t epoch, int64_t step, const data::BatcherState& batcher,
               std::vector<EpochResult> history, double epoch_loss_sum = 0,
               int64_t epoch_samples = 0, std::vector<StepResult> step_history = {},
               int64_t epoch_correct = 0);

 private:
  double LearningRate(int64_t epoch) const;
  // Evaluate over `test`, one shard per rank, the sums reduced.
  EvalResult EvaluateShards(const data::Dataset* test);

  GraphModel* model_;
  TrainOptions options_;
  std::unique_ptr<Optimizer> optimizer_;
  ClassifierSpec spec_;
  DataParallel* data_parallel_ = nullptr;
  int64_t epoch_ = 0, step_ = 0;
  data::BatcherState batcher_state_;
  std::vector<EpochResult> history_;
  double epoch_loss_sum_ = 0;
  int64_t epoch_samples_ = 0;
  std::vector<StepResult> step_history_;
  int64_t epoch_correct_ = 0;
  const data::Dataset* validation_ = nullptr;
};

// Mean loss and accuracy of `model` over `data`, in eval mode without
// gradients; the model's mode is left as it was. Checks at run time that
// the logits have one row per label (a reshape inside the graph may change
// the batch) and throws Error(kInvalidFile) naming the output otherwise.
// `on_batch`, when given, sees each batch's logits [n, classes] and labels
// [n], in data order (nabla predict).
using EvalBatchFn = std::function<void(const Tensor& logits, const Tensor& labels)>;
EvalResult Evaluate(GraphModel* model, const data::Dataset& data, int64_t batch_size = 1000,
                    const EvalBatchFn& on_batch = nullptr);

}  // namespace nabla

#endif  // NABLA_TRAIN_TRAINER_H_
