// The three timed workloads of bench/README.md, run on a BenchModel:
//
//   Train    samples/s of `epochs` shuffled training epochs (batch 256, SGD
//            lr 0.01 momentum 0.9, softmax cross-entropy) after `warmup`
//            training batches drawn from an earlier permutation; final_loss
//            is the sample-weighted mean loss over the timed epochs.
//   Infer    samples/s of eval-mode forward passes under NoGradGuard over the
//            data set in order (batch 256), `epochs` passes, after `warmup`
//            batches.
//   Latency  median and p90 (nearest rank) microseconds of `latency_iters`
//            batch-1 forward passes, each timed on its own, after `warmup`
//            passes.
//
// Loop hygiene, to match PyTorch's: input tensors are allocated once per
// batch size and refilled in place, and the data set is float32 before the
// clock starts. What the timed region still allocates is the framework's
// own work (activations, gradients, tape nodes), which is what is measured.
// Copies PyTorch does not make (perf, model A, 1 thread): data::Batcher
// gathers a batch into its own buffers (about 1.1% of training time), which
// are then copied into the input tensor (about 0.3%); Infer copies each
// batch's contiguous rows where PyTorch takes a view (about 1.7%). Avoiding
// them needs a Batcher that fills caller-owned tensors and a Tensor that can
// view part of another buffer.
#ifndef NABLA_BENCH_NABLA_WORKLOADS_H_
#define NABLA_BENCH_NABLA_WORKLOADS_H_

#include <cstdint>
#include <optional>

#include "bench/nabla_models.h"
#include "data/idx.h"

namespace nabla::bench {

inline constexpr int64_t kBatchSize = 256;
inline constexpr double kLearningRate = 0.01;
inline constexpr double kMomentum = 0.9;

struct WorkloadOptions {
  int64_t epochs = 1;  // >= 1
  int64_t warmup = 20;
  int64_t latency_iters = 2000;  // >= 1
  uint64_t seed = 0;             // shuffle seed (Train)
};

struct Result {
  double samples_per_s = 0;
  std::optional<double> latency_us_median, latency_us_p90, final_loss;
  // train: the batch size over the fastest full-batch step (gather,
  // forward, backward, update) of the timed epochs. A diagnostic, the
  // counterpart of gemm_bound's best-of-30: on a machine other processes
  // load, the fastest steps still ran undisturbed. samples_per_s is the
  // result.
  std::optional<double> best_step_samples_per_s;
  int64_t timed_samples = 0;
  double elapsed_s = 0;
};

Result TrainWorkload(BenchModel& model, const data::Dataset& train, const WorkloadOptions& options);
Result InferWorkload(BenchModel& model, const data::Dataset& test, const WorkloadOptions& options);
Result LatencyWorkload(BenchModel& model, const data::Dataset& test,
                       const WorkloadOptions& options);

}  // namespace nabla::bench

#endif  // NABLA_BENCH_NABLA_WORKLOADS_H_
