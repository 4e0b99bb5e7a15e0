#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "data/augment.h"
#include "graph/strings.h"

namespace nabla {
namespace {

double Now() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

int64_t Argmax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k) {
    if (row[k] > row[best]) best = k;
  }
  return best;
}

// Gathers the batcher's next batch straight into a fresh image Variable of
// the model's input shape ([n, features] or [n, C, H, W]) and an [n] label
// Variable; false at the end of an epoch.
bool Feed(const ClassifierSpec& spec, data::Batcher& batcher,
          std::map<std::string, Variable>* feeds) {
  const int64_t n = batcher.NextSize();
  Tensor images, labels;
  if (n > 0) {
    std::vector<int64_t> dims{n};
    for (int64_t d : spec.image_shape.dims()) dims.push_back(d);
    images = Tensor(Shape(dims));
    labels = Tensor(DType::kInt32, Shape{n});
  }
  if (!batcher.NextInto(n > 0 ? images.data<float>() : nullptr,
                        n > 0 ? labels.data<int32_t>() : nullptr)) {
    return false;
  }
  (*feeds)[spec.image_input] = Variable(std::move(images));
  (*feeds)[spec.label_input] = Variable(std::move(labels));
  return true;
}

// Restores a module's mode when it goes out of scope.
class ModeGuard {
 public:
  explicit ModeGuard(Module* module) : module_(module), training_(module->training()) {}
  ~ModeGuard() { module_->Train(training_); }

 private:
  Module* module_;
  bool training_;
};

}  // namespace

ClassifierSpec FindClassifier(const GraphModel& model) {
  ClassifierSpec spec;
  const std::string where = "model '" + model.def().name() + "'";
  std::vector<std::string> problems;
  for (const GraphInputSpec& input : model.input_specs()) {
    if (input.dtype == DType::kInt32 && spec.label_input.empty()) {
      spec.label_input = input.name;
      if (input.shape.rank() != 1 || input.shape[0] != kUnknownDim) {
        problems.push_back("its label input '" + input.name + "' must have shape [?] (one label "
                           "per sample), found " + input.shape.ToString());
      }
    } else if (input.dtype == DType::kFloat32 && spec.image_input.empty()) {
      spec.image_input = input.name;
      const Shape& s = input.shape;
      bool ok = (s.rank() == 2 || s.rank() == 4) && s[0] == kUnknownDim;
      for (int i = 1; ok && i < s.rank(); ++i) ok = s[i] > 0;
      if (!ok) {
        problems.push_back("its image input '" + input.name +
                           "' must have shape [?, features] or [?, channels, height, width], "
                           "found " + s.ToString());
      } else {
        spec.image_shape = Shape(std::vector<int64_t>(s.dims().begin() + 1, s.dims().end()));
        spec.features = 1;
        for (int64_t d : spec.image_shape.dims()) spec.features *= d;
      }
    }
  }
  if (spec.image_input.empty() || spec.label_input.empty() || model.output_names().empty() ||
      model.loss_name().empty()) {
    NABLA_THROW(kInvalidArgument)
        << where << " cannot be trained as a classifier: it needs a float32 input (images), an "
           "int32 input (labels), an output (logits) and a loss node";
  }
  spec.logits = model.output_names()[0];
  spec.loss = model.loss_name();
  const Shape& logits = model.node_shape(spec.logits);
  if (logits.rank() != 2 || logits[0] != kUnknownDim || logits[1] <= 0) {
    problems.push_back("its output '" + spec.logits +
                       "' (the logits) must have shape [?, classes] with the batch free, "
                       "found " + logits.ToString());
  } else {
    spec.classes = logits[1];
  }
  if (!problems.empty()) {
    NABLA_THROW(kInvalidArgument) << where << " cannot be trained or evaluated as a classifier: "
                                  << Join(problems, "; ");
  }
  return spec;
}

