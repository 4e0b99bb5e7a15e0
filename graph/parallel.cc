#include "graph/parallel.h"

#include <omp.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#include <Eigen/Core>

namespace nabla {
namespace {
int num_threads = 1;
}  // namespace

void SetNumThreads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  num_threads = n;
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

int NumThreads() {
  internal::InitThreadsOnce();
  return num_threads;
}

namespace internal {
void InitThreadsOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* env = std::getenv("NABLA_NUM_THREADS");
    SetNumThreads(env != nullptr ? std::atoi(env) : 1);
  });
}
}  // namespace internal

}  // namespace nabla
