// --backend and --precision, shared by the commands that run a model.
#ifndef NABLA_TOOLS_CLI_EXECUTION_OPTIONS_H_
#define NABLA_TOOLS_CLI_EXECUTION_OPTIONS_H_

#include <boost/program_options.hpp>

#include "graph/kernel.h"

namespace nabla::cli {

void AddExecutionOptions(boost::program_options::options_description* options);
// Validates the values and installs them (graph/kernel.h); throws
// UsageError for an unknown value and nabla::Error when this machine
// cannot run the choice (bf16 without native support).
ExecutionOptions ApplyExecutionOptions(const boost::program_options::variables_map& vm);
const char* PrecisionName(Precision precision);

}  // namespace nabla::cli

#endif  // NABLA_TOOLS_CLI_EXECUTION_OPTIONS_H_
