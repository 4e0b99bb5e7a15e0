// Where a step's time goes: wall time per op kernel call, forward and
// backward, keyed by op and input shapes, plus named scopes for the work
// between ops (the optimiser step, the batch gather). PyTorch's
// torch.profiler key_averages(group_by_input_shape=True), in miniature.
//
// Off by default, and then free: one relaxed atomic load per kernel call.
// Measured: bazel-bin/bench/op_overhead_benchmark (a 16-wide Linear +
// LeakyReLU chain at batch 1) took 958-1090 ns per op call as built and
// 965-1056 ns with the timer compiled out, three alternating runs each
// (AMD EPYC, CPU family 26): no difference above the run-to-run noise.
// On with NABLA_PROFILE=1 in the environment (the table is printed to
// stderr when the process exits) or SetProfiling(true) (read it with
// ProfileRows()):
//
//   NABLA_PROFILE=1 bazel-bin/bench/nabla_bench --model B --mode train --threads 2
//
// Times are wall time on the calling thread, so a kernel's own OpenMP
// threads count once, and on a loaded machine waiting counts too.
#ifndef NABLA_GRAPH_PROFILE_H_
#define NABLA_GRAPH_PROFILE_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace nabla {

struct ProfileRow {
  std::string name;    // op name, or a scope's label
  std::string phase;   // "forward", "backward" or "scope"
  std::string shapes;  // the op's input shapes, e.g. "[256, 784] [1000, 784]"
  int64_t calls = 0;
  double seconds = 0;
};

void SetProfiling(bool on);
bool ProfilingEnabled();
// Everything recorded since the start or the last ResetProfile(), the most
// time first.
std::vector<ProfileRow> ProfileRows();
void ResetProfile();
// A fixed-width table: total ms, share of the listed total, calls, µs per
// call, name, phase, shapes.
std::string FormatProfile(const std::vector<ProfileRow>& rows);

namespace internal {
// "[256, 784] [1000, 784]"; an undefined tensor is "-".
std::string ShapesOf(const std::vector<const Tensor*>& values);
std::string ShapesOf(const std::vector<Tensor>& values);

// Records one call when profiling was on at construction.
class ProfileTimer {
 public:
  // `shapes` is only called when profiling is on.
  template <typename ShapesFn>
  ProfileTimer(const char* name, const char* phase, ShapesFn&& shapes) {
    if (!ProfilingEnabled()) return;
    name_ = name;
    phase_ = phase;
    shapes_ = shapes();
    start_ = std::chrono::steady_clock::now();
    on_ = true;
  }
  ~ProfileTimer();
  ProfileTimer(const ProfileTimer&) = delete;
  ProfileTimer& operator=(const ProfileTimer&) = delete;

 private:
  bool on_ = false;
  const char* name_ = nullptr;
  const char* phase_ = nullptr;
  std::string shapes_;
  std::chrono::steady_clock::time_point start_;
};
}  // namespace internal

// Times the enclosing block under `label` (a string literal) when profiling
// is on: ProfileScope scope("optimizer step");
class ProfileScope {
 public:
  explicit ProfileScope(const char* label)
      : timer_(label, "scope", [] { return std::string(); }) {}

 private:
  internal::ProfileTimer timer_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_PROFILE_H_
