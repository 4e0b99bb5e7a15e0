#include "tools/cli/common.h"

#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <algorithm>

#include "graph/parallel.h"
#include "graph/strings.h"

#include "plugins/loader.h"
#include "tools/cli/execution_options.h"
#include "tools/cli/help.h"

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
      std::cout << FormatHelp(command, usage, all, positional);
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

namespace {

// Per-CPU (idle, total) jiffies from /proc/stat, by CPU number.
std::map<int, std::pair<uint64_t, uint64_t>> CpuTimes() {
  std::map<int, std::pair<uint64_t, uint64_t>> times;
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    int cpu = -1;
    unsigned long long v[8] = {};
    if (std::sscanf(line.c_str(), "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0],
                    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5 ||
        cpu < 0) {
      continue;
    }
    uint64_t total = 0;
    for (unsigned long long x : v) total += x;
    times[cpu] = {v[3] + v[4], total};  // idle + iowait
  }
  return times;
}

}  // namespace

int AutoThreads(std::string* why) {
  const int cores = UsableCores();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cores == 1 || sched_getaffinity(0, sizeof(set), &set) != 0) {
    *why = "auto: " + std::to_string(cores) + " usable core(s)";
    return cores;
  }
  auto before = CpuTimes();
  ::usleep(50 * 1000);
  auto after = CpuTimes();
  double idle = 0;
  int measured = 0;
  for (const auto& [cpu, end] : after) {
    if (!CPU_ISSET(cpu, &set) || !before.count(cpu)) continue;
    const auto& start = before[cpu];
    if (end.second <= start.second) continue;
    idle += static_cast<double>(end.first - start.first) / (end.second - start.second);
    ++measured;
  }
  if (measured == 0) {
    *why = "auto: " + std::to_string(cores) + " usable core(s), idle time unknown";
    return cores;
  }
  // A core counts when it was at least 3/4 idle.
  int threads = std::clamp(static_cast<int>(idle + 0.25), 1, cores);
  char text[96];
  std::snprintf(text, sizeof(text), "auto: %.1f of %d usable core(s) idle", idle, cores);
  *why = text;
  return threads;
}

void AddModelRunOptions(po::options_description* options) {
  options->add_options()
      ("batch-size", po::value<int64_t>()->default_value(1000), "samples per forward pass")
      ("threads", po::value<int>()->default_value(0), "threads (0: one per usable core)")
      ("set", po::value<std::vector<std::string>>()->composing(), "NODE.ATTR=VALUE override")
      ("plugin", po::value<std::vector<std::string>>()->composing(), "load an op library first");
}

ModelRunFlags ParseModelRunFlags(const std::string& command, const po::variables_map& vm) {
  ModelRunFlags flags;
  const std::string split = vm["split"].as<std::string>();
  if (split != "test" && split != "train") {
    throw UsageError("nabla " + command + ": --split must be test or train, found '" + split +
                     "'");
  }
  flags.train_split = split == "train";
  flags.batch_size = vm["batch-size"].as<int64_t>();
  if (flags.batch_size < 1 || flags.batch_size > (int64_t{1} << 24)) {
    throw UsageError("nabla " + command + ": --batch-size must be in 1..16777216, found " +
                     std::to_string(flags.batch_size));
  }
  flags.threads = CheckThreads(command, vm["threads"].as<int>());
  if (vm.count("set")) flags.overrides = vm["set"].as<std::vector<std::string>>();
  return flags;
}

void StartModelRun(const po::variables_map& vm, const ModelRunFlags& flags) {
  if (vm.count("plugin")) LoadPlugins(vm["plugin"].as<std::vector<std::string>>());
  std::string threads_note;
  SetNumThreads(flags.threads > 0 ? flags.threads : AutoThreads(&threads_note));
  ApplyExecutionOptions(vm);
}

int CheckThreads(const std::string& command, int threads) {
  const int cores = UsableCores();
  const int most = kMaxThreadsPerCore * cores;
  if (threads < 0 || threads > most) {
    throw UsageError("nabla " + command + ": --threads must be in 0.." + std::to_string(most) +
                     " (0: one per usable core; this process may run on " +
                     std::to_string(cores) + " core(s)), found " + std::to_string(threads));
  }
  return threads;
}

uint64_t ParseSeed(const std::string& command, const std::string& text) {
  const std::string bad = "nabla " + command +
                          ": --seed must be a whole number in 0..18446744073709551615, found '" +
                          text + "'";
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError(bad);
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0') throw UsageError(bad);
  return value;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0) {
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  }
  std::error_code ec;
  namespace fs = std::filesystem;
  fs::path pa = fs::weakly_canonical(fs::absolute(a, ec), ec);
  fs::path pb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return pa.lexically_normal() == pb.lexically_normal();
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.6f", value);
  return text;
}

std::string JsonNumber(double value, int digits) {
  if (!std::isfinite(value)) return "null";
  char text[40];
  std::snprintf(text, sizeof(text), "%.*g", digits, value);
  return text;
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = text[i];
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\\\x%02x", c);
        out += escaped;
      } else {
        out.append(text, i, length);
        i += length - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

namespace {

std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};
struct sigaction previous_int, previous_term;
static_assert(std::atomic<bool>::is_always_lock_free, "used from a signal handler");

extern "C" void OnInterrupt(int signal_number) {
  // Only async-signal-safe calls here: atomics, write.
  stop_signal = signal_number;
  stop_requested = true;
  static const char kMessage[] =
      "\nnabla train: stopping after this step to save the run; signal again to abort at once\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  stop_requested = false;
  stop_signal = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the handler runs once; the next signal gets the default
  // action, which ends the process.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

const std::atomic<bool>* InterruptGuard::stop() const { return &stop_requested; }

std::string InterruptGuard::signal_name() const {
  switch (stop_signal.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case 0: return "";
  }
  return "signal " + std::to_string(stop_signal.load());
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
