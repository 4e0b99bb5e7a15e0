// `nabla COMMAND --help`: the synopsis, the positional arguments, then
// every option with "(required)" or its default as a user would type it
// ("--momentum arg (=0.9)", where Boost's own printer writes the double's
// 17 digits, 0.90000000000000002).
#ifndef NABLA_TOOLS_CLI_HELP_H_
#define NABLA_TOOLS_CLI_HELP_H_

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace nabla::cli {

// `usage` is the synopsis after "nabla COMMAND"; `positional` the options
// that take the bare arguments, listed under "arguments:" in upper case.
std::string FormatHelp(const std::string& command, const std::string& usage,
                       const boost::program_options::options_description& options,
                       const std::vector<std::string>& positional);

// The shortest decimal that reads back as exactly `value` ("0.9", "1e-05").
std::string ShortestDecimal(double value);

}  // namespace nabla::cli

#endif  // NABLA_TOOLS_CLI_HELP_H_
