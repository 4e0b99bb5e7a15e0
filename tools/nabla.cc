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
#include "tools/cli/distributed.h"

namespace {

constexpr char kUsage[] =
    "usage: nabla COMMAND [ARGS...]\n"
    "\n"
    "commands:\n"
    "  ops [--plugin LIB]...            list registered ops and their schemas\n"
    "  gradcheck [--plugin LIB]... [OP...]   check ops' backward by finite differences\n"
    "  describe MODEL                   print a graph file's layout, shapes, parameters\n"
    "  check MODEL [--json]             validate a graph file and list every problem\n"
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
  // Under mpirun, `train` runs a data-parallel session (tools/cli/distributed.h):
  // FinishRun ends it, and an error one rank alone hit ends every rank.
  try {
    int rc = kExitUsage;
    if (command == "ops") rc = OpsCommand(args);
    else if (command == "gradcheck") rc = GradcheckCommand(args);
    else if (command == "describe") rc = DescribeCommand(args);
    else if (command == "check") rc = CheckCommand(args);
    else if (command == "train") rc = TrainCommand(args);
    else if (command == "eval") rc = EvalCommand(args);
    else if (command == "convert") rc = ConvertCommand(args);
    else if (command == "plot") rc = PlotCommand(args);
    else if (command == "predict") rc = PredictCommand(args);
    else if (command == "inspect") rc = InspectCommand(args);
    else if (command == "export") rc = ExportCommand(args);
    else if (command == "import") rc = ImportCommand(args);
    else std::fprintf(stderr, "nabla: unknown command '%s'\n%s", command.c_str(), kUsage);
    return FinishRun(rc, nullptr);
  } catch (const UsageError& e) {
    if (ReportsError(e)) std::fprintf(stderr, "%s%s\n", RankLabel().c_str(), e.what());
    return FinishRun(kExitUsage, &e);
  } catch (const nabla::Error& e) {
    if (ReportsError(e)) {
      std::fprintf(stderr, "nabla %s: %serror: %s\n", command.c_str(), RankLabel().c_str(),
                   e.what());
    }
    return FinishRun(ExitCodeForError(e, ExitCodeFor(e.code())), &e);
  } catch (const std::bad_alloc& e) {
    std::fprintf(stderr,
                 "nabla %s: %serror: out of memory (a model, batch or data set larger than this "
                 "machine holds; try a smaller --batch-size)\n",
                 command.c_str(), RankLabel().c_str());
    return FinishRun(kExitInvalidInput, &e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nabla %s: %sinternal error: %s\n", command.c_str(),
                 RankLabel().c_str(), e.what());
    return FinishRun(kExitInternal, &e);
  } catch (...) {
    // Only plugin code throws such things: nabla throws nabla::Error.
    std::fprintf(stderr,
                 "nabla %s: %serror: an exception that is not a std::exception escaped%s\n",
                 command.c_str(), RankLabel().c_str(),
                 !nabla::OpRegistry::Global().LoadedPlugins().empty() ? " (from a plugin's op kernel?)" : "");
    const std::runtime_error unknown("unknown exception");
    return FinishRun(kExitPlugin, &unknown);
  }
}
