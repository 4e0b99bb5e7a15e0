// nabla: define models as graph files, train them, save and reload their
// weights. `nabla help` lists the commands; README.md documents them.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <iostream>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "graph/registry.h"
#include "graph/version.h"
#include "plugins/plugin_api.h"
#include "tools/cli/commands.h"
#include "tools/cli/common.h"

namespace {

constexpr char kUsage[] =
    "usage: nabla COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  ops [--plugin LIB]...            list registered ops and their schemas\n"
    "  gradcheck [--plugin LIB]... [OP...]   check ops' backward by finite differences\n"
    "  describe MODEL                   print a graph file's layout, shapes, parameters\n"
    "  train MODEL --data DATA --epochs N ...   train and save a checkpoint\n"
    "  eval MODEL --weights CKPT --data DATA [--split test|train] [--json]\n"
    "  plot METRICS.csv... -o CURVE.png|svg   learning curves (gnuplot)\n"
    "  predict MODEL --weights CKPT --data DATA --out PREDS.csv   per-sample classes\n"
    "  convert IN OUT                   graph files or checkpoints, text <-> binary\n"
    "  inspect CKPT [--json]            a checkpoint's tensors, config, metrics\n"
    "  export MODEL --weights CKPT -o OUT.onnx   an ONNX model (opset 17)\n"
    "  import IN.onnx -o OUT.pbtxt --weights OUT.ckpt   from ONNX (opsets 11-17)\n"
    "\n"
    "`nabla COMMAND --help` shows a command's options; `nabla --version` the version.\n";


}  // namespace

int main(int argc, char** argv) {
  using namespace nabla::cli;
  if (argc < 2 || std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    // The second line is what a plugin must match (plugins/plugin_api.h).
    std::printf("nabla %s\nplugin ABI %d, compiler %s\n", NABLA_VERSION,
                NABLA_PLUGIN_ABI_VERSION, NABLA_COMPILER_TAG);
    return kExitOk;
  }
  // libprotobuf logs some parse failures (invalid UTF-8, a damaged
  // message) on stderr itself; nabla reports each one in its own message,
  // which must be the first line the user sees.
  google::protobuf::SetLogHandler(nullptr);
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "ops") return OpsCommand(args);
    if (command == "gradcheck") return GradcheckCommand(args);
    if (command == "describe") return DescribeCommand(args);
    if (command == "train") return TrainCommand(args);
    if (command == "eval") return EvalCommand(args);
    if (command == "convert") return ConvertCommand(args);
    if (command == "plot") return PlotCommand(args);
    if (command == "predict") return PredictCommand(args);
    if (command == "inspect") return InspectCommand(args);
    if (command == "export") return ExportCommand(args);
    if (command == "import") return ImportCommand(args);
    std::fprintf(stderr, "nabla: unknown command '%s'\n%s", command.c_str(), kUsage);
    return kExitUsage;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kExitUsage;
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "nabla %s: error: %s\n", command.c_str(), e.what());
    return ExitCodeFor(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr,
                 "nabla %s: error: out of memory (a model, batch or data set larger than this "
                 "machine holds; try a smaller --batch-size)\n",
                 command.c_str());
    return kExitInvalidInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nabla %s: internal error: %s\n", command.c_str(), e.what());
    return kExitInternal;
  } catch (...) {
    // Only plugin code throws such things: nabla throws nabla::Error.
    std::fprintf(stderr,
                 "nabla %s: error: an exception that is not a std::exception escaped%s\n",
                 command.c_str(),
                 !nabla::OpRegistry::Global().LoadedPlugins().empty() ? " (from a plugin's op kernel?)" : "");
    return kExitPlugin;
  }
}
