// Fixed cost of one op call: a 16-wide Linear + LeakyReLU chain at batch 1,
// where the arithmetic is negligible and the engine's bookkeeping is not.
//
//   bazel run //bench:op_overhead_benchmark
#include <benchmark/benchmark.h>

#include "graph/init.h"
#include "ops/api.h"

namespace nabla {
namespace {

void BM_TinyForward(benchmark::State& state) {
  ManualSeed(0);
  Sequential net;
  for (int i = 0; i < 5; ++i) net.Add(nn::Linear(16, 16)).Add(nn::LeakyReLU(0.01));
  Variable x(Tensor::Zeros(Shape{1, 16}));
  const bool grad = state.range(0) != 0;
  if (grad) x.set_requires_grad(true);
  for (auto _ : state) {
    Variable y = net(x);
    benchmark::DoNotOptimize(y.value().raw_data());
  }
  state.counters["ns/op"] = benchmark::Counter(
      state.iterations() * 10.0, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_TinyForward)->Arg(0)->Arg(1);

}  // namespace
}  // namespace nabla

BENCHMARK_MAIN();
