#include "tools/cli/common.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "plugins/loader.h"

namespace nabla::cli {

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kInvalidFile:
    case ErrorCode::kNotFound: return kExitInvalidInput;
    case ErrorCode::kDiverged: return kExitDiverged;
    case ErrorCode::kPlugin: return kExitPlugin;
    case ErrorCode::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

bool ParseArgs(const std::string& command, const std::string& usage,
               const std::vector<std::string>& args, const po::options_description& options,
               const std::vector<std::string>& positional, po::variables_map* vm) {
  po::options_description all = options;
  all.add_options()("help,h", "show this help");
  po::positional_options_description pos;
  for (const std::string& name : positional) pos.add(name.c_str(), 1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), *vm);
    if (vm->count("help")) {
      std::cout << "usage: nabla " << command << " " << usage << "\n\n" << all;
      return false;
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    throw UsageError("nabla " + command + ": " + e.what() + "\nusage: nabla " + command +
                     " " + usage);
  }
  for (const std::string& name : positional) {
    if (!vm->count(name)) {
      throw UsageError("nabla " + command + ": missing " + name + "\nusage: nabla " + command +
                       " " + usage);
    }
  }
  return true;
}

void LoadPlugins(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    try {
      LoadPlugin(path);
    } catch (const Error& e) {
      // LoadPlugin reports a missing file as kNotFound; on the command line
      // every --plugin that fails to load exits with kExitPlugin.
      if (e.code() != ErrorCode::kNotFound) throw;
      throw Error(ErrorCode::kPlugin, e.what());
    }
  }
}

ProgressBar::ProgressBar() : enabled_(::isatty(STDERR_FILENO)) {}

void ProgressBar::Update(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
                         double loss, double samples_per_second, double elapsed) {
  if (!enabled_) return;
  // Redraw at most ten times a second, and always on the last batch.
  if (batch != batches && elapsed - last_draw_ < 0.1 && last_draw_ >= 0) return;
  last_draw_ = batch == batches ? -1 : elapsed;
  constexpr int kWidth = 28;
  int filled = static_cast<int>(kWidth * batch / std::max<int64_t>(batches, 1));
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  double eta = batch > 0 ? elapsed * (batches - batch) / batch : 0;
  std::fprintf(stderr, "\repoch %lld/%lld [%s] %lld/%lld  loss %.4f  %.0f samples/s  ETA %.0fs ",
               static_cast<long long>(epoch), static_cast<long long>(epochs), bar.c_str(),
               static_cast<long long>(batch), static_cast<long long>(batches), loss,
               samples_per_second, eta);
  std::fflush(stderr);
}

void ProgressBar::Clear() {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

}  // namespace nabla::cli
