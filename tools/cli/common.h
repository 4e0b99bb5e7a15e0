// Shared pieces of the `nabla` command line: exit codes, option parsing
// helpers, plugin loading and progress display.
#ifndef NABLA_TOOLS_CLI_COMMON_H_
#define NABLA_TOOLS_CLI_COMMON_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "graph/error.h"

namespace nabla::cli {

// Documented in README.md ("Exit codes").
enum ExitCode {
  kExitOk = 0,
  kExitInternal = 1,      // a bug: please report it
  kExitUsage = 2,         // bad command line
  kExitInvalidInput = 3,  // graph file, checkpoint, data, attribute, shape
  kExitDiverged = 4,      // non-finite loss or gradient while training
  kExitPlugin = 5,        // a plugin library failed to load
  // train stopped by SIGINT or SIGTERM after finishing its step; the
  // checkpoint (--save) and metrics (--metrics) were written. A second
  // signal aborts at once with the signal's default action instead.
  kExitInterrupted = 6,
  // nabla gradcheck: some op's backward disagrees with finite differences.
  kExitCheckFailed = 7,
};

int ExitCodeFor(ErrorCode code);

// Thrown for command-line mistakes; printed with the command's usage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace po = boost::program_options;

// Parses `args` (after the command name) against `options`, with
// `positional` names taking the bare arguments in order. --help prints the
// usage and returns false.
bool ParseArgs(const std::string& command, const std::string& usage,
               const std::vector<std::string>& args, const po::options_description& options,
               const std::vector<std::string>& positional, po::variables_map* vm);

// The thread count for --threads 0: the cores this process may use
// (sched_getaffinity) that are idle now, measured over 50 ms of
// /proc/stat, at least 1. OpenMP splits every GEMM and elementwise pass
// evenly and waits for the slowest thread, so a thread that shares its
// core with another busy process makes each step wait for it: with two
// busy processes on this 2-core machine, 2 threads took 1.7-14 s where 1
// took 0.7 s (tools/threads_under_load.sh). Sets *why to, e.g.,
// "auto: 1.0 of 2 usable core(s) idle".
int AutoThreads(std::string* why);

// --threads: 0 (automatic, AutoThreads) up to kMaxThreadsPerCore per core this
// process may run on (sched_getaffinity); UsageError otherwise.
constexpr int kMaxThreadsPerCore = 4;
int CheckThreads(const std::string& command, int threads);

// --seed as an unsigned 64-bit decimal number: "-1" or "1e3" is a
// UsageError, not a wrapped or truncated seed.
uint64_t ParseSeed(const std::string& command, const std::string& text);

// True when `a` and `b` name the same file: the same inode when both
// exist, else the same normalised absolute path.
bool SameFile(const std::string& a, const std::string& b);

// Writes a floating value as JSON: non-finite values are `null`.
std::string JsonNumber(double value);
// The same with `digits` significant digits (9 reads a float back exactly,
// 17 a double).
std::string JsonNumber(double value, int digits);
// A JSON string literal: quotes, backslashes and control characters escaped,
// and each byte that is not part of well-formed UTF-8 written as the text
// \xNN (as messages quote such bytes), so the result is always valid JSON.
std::string JsonString(const std::string& text);

// SIGINT and SIGTERM while alive: the first sets stop() (and says on
// stderr that the step finishes and the run is saved); the second gets the
// signal's default action (the process ends at once). Restores the
// previous handlers when destroyed.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  const std::atomic<bool>* stop() const;
  // The signal that set stop(), e.g. "SIGINT"; "" when none.
  std::string signal_name() const;
};

// Loads every --plugin library, in order. Every failure, a missing file
// included, throws Error(kPlugin) (exit code kExitPlugin).
void LoadPlugins(const std::vector<std::string>& paths);

// What the commands that run a trained model over a split (eval, predict)
// share: --split test|train, --batch-size, --threads, --set, --plugin.
struct ModelRunFlags {
  bool train_split = false;
  int64_t batch_size = 1000;
  int threads = 0;
  std::vector<std::string> overrides;
};
// Adds --batch-size, --threads, --set and --plugin (--split stays with
// the command, whose help lists it beside --data).
void AddModelRunOptions(po::options_description* options);
// Checks the values; a bad one is a UsageError naming `command`.
ModelRunFlags ParseModelRunFlags(const std::string& command, const po::variables_map& vm);
// Loads the plugins, sets the threads and the backend options.
void StartModelRun(const po::variables_map& vm, const ModelRunFlags& flags);

// A one-line progress bar redrawn on stderr when it is a terminal.
class ProgressBar {
 public:
  ProgressBar();
  bool enabled() const { return enabled_; }
  void Update(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
              double loss, double samples_per_second, double elapsed);
  void Clear();

 private:
  bool enabled_;
  double last_draw_ = -1;
};

}  // namespace nabla::cli

#endif  // NABLA_TOOLS_CLI_COMMON_H_
