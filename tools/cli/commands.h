// The `nabla` subcommands. Each takes the arguments after its name and
// returns an exit code (tools/cli/common.h); errors propagate as
// nabla::Error or UsageError and are printed by main.
#ifndef NABLA_TOOLS_CLI_COMMANDS_H_
#define NABLA_TOOLS_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace nabla::cli {

int OpsCommand(const std::vector<std::string>& args);
int DescribeCommand(const std::vector<std::string>& args);
int CheckCommand(const std::vector<std::string>& args);  // check_command.cc
int TrainCommand(const std::vector<std::string>& args);
int EvalCommand(const std::vector<std::string>& args);
int ConvertCommand(const std::vector<std::string>& args);
int ExportCommand(const std::vector<std::string>& args);  // export_command.cc
int ImportCommand(const std::vector<std::string>& args);  // import_command.cc
int PlotCommand(const std::vector<std::string>& args);     // plot_command.cc
int PredictCommand(const std::vector<std::string>& args);  // predict_command.cc
int InspectCommand(const std::vector<std::string>& args);  // inspect_command.cc
int GradcheckCommand(const std::vector<std::string>& args);  // gradcheck_command.cc

}  // namespace nabla::cli

#endif  // NABLA_TOOLS_CLI_COMMANDS_H_
