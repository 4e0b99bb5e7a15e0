#include "graph/parallel.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include <Eigen/Core>

namespace nabla {
namespace {
int num_threads = 1;
std::atomic<bool> configured{false};
}  // namespace

void SetNumThreads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  num_threads = n;
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
  configured = true;
}

int NumThreads() {
  internal::InitThreadsOnce();
  return num_threads;
}

namespace internal {
void InitThreadsOnce() {
  if (configured) return;
  const char* env = std::getenv("NABLA_NUM_THREADS");
  SetNumThreads(env != nullptr ? std::atoi(env) : 1);
}
}  // namespace internal

}  // namespace nabla
