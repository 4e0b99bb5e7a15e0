// Threads. nabla's parallel work is the GEMMs (oneDNN's or Eigen's, both on
// OpenMP threads) and the large elementwise passes (ParallelFor below).
//
// The default is one thread, or NABLA_NUM_THREADS when set (a whole number;
// 0 means one per usable core; anything else is named on stderr and the
// default kept, since a library cannot refuse to start): OpenMP threads
// spin while they wait, and on a loaded machine (a test suite running test
// binaries side by side) oversubscribed spinning made a small model 60x
// slower. Programs that own the machine ask for more (`nabla train
// --threads 2`, or SetNumThreads(0) for every core).
#ifndef NABLA_GRAPH_PARALLEL_H_
#define NABLA_GRAPH_PARALLEL_H_

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace nabla {

// n > 0: that many threads; 0: one per core this process may run on
// (UsableCores()).
void SetNumThreads(int n);
int NumThreads();

// The cores this process may run on: sched_getaffinity's count, which a
// container, taskset or cgroup cpuset may make smaller than the machine's
// (hardware_concurrency); at least 1.
int UsableCores();

// Runs fn(begin, end) over [0, n) split into one contiguous range per
// thread, or as a single call when n < min_per_thread * 2 (waking threads
// costs a few microseconds). For memory-bound elementwise kernels: with
// two threads the second core otherwise idles through every activation.
template <typename Fn>
void ParallelFor(int64_t n, int64_t min_per_thread, Fn&& fn) {
  if (n < 2 * min_per_thread || NumThreads() == 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), thread = omp_get_thread_num();
    // Multiples of 16 elements keep every range's start 64-byte aligned.
    const int64_t chunk = ((n + threads - 1) / threads + 15) / 16 * 16;
    const int64_t begin = std::min(n, thread * chunk);
    const int64_t end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

namespace internal {
// Applies the default once per process; called when the first op is built.
void InitThreadsOnce();

// More threads than this is a typo, not a machine: OpenMP would try to start
// them all.
constexpr int kMaxThreads = 1024;

// The thread count NABLA_NUM_THREADS=value asks for (value may be null:
// unset). A value that is not a whole number in [0, kMaxThreads] yields 1
// and sets *warning to a line naming it; otherwise *warning is cleared.
int ThreadsFromEnvironment(const char* value, std::string* warning);
}  // namespace internal

}  // namespace nabla

#endif  // NABLA_GRAPH_PARALLEL_H_
