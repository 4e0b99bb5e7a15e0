// Conv2D forward + backward, per backend and precision, on model C's two
// convolutions (issue 11):
//   conv1  5x5, 1 -> 32, pad 2, x [256, 1, 28, 28]   (no input gradient)
//   conv2  5x5, 32 -> 64, pad 2, x [256, 32, 14, 14]  (input gradient too)
// and BatchNorm forward + backward in training mode on cnn_bn.pbtxt's
// largest input, x [256, 32, 28, 28] (float32 only: bf16 falls back to the
// float32 kernel).
//   bazel-bin/bench/conv_bench [threads]
// Prints the median of 7 timed steps (after 2 warm-up steps) in ms.
// NABLA_DNNL_CONV_LAYOUT=plain pins oneDNN to NCHW (backends/dnnl/conv.cc).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/kernel.h"
#include "graph/parallel.h"
#include "graph/variable.h"

namespace nabla {
namespace {

Tensor Random(const Shape& shape, Rng* rng) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t k = 0; k < t.size(); ++k) t.data<float>()[k] = static_cast<float>(rng->Uniform(-1, 1));
  return t;
}

double Run(const ExecutionOptions& options, int64_t in, int64_t out, int64_t size, bool grad_x) {
  ExecutionOptionsGuard guard(options);
  Rng rng(1);
  OpCall call("Conv2D", {{"in_channels", in}, {"out_channels", out},
                         {"kernel_size", std::vector<int64_t>{5}},
                         {"padding", std::vector<int64_t>{2}}});
  Variable x(Random({256, in, size, size}, &rng), grad_x);
  Variable w(Random({out, in, 5, 5}, &rng), true), b(Random({out}, &rng), true);
  Tensor grad_y = Random({256, out, size, size}, &rng);
  std::vector<double> times;
  for (int step = 0; step < 9; ++step) {
    auto start = std::chrono::steady_clock::now();
    Variable y = call.Apply1({x, w, b});
    y.Backward(grad_y);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin() + 2, times.end());
  return times[2 + 3];
}

double RunBatchNorm(const ExecutionOptions& options) {
  ExecutionOptionsGuard guard(options);
  TrainingModeGuard training(true);
  Rng rng(2);
  OpCall call("BatchNorm", {{"num_features", int64_t{32}}});
  std::vector<Tensor> state = call.InitialState(DType::kFloat32);
  std::vector<Tensor*> pointers = {&state[0], &state[1]};
  Variable x(Random({256, 32, 28, 28}, &rng), true);
  Variable w(Random({32}, &rng), true), b(Random({32}, &rng), true);
  Tensor grad_y = Random({256, 32, 28, 28}, &rng);
  std::vector<double> times;
  for (int step = 0; step < 9; ++step) {
    auto start = std::chrono::steady_clock::now();
    Variable y = call.Apply1({x, w, b}, pointers);
    y.Backward(grad_y);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin() + 2, times.end());
  return times[2 + 3];
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  using namespace nabla;
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  SetNumThreads(threads);
  const char* layout = std::getenv("NABLA_DNNL_CONV_LAYOUT");
  std::printf("threads %d, dnnl layout %s; forward+backward ms (median of 7)\n", threads,
              layout ? layout : "any");
  struct Config {
    const char* name;
    ExecutionOptions options;
  } configs[] = {{"eigen f32", {"eigen", Precision::kFloat32}},
                 {"dnnl f32 ", {"dnnl", Precision::kFloat32}},
                 {"dnnl bf16", {"dnnl", Precision::kBFloat16}}};
  for (const Config& c : configs) {
    if (c.options.precision == Precision::kBFloat16) {
      const BackendInfo* dnnl = KernelRegistry::Global().FindBackend("dnnl");
      const std::string why = dnnl ? dnnl->unavailable(ComputeType::kBFloat16) : "no dnnl backend";
      if (!why.empty()) {
        std::printf("%s  skipped: %s\n", c.name, why.c_str());
        continue;
      }
    }
    const double conv1 = Run(c.options, 1, 32, 28, false);
    const double conv2 = Run(c.options, 32, 64, 14, true);
    const double bn = RunBatchNorm(c.options);
    std::printf("%s  conv1 %8.1f  conv2 %8.1f  batchnorm %8.1f\n", c.name, conv1, conv2, bn);
  }
  return 0;
}