void CheckDataFits(const GraphModel& model, const ClassifierSpec& spec, const data::Dataset& data,
                   const std::string& what) {
  const std::string sample = data.channels == 1 && spec.image_shape.rank() != 3
                                 ? "[" + std::to_string(data.rows) + ", " + std::to_string(data.cols) + "]"
                                 : "[" + std::to_string(data.channels) + ", " + std::to_string(data.rows) +
                                       ", " + std::to_string(data.cols) + "]";
  const bool fits = spec.image_shape.rank() == 3
                        ? spec.image_shape[0] == data.channels && spec.image_shape[1] == data.rows &&
                              spec.image_shape[2] == data.cols
                        : spec.features == data.features();
  if (!fits) {
    NABLA_THROW(kInvalidArgument)
        << "model '" << model.def().name() << "' takes images of shape "
        << spec.image_shape.ToString() << " (" << spec.features << " values) in '"
        << spec.image_input << "', the " << what << " (" << data.source << ") has images of "
        << sample << " (" << data.features() << " values)";
  }
  const int64_t classes = data.num_classes();
  if (classes > spec.classes) {
    NABLA_THROW(kInvalidArgument)
        << "model '" << model.def().name() << "' outputs " << spec.classes << " classes in '"
        << spec.logits << "', the " << what << " (" << data.source << ") has label "
        << classes - 1 << " (" << classes << " classes)";
  }
}

Trainer::Trainer(GraphModel* model, TrainOptions options)
    : model_(model), options_(std::move(options)) {
  std::vector<std::string> problems = ValidateTrainingConfig(options_);
  if (!problems.empty()) NABLA_THROW(kInvalidArgument) << Join(problems, "; ");
  if (options_.optimizer == "sgd") {
    optimizer_ = std::make_unique<Sgd>(
        model_->NamedParameters(),
        SgdOptions{options_.lr, options_.momentum, options_.weight_decay});
  } else {
    optimizer_ = std::make_unique<Adam>(
        model_->NamedParameters(), AdamOptions{options_.lr, 0.9, 0.999, 1e-8,
                                               options_.weight_decay});
  }
  spec_ = FindClassifier(*model_);
  batcher_state_.seed = options_.seed;
}

void Trainer::Restore(int64_t epoch, int64_t step, const data::BatcherState& batcher,
                      std::vector<EpochResult> history, double epoch_loss_sum,
                      int64_t epoch_samples, std::vector<StepResult> step_history,
                      int64_t epoch_correct) {
  epoch_ = epoch;
  step_ = step;
  batcher_state_ = batcher;
  history_ = std::move(history);
  epoch_loss_sum_ = epoch_loss_sum;
  epoch_samples_ = epoch_samples;
  step_history_ = std::move(step_history);
  epoch_correct_ = epoch_correct;
}

double Trainer::LearningRate(int64_t epoch) const {
  if (options_.lr_schedule == "cosine" && options_.epochs > 0) {
    return 0.5 * options_.lr * (1 + std::cos(M_PI * epoch / options_.epochs));
  }
  return options_.lr;
}

