// The standalone measurements behind bench/RESULTS.md's "where the time
// goes", each on the exact sizes of model A on one thread:
//
//   bazel run //bench:micro_bench -- gather   # batch gather, 4 KiB vs huge pages
//   bazel run //bench:micro_bench -- bytes    # the Batcher's uint8 gather, prefetching or not
//   bazel run //bench:micro_bench -- forkjoin # a 2-thread parallel region after serial work
//   bazel run //bench:micro_bench -- sgd      # SGD pass; a zero fill beside it
//   bazel run //bench:micro_bench -- weights  # reading all of model A's weights
//   bazel run //bench:micro_bench -- gemm     # the training step's GEMMs
//
// Between timed repetitions a 16 MiB buffer is swept so the operands come
// from L3 or memory, as they do inside a training step. Prints one line per
// measurement: the median (and the best) over the repetitions.
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "graph/huge_pages.h"
#include "graph/parallel.h"
#include "graph/variable.h"
#include "train/optimizer.h"

namespace nabla::bench {
namespace {

using Clock = std::chrono::steady_clock;
using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Evicts the caches' contents (16 MiB is 8x one core's L2).
void Evict() {
  static std::vector<float> junk(size_t{4} << 20, 1.f);
  for (size_t i = 0; i < junk.size(); i += 16) junk[i] += 1.f;
}

// Sorted timings of `reps` runs of `f` in microseconds, each after Evict()
// when `evict`, after one untimed run (page faults, lazy allocations).
std::vector<double> Time(int reps, bool evict, const std::function<void()>& f) {
  f();
  std::vector<double> us;
  for (int r = 0; r < reps; ++r) {
    if (evict) Evict();
    const Clock::time_point t0 = Clock::now();
    f();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return us;
}

void Report(const std::string& what, int reps, bool evict, const std::function<void()>& f) {
  const std::vector<double> us = Time(reps, evict, f);
  std::printf("%-58s median %8.1f us   best %8.1f us\n", what.c_str(), us[us.size() / 2], us[0]);
}

// A buffer of `n` floats, on huge pages or explicitly not.
float* Buffer(size_t n, bool huge) {
  const size_t bytes = n * sizeof(float);
  void* p = nullptr;
  if (posix_memalign(&p, kHugePageBytes, bytes) != 0) std::abort();
  if (huge) {
    AdviseHugePages(p, bytes);
  } else {
#ifdef MADV_NOHUGEPAGE
    madvise(p, bytes, MADV_NOHUGEPAGE);
#endif
  }
  return static_cast<float*>(p);
}

// 256 random rows of 784 floats out of 60000, as the batcher gathers them.
void Gather() {
  constexpr int64_t kRows = 60000, kFeatures = 784, kBatch = 256;
  std::vector<int64_t> order(kRows);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  std::vector<float> batch(kBatch * kFeatures);
  for (bool huge : {false, true}) {
    float* data = Buffer(kRows * kFeatures, huge);
    for (int64_t i = 0; i < kRows * kFeatures; ++i) data[i] = static_cast<float>(i % 255) / 255;
    int64_t position = 0;
    Report(std::string("gather 256 rows of 784 floats, ") + (huge ? "2 MiB pages" : "4 KiB pages"),
           200, true, [&] {
             for (int64_t i = 0; i < kBatch; ++i) {
               const int64_t row = order[(position + i) % kRows];
               std::copy_n(data + row * kFeatures, kFeatures, batch.data() + i * kFeatures);
             }
             position += kBatch;
           });
    std::free(data);
  }
}

// 256 random rows of 784 bytes out of 60000 converted to floats, as
// data::Batcher::NextInto does: a copy of its loop without and with its
// prefetch of the row two ahead, and the Batcher itself, on 1 and 2 threads.
// The data set (47 MB) is evicted between batches by the 16 MiB sweep only
// in part, as in a training step, whose own buffers do the sweeping.
void Bytes() {
  constexpr int64_t kRows = 60000, kFeatures = 784, kBatch = 256;
  data::Dataset set;
  set.size = kRows;
  set.rows = 28;
  set.cols = 28;
  set.pixels.resize(kRows * kFeatures);
  for (int64_t i = 0; i < kRows * kFeatures; ++i) set.pixels[i] = static_cast<uint8_t>(i * 7);
  set.labels.assign(kRows, 0);
  std::vector<int64_t> order(kRows);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  std::vector<float> batch(kBatch * kFeatures);
  std::vector<int32_t> labels(kBatch);
  for (bool prefetch : {false, true}) {
    int64_t position = 0;
    Report(std::string("gather loop, 1 thread, ") + (prefetch ? "prefetching 2 ahead" : "no prefetch"),
           200, true, [&] {
             const int64_t* rows = order.data() + position % (kRows - kBatch);
             for (int64_t i = 0; i < kBatch; ++i) {
               if (prefetch && i + data::kGatherPrefetchAhead < kBatch) {
                 data::PrefetchRow(set.pixels.data() + rows[i + data::kGatherPrefetchAhead] * kFeatures,
                                   kFeatures);
               }
               data::PixelsToFloat(set.pixels.data() + rows[i] * kFeatures, kFeatures,
                                   batch.data() + i * kFeatures);
             }
             position += kBatch;
           });
  }
  for (int threads : {1, 2}) {
    SetNumThreads(threads);
    data::BatcherOptions options;
    options.batch_size = kBatch;
    data::Batcher batcher(set, options);
    Report("data::Batcher::NextInto, " + std::to_string(threads) + " thread(s)", 200, true, [&] {
      if (!batcher.NextInto(batch.data(), labels.data())) batcher.NextInto(batch.data(), labels.data());
    });
  }
  SetNumThreads(1);
}

// What a 2-thread OpenMP parallel region with nothing in it costs after
// the main thread has worked alone for a while, as between the parallel
// parts of a training step. The mean against the median shows the rare
// long waits: the other CPU away (bench/cpu_gaps.cc) when it is needed.
void ForkJoin() {
  SetNumThreads(2);
  for (double gap_us : {0.0, 10.0, 50.0, 200.0, 1000.0, 5000.0}) {
    const int reps = gap_us >= 1000 ? 400 : 4000;
    std::vector<double> us;
    std::vector<int> sink(2);
    for (int r = 0; r < reps; ++r) {
      const Clock::time_point start = Clock::now();
      while (std::chrono::duration<double, std::micro>(Clock::now() - start).count() < gap_us) {
      }
      const Clock::time_point t0 = Clock::now();
#pragma omp parallel num_threads(2)
      { sink[omp_get_thread_num() & 1] += 1; }
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    const double mean = std::accumulate(us.begin(), us.end(), 0.0) / us.size();
    std::printf("parallel region after %6.0f us alone: median %6.2f us  p99 %8.2f us  mean %7.2f us\n",
                gap_us, us[us.size() / 2], us[us.size() * 99 / 100], mean);
  }
  SetNumThreads(1);
}

// The SGD update of the first layer's 784,000 weights (momentum 0.9), and a
// zero fill of its gradient (which StepAndZeroGrad does not do: it drops
// the gradient).
void SgdPass() {
  constexpr int64_t kOut = 1000, kIn = 784;
  Variable weight(Tensor(Shape{kOut, kIn}), true);
  weight.mutable_value().array<float>().setConstant(0.01f);
  Tensor grad(Shape{kOut, kIn});
  grad.array<float>().setConstant(1e-4f);
  Sgd sgd({{"w", weight, true}}, {.lr = 0.01, .momentum = 0.9});
  weight.mutable_grad() = grad;
  Report("SGD pass over 784,000 weights: Step()", 200, true, [&] { sgd.Step(); });
  Report("zero fill of the 784,000-float gradient", 200, true,
         [&] { grad.array<float>().setZero(); });
}

// Reads all 886,110 of model A's weights once (the batch-1 floor).
void Weights() {
  constexpr int64_t kParams = 886110;
  Tensor weights(Shape{kParams});
  weights.array<float>().setConstant(1e-3f);
  volatile float sink = 0;
  // Not evicted: batch-1 inference reads them again and again, so they sit
  // in L3 (they do not fit one core's 2 MiB L2).
  Report("read model A's 3.5 MB of weights once", 2000, false,
         [&] { sink = sink + weights.array<float>().sum(); });
}

// The training step's GEMMs at batch 256 as Linear runs them (row-major,
// weight [out, in]), and the two alternatives tried for the forward.
void Gemm() {
  constexpr int kBatch = 256;
  RowMajor x = RowMajor::Random(kBatch, 784), w1 = RowMajor::Random(1000, 784);
  RowMajor w1t = w1.transpose(), y1(kBatch, 1000), dy1 = RowMajor::Random(kBatch, 1000);
  RowMajor dw1(1000, 784), w2 = RowMajor::Random(100, 1000), y2(kBatch, 100);
  RowMajor dy2 = RowMajor::Random(kBatch, 100), dx2(kBatch, 1000), dw2(100, 1000);
  Eigen::MatrixXf y1_col(kBatch, 1000);
  struct Case {
    const char* name;
    double flop;
    std::function<void()> f;
  };
  const double big = 2.0 * kBatch * 784 * 1000, small = 2.0 * kBatch * 1000 * 100;
  const std::vector<Case> cases = {
      {"forward 1: y = x W^T, W [1000, 784]", big,
       [&] { y1.setZero(); y1.noalias() += x * w1.transpose(); }},
      {"forward 1 with W stored [784, 1000]: y = x W", big,
       [&] { y1.setZero(); y1.noalias() += x * w1t; }},
      {"forward 1 into a column-major y, then copied row-major", big,
       [&] {
         y1_col.setZero();
         y1_col.noalias() += x * w1.transpose();
         y1 = y1_col;
       }},
      {"weight gradient 1: dW = dY^T x", big,
       [&] { dw1.setZero(); dw1.noalias() += dy1.transpose() * x; }},
      {"forward 2: y = h W^T, W [100, 1000]", small,
       [&] { y2.setZero(); y2.noalias() += y1 * w2.transpose(); }},
      {"input gradient 2: dX = dY W", small,
       [&] { dx2.setZero(); dx2.noalias() += dy2 * w2; }},
      {"weight gradient 2: dW = dY^T h", small,
       [&] { dw2.setZero(); dw2.noalias() += dy2.transpose() * y1; }},
  };
  for (const Case& c : cases) {
    const double median = Time(41, true, c.f)[20];
    std::printf("%-58s median %8.1f us   %6.1f GFLOP/s\n", c.name, median, c.flop / median / 1e3);
  }
}

int Main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  SetNumThreads(1);  // also applies the Eigen cache-size cap (graph/parallel.h)
  if (what == "gather") {
    Gather();
  } else if (what == "bytes") {
    Bytes();
  } else if (what == "forkjoin") {
    ForkJoin();
  } else if (what == "sgd") {
    SgdPass();
  } else if (what == "weights") {
    Weights();
  } else if (what == "gemm") {
    Gemm();
  } else {
    std::fprintf(stderr, "usage: micro_bench gather|bytes|forkjoin|sgd|weights|gemm (bench/micro_bench.cc)\n");
    return 2;
  }
  return 0;
}

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::Main(argc, argv); }
