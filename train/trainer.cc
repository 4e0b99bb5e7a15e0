#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>

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

}  // namespace

Trainer::Trainer(GraphModel* model, TrainOptions options)
    : model_(model), options_(std::move(options)) {
  if (options_.optimizer == "sgd") {
    optimizer_ = std::make_unique<Sgd>(
        model_->NamedParameters(),
        SgdOptions{options_.lr, options_.momentum, options_.weight_decay});
  } else if (options_.optimizer == "adam") {
    optimizer_ = std::make_unique<Adam>(
        model_->NamedParameters(), AdamOptions{options_.lr, 0.9, 0.999, 1e-8,
                                               options_.weight_decay});
  } else {
    NABLA_THROW(kInvalidArgument) << "unknown optimizer '" << options_.optimizer
                                  << "': expected sgd or adam";
  }
  if (options_.lr_schedule != "constant" && options_.lr_schedule != "cosine") {
    NABLA_THROW(kInvalidArgument) << "unknown lr schedule '" << options_.lr_schedule
                                  << "': expected constant or cosine";
  }
  if (options_.batch_size < 1) {
    NABLA_THROW(kInvalidArgument) << "batch size must be >= 1, found " << options_.batch_size;
  }
  for (const auto& input : model_->def().inputs()) {
    bool is_int = input.dtype() == "int32";
    if (is_int && label_input_.empty()) label_input_ = input.name();
    if (!is_int && image_input_.empty()) image_input_ = input.name();
  }
  if (image_input_.empty() || label_input_.empty() || model_->def().outputs().empty() ||
      model_->def().loss().empty()) {
    NABLA_THROW(kInvalidArgument)
        << "model '" << model_->def().name()
        << "' cannot be trained as a classifier: it needs a float32 input (images), an "
           "int32 input (labels), an output (logits) and a loss node";
  }
  logits_ = model_->def().outputs(0);
  loss_ = model_->def().loss();
  batcher_state_.seed = options_.seed;
}

void Trainer::Restore(int64_t epoch, int64_t step, const data::BatcherState& batcher,
                      std::vector<EpochResult> history) {
  epoch_ = epoch;
  step_ = step;
  batcher_state_ = batcher;
  history_ = std::move(history);
}

double Trainer::LearningRate(int64_t epoch) const {
  if (options_.lr_schedule == "cosine" && options_.epochs > 0) {
    return 0.5 * options_.lr * (1 + std::cos(M_PI * epoch / options_.epochs));
  }
  return options_.lr;
}

bool Trainer::Feed(data::Batcher& batcher, int64_t features,
                   std::map<std::string, Variable>* feeds) const {
  const int64_t n = batcher.NextSize();
  Tensor images, labels;
  if (n > 0) {
    images = Tensor(Shape{n, features});
    labels = Tensor(DType::kInt32, Shape{n});
  }
  if (!batcher.NextInto(n > 0 ? images.data<float>() : nullptr,
                        n > 0 ? labels.data<int32_t>() : nullptr)) {
    return false;
  }
  (*feeds)[image_input_] = Variable(std::move(images));
  (*feeds)[label_input_] = Variable(std::move(labels));
  return true;
}

void Trainer::Train(const data::Dataset& train, const data::Dataset* test,
                    const std::function<void(const StepProgress&)>& on_step,
                    const std::function<void(const EpochResult&)>& on_epoch) {
  data::Batcher batcher(train, {options_.batch_size, options_.seed, true, false});
  batcher.Restore(batcher_state_);
  std::map<std::string, Variable> feeds;
  const std::vector<NamedParameter> params = model_->NamedParameters();
  // Steps zero the gradients they consume (StepAndZeroGrad); drop any left
  // over from before, such as those of a step that diverged.
  optimizer_->ZeroGrad();

  while (epoch_ < options_.epochs) {
    model_->Train();
    optimizer_->set_lr(LearningRate(epoch_));
    const double start = Now();
    double loss_sum = 0;
    int64_t samples = 0, batch_index = 0;
    const int64_t batches = batcher.BatchesPerEpoch();
    while (Feed(batcher, train.features(), &feeds)) {
      const int64_t batch_size = feeds.at(image_input_).shape()[0];
      Variable loss;
      try {
        loss = model_->Run(feeds).at(loss_);
      } catch (const Error& e) {
        // SetCheckNumerics stops the forward pass at the first non-finite
        // node, which knows the node but not the step.
        if (e.code() != ErrorCode::kDiverged) throw;
        NABLA_THROW(kDiverged) << "training diverged at epoch " << epoch_ + 1 << ", step "
                               << batch_index + 1 << " (global step " << step_ + 1
                               << "): " << e.what();
      }
      const double value = loss.value().item();
      if (!std::isfinite(value)) {
        NABLA_THROW(kDiverged) << "training diverged: loss is " << value << " at epoch "
                               << epoch_ + 1 << ", step " << batch_index + 1
                               << " (global step " << step_ + 1 << ")";
      }
      loss.Backward();
      for (const NamedParameter& p : params) {
        if (p.variable.grad().defined() && !p.variable.grad().AllFinite()) {
          NABLA_THROW(kDiverged) << "training diverged: gradient of '" << p.name
                                 << "' is not finite at epoch " << epoch_ + 1 << ", step "
                                 << batch_index + 1 << " (global step " << step_ + 1 << ")";
        }
      }
      optimizer_->StepAndZeroGrad();
      ++step_;
      ++batch_index;
      loss_sum += value * batch_size;
      samples += batch_size;
      if (on_step) {
        double elapsed = Now() - start;
        on_step({epoch_ + 1, batch_index, batches, loss_sum / samples,
                 elapsed > 0 ? samples / elapsed : 0, elapsed});
      }
    }
    ++epoch_;
    batcher_state_ = batcher.state();
    EpochResult result;
    result.epoch = epoch_;
    result.train_loss = loss_sum / std::max<int64_t>(samples, 1);
    if (test != nullptr) {
      EvalResult eval = Evaluate(*test);
      result.test_loss = eval.loss;
      result.test_accuracy = eval.accuracy;
    } else {
      result.test_loss = result.test_accuracy = std::nan("");
    }
    result.seconds = Now() - start;
    history_.push_back(result);
    if (on_epoch) on_epoch(result);
  }
}

EvalResult Trainer::Evaluate(const data::Dataset& data, int64_t batch_size) {
  NoGradGuard no_grad;
  model_->Eval();
  data::Batcher batcher(data, {batch_size, 0, /*shuffle=*/false, false});
  std::map<std::string, Variable> feeds;
  double loss_sum = 0;
  int64_t correct = 0, samples = 0;
  while (Feed(batcher, data.features(), &feeds)) {
    std::map<std::string, Variable> out = model_->Run(feeds);
    const Tensor& logits = out.at(logits_).value();
    const Tensor& labels = feeds.at(label_input_).value();
    const int64_t n = labels.size();
    loss_sum += out.at(loss_).value().item() * n;
    for (int64_t i = 0; i < n; ++i) {
      correct += Argmax(logits.data<float>() + i * logits.cols(), logits.cols()) ==
                 labels.data<int32_t>()[i];
    }
    samples += n;
  }
  model_->Train();
  return {loss_sum / std::max<int64_t>(samples, 1),
          static_cast<double>(correct) / std::max<int64_t>(samples, 1), samples};
}

}  // namespace nabla