bool Trainer::Train(const data::Dataset& train, const data::Dataset* test,
                    const std::function<void(const StepProgress&)>& on_step,
                    const std::function<void(const EpochResult&)>& on_epoch,
                    const std::atomic<bool>* stop) {
  CheckDataFits(*model_, spec_, train, "training data");
  if (test != nullptr) CheckDataFits(*model_, spec_, *test, "test data");
  const data::AugmentOptions augment = data::ParseAugment(options_.augment);
  data::Batcher batcher(train, {options_.batch_size, options_.seed, true, false});
  batcher.Restore(batcher_state_);
  std::map<std::string, Variable> feeds;
  const std::vector<NamedParameter> params = model_->NamedParameters();
  // Steps drop the gradients they consume (StepAndZeroGrad); drop any left
  // over from before, such as those of a step that diverged.
  optimizer_->ZeroGrad();
  // Which flags set the step size, for a diverged run's message.
  std::ostringstream flags;
  flags << "--lr " << options_.lr;
  if (options_.optimizer == "sgd") flags << ", --momentum " << options_.momentum;
  flags << ", --optimizer " << options_.optimizer;
  const std::string step_size_flags = " (training config: " + flags.str() + ")";

  while (epoch_ < options_.epochs) {
    model_->Train();
    optimizer_->set_lr(LearningRate(epoch_));
    const double start = Now();
    // A resumed mid-epoch checkpoint carries the sums so far.
    double loss_sum = epoch_loss_sum_;
    int64_t samples = epoch_samples_;
    int64_t correct = epoch_correct_;
    const int64_t batches = batcher.BatchesPerEpoch();
    int64_t batch_index = batcher.state().position / options_.batch_size;
    data::BatcherState at = batcher.state();
    while (Feed(spec_, batcher, &feeds)) {
      const int64_t batch_size = feeds.at(spec_.image_input).shape()[0];
      if (augment.enabled()) {
        data::AugmentBatch(augment, options_.seed, at.epoch, at.position, batch_size,
                           train.channels, train.rows, train.cols,
                           feeds.at(spec_.image_input).mutable_value().data<float>());
      }
      at = batcher.state();
      // The global batch (augmented as a whole, a function of seed, epoch
      // and position): a data-parallel rank keeps its slice of it.
      if (data_parallel_ != nullptr) data_parallel_->ShardBatch(&feeds);
      Variable loss;
      int64_t step_correct = 0;  // this step's correctly classified samples
      try {
        std::map<std::string, Variable> out = model_->Run(feeds);
        auto it = out.find(spec_.loss);
        if (it == out.end()) {
          NABLA_THROW(kInvalidArgument)
              << "model '" << model_->def().name() << "': loss '" << spec_.loss
              << "' cannot be computed from the inputs the trainer feeds ('" << spec_.image_input
              << "' and '" << spec_.label_input << "'): it needs another graph input";
        }
        loss = it->second;
        // Train accuracy from this step's own forward pass.
        const Tensor& logits = out.at(spec_.logits).value();
        const Tensor& labels = feeds.at(spec_.label_input).value();
        if (logits.rank() == 2 && logits.rows() == labels.size()) {
          for (int64_t i = 0; i < labels.size(); ++i) {
            step_correct += Argmax(logits.data<float>() + i * logits.cols(), logits.cols()) ==
                            labels.data<int32_t>()[i];
          }
        }
      } catch (const Error& e) {
        // SetCheckNumerics stops the forward pass at the first non-finite
        // node, which knows the node but not the step.
        if (e.code() != ErrorCode::kDiverged) throw;
        NABLA_THROW(kDiverged) << "training diverged at epoch " << epoch_ + 1 << ", step "
                               << batch_index + 1 << " (global step " << step_ + 1
                               << "): " << e.what() << step_size_flags;
      }
      double value = loss.value().item();
      auto check_loss = [&] {
        if (!std::isfinite(value)) {
          NABLA_THROW(kDiverged) << "training diverged: loss is " << value << " at epoch "
                                 << epoch_ + 1 << ", step " << batch_index + 1
                                 << " (global step " << step_ + 1 << ")" << step_size_flags;
        }
      };
      bool stop_now = stop != nullptr && stop->load();
      if (data_parallel_ == nullptr) {
        check_loss();
        loss.Backward();
      } else {
        // Every rank checks the reduced loss and gradients, so all reach
        // the same verdict together.
        loss.Backward();
        // A rank sees its slice of the batch: the count becomes the ranks' sum.
        value = data_parallel_->AllreduceGradients(params, value,
                                                   feeds.at(spec_.label_input).shape()[0],
                                                   batch_size, &stop_now, &step_correct);
        check_loss();
      }
      correct += step_correct;
      for (const NamedParameter& p : params) {
        if (p.variable.grad().defined() && !p.variable.grad().AllFinite()) {
          NABLA_THROW(kDiverged) << "training diverged: gradient of '" << p.name
                                 << "' is not finite at epoch " << epoch_ + 1 << ", step "
                                 << batch_index + 1 << " (global step " << step_ + 1 << ")"
                                 << step_size_flags;
        }
      }
      optimizer_->StepAndZeroGrad();
      ++step_;
      ++batch_index;
      loss_sum += value * batch_size;
      samples += batch_size;
      if (options_.log_every > 0 && step_ % options_.log_every == 0) {
        step_history_.push_back({step_, epoch_ + 1, value, optimizer_->lr()});
      }
      if (on_step) {
        double elapsed = Now() - start;
        on_step({epoch_ + 1, batch_index, batches, loss_sum / samples,
                 elapsed > 0 ? samples / elapsed : 0, elapsed});
      }
      // Alone, the flag is read after the step, as it always was; in a
      // data-parallel run, the one all ranks agreed on in the reduction.
      if (data_parallel_ == nullptr) stop_now = stop != nullptr && stop->load();
      if (stop_now && batcher.NextSize() > 0) {
        batcher_state_ = batcher.state();
        epoch_loss_sum_ = loss_sum;
        epoch_samples_ = samples;
        epoch_correct_ = correct;
        return false;
      }
    }
    // The update can turn weights non-finite even when the loss and the
    // gradients were finite (a huge step): never finish an epoch, and so
    // never save, with such weights.
    for (const NamedParameter& p : params) {
      if (!p.variable.value().AllFinite()) {
        NABLA_THROW(kDiverged) << "training diverged: parameter '" << p.name
                               << "' is not finite after epoch " << epoch_ + 1
                               << " (global step " << step_ << ")" << step_size_flags;
      }
    }
    ++epoch_;
    batcher_state_ = batcher.state();
    epoch_loss_sum_ = 0;
    epoch_samples_ = 0;
    epoch_correct_ = 0;
    EpochResult result;
    result.epoch = epoch_;
    result.train_loss = loss_sum / std::max<int64_t>(samples, 1);
    result.train_accuracy = static_cast<double>(correct) / std::max<int64_t>(samples, 1);
    result.lr = optimizer_->lr();
    result.val_loss = result.val_accuracy = std::nan("");
    if (data_parallel_ != nullptr) {
      data_parallel_->VerifyReplicas(params, "after epoch " + std::to_string(epoch_));
      data_parallel_->BroadcastBuffers(model_->NamedBuffers());
    }
    if (validation_ != nullptr) {
      EvalResult eval = data_parallel_ != nullptr ? EvaluateShards(validation_)
                                                  : Evaluate(model_, *validation_);
      result.val_loss = eval.loss;
      result.val_accuracy = eval.accuracy;
    }
    if (test != nullptr) {
      EvalResult eval = data_parallel_ != nullptr ? EvaluateShards(test) : Evaluate(model_, *test);
      result.test_loss = eval.loss;
      result.test_accuracy = eval.accuracy;
    } else {
      result.test_loss = result.test_accuracy = std::nan("");
    }
    result.seconds = Now() - start;
    history_.push_back(result);
    if (on_epoch) on_epoch(result);
    bool stop_now = stop != nullptr && stop->load();
    if (data_parallel_ != nullptr) stop_now = data_parallel_->AnyRank(stop_now, "stop flag");
    if (stop_now && epoch_ < options_.epochs) return false;
  }
  return true;
}

