// Shared pieces of the `nabla` command line: exit codes, option parsing
// helpers, plugin loading and progress display.
#ifndef NABLA_TOOLS_CLI_COMMON_H_
#define NABLA_TOOLS_CLI_COMMON_H_

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

// Loads every --plugin library, in order. Every failure, a missing file
// included, throws Error(kPlugin) (exit code kExitPlugin).
void LoadPlugins(const std::vector<std::string>& paths);

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
