#include "tools/cli/execution_options.h"

#include <algorithm>

#include "graph/strings.h"
#include "tools/cli/common.h"

namespace nabla::cli {

namespace po = boost::program_options;

void AddExecutionOptions(po::options_description* options) {
  options->add_options()
      ("backend", po::value<std::string>()->default_value("auto"),
       ("kernels: auto (oneDNN where it has the kernel, else Eigen), eigen, or " +
        Join(KernelRegistry::Global().BackendNames(), ", ")).c_str())
      ("precision", po::value<std::string>()->default_value("float32"),
       "float32, or bf16: mixed precision (bf16 GEMMs, float32 weights, gradients and "
       "optimiser state; needs a CPU with native bf16)");
}

const char* PrecisionName(Precision precision) {
  return precision == Precision::kBFloat16 ? "bf16" : "float32";
}

ExecutionOptions ApplyExecutionOptions(const po::variables_map& vm) {
  ExecutionOptions options;
  options.backend = vm["backend"].as<std::string>();
  std::vector<std::string> choices = BackendChoices();
  if (std::find(choices.begin(), choices.end(), options.backend) == choices.end()) {
    throw UsageError("--backend: '" + options.backend + "' is not one of " + Join(choices));
  }
  const std::string precision = vm["precision"].as<std::string>();
  if (precision == "bf16") {
    options.precision = Precision::kBFloat16;
  } else if (precision != "float32") {
    throw UsageError("--precision: '" + precision + "' is not one of float32, bf16");
  }
  SetExecutionOptions(options);
  return options;
}

}  // namespace nabla::cli