EvalResult Trainer::EvaluateShards(const data::Dataset* test) {
  DataParallel::EvalSums sums = data_parallel_->Evaluate(
      [&](const data::Dataset& shard) {
        EvalResult r = Evaluate(model_, shard);
        return DataParallel::EvalSums{r.loss * r.samples, r.accuracy * r.samples,
                                      static_cast<double>(r.samples)};
      },
      *test);
  const double n = std::max(sums.samples, 1.0);
  return {sums.loss_sum / n, sums.correct / n, static_cast<int64_t>(sums.samples)};
}

EvalResult Evaluate(GraphModel* model, const data::Dataset& data, int64_t batch_size,
                    const EvalBatchFn& on_batch) {
  const ClassifierSpec spec = FindClassifier(*model);
  CheckDataFits(*model, spec, data, "data");
  if (batch_size < 1) {
    NABLA_THROW(kInvalidArgument) << "--batch-size must be >= 1, found " << batch_size;
  }
  NoGradGuard no_grad;
  ModeGuard mode(model);
  model->Eval();
  data::Batcher batcher(data, {batch_size, 0, /*shuffle=*/false, false});
  std::map<std::string, Variable> feeds;
  double loss_sum = 0;
  int64_t correct = 0, samples = 0;
  while (Feed(spec, batcher, &feeds)) {
    std::map<std::string, Variable> out = model->Run(feeds);
    const Tensor& logits = out.at(spec.logits).value();
    const Tensor& labels = feeds.at(spec.label_input).value();
    const int64_t n = labels.size();
    if (logits.rank() != 2 || logits.rows() != n || logits.cols() != spec.classes) {
      NABLA_THROW(kInvalidFile) << "model '" << model->def().name() << "': output '"
                                << spec.logits << "' has shape " << logits.shape().ToString()
                                << " for a batch of " << n << " labels; a classifier's output "
                                << "must be [batch, " << spec.classes << "]";
    }
    auto loss = out.find(spec.loss);
    if (loss == out.end()) {
      NABLA_THROW(kInvalidArgument) << "model '" << model->def().name() << "': loss '"
                                    << spec.loss << "' was not computed from the fed inputs";
    }
    if (on_batch) on_batch(logits, labels);
    loss_sum += loss->second.value().item() * n;
    for (int64_t i = 0; i < n; ++i) {
      correct += Argmax(logits.data<float>() + i * logits.cols(), logits.cols()) ==
                 labels.data<int32_t>()[i];
    }
    samples += n;
  }
  return {loss_sum / std::max<int64_t>(samples, 1),
          static_cast<double>(correct) / std::max<int64_t>(samples, 1), samples};
}

}  // namespace nabla
