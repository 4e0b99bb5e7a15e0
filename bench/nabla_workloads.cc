#include "bench/nabla_workloads.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "data/batcher.h"
#include "graph/profile.h"
#include "graph/variable.h"
#include "train/optimizer.h"

namespace nabla::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Input Variables per batch size, allocated once and refilled in place, so
// the timed loops allocate no input buffers. A slot is overwritten only
// after the previous step's tape (which references it) has been freed by
// Backward or was never recorded (NoGradGuard).
class InputSlots {
 public:
  // `sample`: one image's shape ([784], or [1, 28, 28] for a conv net).
  explicit InputSlots(const Shape& sample) : sample_(sample), features_(sample.num_elements()) {}

  struct Slot {
    Variable images;  // [n, sample...] float32
    Variable labels;  // [n] int32
  };

  Slot& For(int64_t n) {
    auto it = slots_.find(n);
    if (it == slots_.end()) {
      it = slots_
               .emplace(n, Slot{Variable(Tensor(Batched(n))),
                                Variable(Tensor(DType::kInt32, Shape{n}))})
               .first;
    }
    return it->second;
  }

  const Variable& Images(const uint8_t* pixels, int64_t n) {
    Slot& slot = For(n);
    data::PixelsToFloat(pixels, n * features_, slot.images.mutable_value().data<float>());
    return slot.images;
  }

  // Gathers the batcher's next batch straight into the slot's tensors;
  // nullptr at the end of an epoch.
  Slot* Next(data::Batcher& batcher) {
    const int64_t n = batcher.NextSize();
    Slot* slot = n > 0 ? &For(n) : nullptr;
    if (!batcher.NextInto(slot ? slot->images.mutable_value().data<float>() : nullptr,
                          slot ? slot->labels.mutable_value().data<int32_t>() : nullptr)) {
      return nullptr;
    }
    return slot;
  }

 private:
  Shape Batched(int64_t n) const {
    std::vector<int64_t> dims{n};
    dims.insert(dims.end(), sample_.dims().begin(), sample_.dims().end());
    return Shape(dims);
  }

  Shape sample_;
  int64_t features_;
  std::map<int64_t, Slot> slots_;
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

Result TrainWorkload(BenchModel& model, const data::Dataset& train, const WorkloadOptions& o) {
  SgdOptions sgd_options;
  sgd_options.lr = kLearningRate;
  sgd_options.momentum = kMomentum;
  Sgd sgd(model.NamedParameters(), sgd_options);
  model.Train(true);

  data::BatcherOptions batcher_options;
  batcher_options.batch_size = kBatchSize;
  batcher_options.seed = o.seed;
  batcher_options.shuffle = true;
  data::Batcher batcher(train, batcher_options);
  InputSlots inputs(model.SampleShape());
  inputs.For(std::min<int64_t>(kBatchSize, train.size));
  if (train.size % kBatchSize != 0) inputs.For(train.size % kBatchSize);

  auto step = [&](InputSlots::Slot& in) {
    Variable loss = model.Loss(in.images, in.labels);
    loss.Backward();
    sgd.StepAndZeroGrad();
    return loss.value().item();
  };

  for (int64_t i = 0; i < o.warmup;) {
    InputSlots::Slot* in = inputs.Next(batcher);
    if (in == nullptr) continue;  // wrapped to the next epoch
    step(*in);
    ++i;
  }
  // The timed epochs start on a fresh permutation, as PyTorch's do.
  batcher.Restore({o.seed, batcher.state().epoch + 1, 0});

  Result r;
  double total_loss = 0;
  ResetProfile();  // NABLA_PROFILE=1 reports the timed part only
  const Clock::time_point start = Clock::now();
  double best_step_s = 0;
  for (int64_t e = 0; e < o.epochs; ++e) {
    Clock::time_point step_start = Clock::now();
    while (InputSlots::Slot* in = inputs.Next(batcher)) {
      const int64_t n = in->images.shape()[0];
      total_loss += step(*in) * static_cast<double>(n);
      r.timed_samples += n;
      const Clock::time_point step_end = Clock::now();
      const double s = Seconds(step_start, step_end);
      if (n == kBatchSize && (best_step_s == 0 || s < best_step_s)) best_step_s = s;
      step_start = step_end;
    }
  }
  r.elapsed_s = Seconds(start, Clock::now());
  r.samples_per_s = r.timed_samples / r.elapsed_s;
  r.final_loss = total_loss / r.timed_samples;
  if (best_step_s > 0) r.best_step_samples_per_s = kBatchSize / best_step_s;
  return r;
}

Result InferWorkload(BenchModel& model, const data::Dataset& test, const WorkloadOptions& o) {
  model.Train(false);
  NoGradGuard no_grad;
  const int64_t n = test.size, features = test.features();
  InputSlots inputs(model.SampleShape());
  inputs.For(std::min(kBatchSize, n));
  if (n % kBatchSize != 0) inputs.For(n % kBatchSize);
  auto forward = [&](int64_t first) {
    const int64_t count = std::min(kBatchSize, n - first);
    model.Logits(inputs.Images(test.pixels.data() + first * features, count));
  };

  for (int64_t i = 0; i < o.warmup; ++i) forward((i * kBatchSize) % n);
  Result r;
  ResetProfile();  // NABLA_PROFILE=1 reports the timed part only
  const Clock::time_point start = Clock::now();
  for (int64_t e = 0; e < o.epochs; ++e) {
    for (int64_t first = 0; first < n; first += kBatchSize) forward(first);
    r.timed_samples += n;
  }
  r.elapsed_s = Seconds(start, Clock::now());
  r.samples_per_s = r.timed_samples / r.elapsed_s;
  return r;
}

Result LatencyWorkload(BenchModel& model, const data::Dataset& test, const WorkloadOptions& o) {
  model.Train(false);
  NoGradGuard no_grad;
  const int64_t n = test.size, features = test.features();
  InputSlots inputs(model.SampleShape());
  const uint8_t* images = test.pixels.data();
  for (int64_t i = 0; i < o.warmup; ++i) {
    model.Logits(inputs.Images(images + (i % n) * features, 1));
  }
  ResetProfile();  // NABLA_PROFILE=1 reports the timed part only
  std::vector<double> times_us;
  times_us.reserve(o.latency_iters);
  double total_s = 0;
  for (int64_t i = 0; i < o.latency_iters; ++i) {
    const Variable& x = inputs.Images(images + (i % n) * features, 1);
    const Clock::time_point t0 = Clock::now();
    model.Logits(x);
    const double s = Seconds(t0, Clock::now());
    times_us.push_back(s * 1e6);
    total_s += s;
  }
  std::sort(times_us.begin(), times_us.end());
  const size_t count = times_us.size();
  Result r;
  r.latency_us_median =
      count % 2 ? times_us[count / 2] : (times_us[count / 2 - 1] + times_us[count / 2]) / 2;
  // Nearest rank, as torch_bench.py: the ceil(0.9 n)-th smallest.
  r.latency_us_p90 = times_us[static_cast<size_t>(std::ceil(0.9 * count)) - 1];
  r.timed_samples = static_cast<int64_t>(count);
  r.elapsed_s = total_s;
  r.samples_per_s = count / total_s;
  return r;
}

}  // namespace nabla::bench
