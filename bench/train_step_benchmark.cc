// Google Benchmark of one training step (forward, backward, SGD with
// momentum) of the course network 784-1000-100-10 with LeakyReLU at batch
// 256, on 1 and 2 threads. Reports samples/second.
//
//   bazel run //bench:train_step_benchmark
#include <benchmark/benchmark.h>

#include "graph/init.h"
#include "graph/parallel.h"
#include "ops/api.h"
#include "train/optimizer.h"

namespace nabla {
namespace {

void BM_TrainStep(benchmark::State& state) {
  SetNumThreads(static_cast<int>(state.range(0)));
  ManualSeed(0);
  Sequential net;
  net.Add(nn::Linear(784, 1000)).Add(nn::LeakyReLU(0.01)).Add(nn::Linear(1000, 100))
      .Add(nn::LeakyReLU(0.01)).Add(nn::Linear(100, 10));
  Sgd sgd(net.NamedParameters(), {.lr = 0.01, .momentum = 0.9});
  Rng rng(1);
  Tensor images(Shape{256, 784});
  Tensor labels(DType::kInt32, Shape{256});
  for (int64_t i = 0; i < images.size(); ++i) images.data<float>()[i] = rng.Uniform();
  for (int i = 0; i < 256; ++i) labels.data<int32_t>()[i] = i % 10;
  Variable x(images), y(labels);
  for (auto _ : state) {
    Variable loss = SoftmaxCrossEntropy(net(x), y);
    loss.Backward();
    sgd.StepAndZeroGrad();
    benchmark::DoNotOptimize(loss.value().raw_data());
  }
  state.SetItemsProcessed(state.iterations() * 256);
  state.counters["samples/s"] =
      benchmark::Counter(state.iterations() * 256.0, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TrainStep)->Arg(1)->Arg(2)->UseRealTime()->MinTime(3.0);

// Forward pass of the same network in eval mode without gradients, at
// batch 1 (latency) and 256 (throughput).
void BM_Inference(benchmark::State& state) {
  SetNumThreads(static_cast<int>(state.range(0)));
  const int64_t batch = state.range(1);
  ManualSeed(0);
  Sequential net;
  net.Add(nn::Linear(784, 1000)).Add(nn::LeakyReLU(0.01)).Add(nn::Linear(1000, 100))
      .Add(nn::LeakyReLU(0.01)).Add(nn::Linear(100, 10));
  net.Eval();
  Rng rng(1);
  Tensor images(Shape{batch, 784});
  for (int64_t i = 0; i < images.size(); ++i) images.data<float>()[i] = rng.Uniform();
  Variable x(images);
  NoGradGuard no_grad;
  for (auto _ : state) {
    Variable logits = net(x);
    benchmark::DoNotOptimize(logits.value().raw_data());
  }
  state.counters["samples/s"] =
      benchmark::Counter(state.iterations() * static_cast<double>(batch),
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Inference)->Args({1, 1})->Args({2, 1})->Args({1, 256})->Args({2, 256})
    ->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace nabla

BENCHMARK_MAIN();
