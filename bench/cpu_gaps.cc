// How much of each CPU this process actually got: one thread pinned to each
// usable CPU reads the clock in a loop for --seconds, and every gap between
// two reads longer than --gap-us is time that thread did not run (an
// interrupt, another process, or, in a virtual machine, the host running
// something else on the physical core: time that /proc/stat's steal column
// does not show on every hypervisor).
//
//   bazel-bin/bench/cpu_gaps --seconds 1 [--gap-us 10]
//
// Why: a 2-thread training step is a chain of parallel regions, each
// waiting for its slowest thread, so a CPU that is away for a while holds
// up every region it misses; one thread alone only loses its own gaps, and
// a best-of-N GEMM bound loses almost none. run_bench.py runs this before
// each timed run and records the figure beside it.
//
// Prints one JSON object: {"seconds": 1.0, "gap_us": 10, "cpus": [{"cpu":
// 0, "lost_fraction": 0.007, "gaps": 350, "max_gap_us": 400}, ...]}.
// Run it on an otherwise idle machine: it keeps every CPU busy.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct CpuGaps {
  int cpu = 0;
  double lost_s = 0, max_gap_s = 0;
  long gaps = 0;
  bool pinned = false;
};

void Watch(CpuGaps* out, double seconds, double gap_s) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(out->cpu, &set);
  out->pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  Clock::time_point previous = start;
  while (true) {
    const Clock::time_point now = Clock::now();
    const double gap = std::chrono::duration<double>(now - previous).count();
    if (gap > gap_s) {
      out->lost_s += gap;
      ++out->gaps;
      out->max_gap_s = std::max(out->max_gap_s, gap);
    }
    previous = now;
    if (std::chrono::duration<double>(now - start).count() >= seconds) break;
  }
}

bool ParseDouble(const char* text, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(text, &end);
  return errno == 0 && end != text && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1, gap_us = 10;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "cpu_gaps: %s needs a value\n", argv[i]);
      return 2;
    }
    double* target = !std::strcmp(argv[i], "--seconds")  ? &seconds
                     : !std::strcmp(argv[i], "--gap-us") ? &gap_us
                                                         : nullptr;
    if (target == nullptr) {
      std::fprintf(stderr, "cpu_gaps: unknown flag %s (expected --seconds, --gap-us)\n", argv[i]);
      return 2;
    }
    if (!ParseDouble(argv[i + 1], target)) {
      std::fprintf(stderr, "cpu_gaps: %s '%s' is not a number\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  if (!(seconds > 0 && seconds <= 600) || !(gap_us >= 1 && gap_us <= 1e6)) {
    std::fprintf(stderr, "cpu_gaps: want 0 < --seconds <= 600 and 1 <= --gap-us <= 1e6\n");
    return 2;
  }
  cpu_set_t usable;
  CPU_ZERO(&usable);
  if (sched_getaffinity(0, sizeof usable, &usable) != 0) {
    std::fprintf(stderr, "cpu_gaps: sched_getaffinity: %s\n", std::strerror(errno));
    return 1;
  }
  std::vector<CpuGaps> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &usable)) cpus.push_back(CpuGaps{c});
  }
  std::vector<std::thread> threads;
  for (CpuGaps& g : cpus) threads.emplace_back(Watch, &g, seconds, gap_us * 1e-6);
  for (std::thread& t : threads) t.join();
  std::string json = "{\"seconds\": " + std::to_string(seconds) +
                     ", \"gap_us\": " + std::to_string(gap_us) + ", \"cpus\": [";
  for (size_t i = 0; i < cpus.size(); ++i) {
    const CpuGaps& g = cpus[i];
    if (!g.pinned) {
      std::fprintf(stderr, "cpu_gaps: could not pin a thread to CPU %d\n", g.cpu);
      return 1;
    }
    char row[200];
    std::snprintf(row, sizeof row,
                  "%s{\"cpu\": %d, \"lost_fraction\": %.5f, \"gaps\": %ld, \"max_gap_us\": %.0f}",
                  i ? ", " : "", g.cpu, g.lost_s / seconds, g.gaps, g.max_gap_s * 1e6);
    json += row;
  }
  std::printf("%s]}\n", json.c_str());
  return 0;
}
