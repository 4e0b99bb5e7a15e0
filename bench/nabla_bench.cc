// nabla side of the nabla-vs-PyTorch benchmark (bench/README.md). Takes the
// flags of bench/torch_bench.py, plus --path api|graph and --graph-dir, runs
// one workload (nabla_workloads.h) on Fashion-MNIST with model A or B
// (nabla_models.h) and prints the same report, one JSON object with --json:
// torch_bench.py's keys with "framework": "nabla", then "path",
// "model_source" and "nabla_version".
//
//   bazel build //bench:nabla_bench
//   bazel-bin/bench/nabla_bench --model A --mode train --threads 2 --json
//
// Exit status: 0 on success, 1 for a failed run (missing data or graph
// file), 2 for bad flags.
#include <sys/resource.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/nabla_models.h"
#include "bench/nabla_workloads.h"
#include "data/dataset_dir.h"
#include "graph/apply.h"
#include "graph/error.h"
#include "graph/kernel.h"
#include "graph/parallel.h"
#include "graph/version.h"

namespace nabla::bench {
namespace {

namespace po = boost::program_options;

constexpr const char* kDefaultData = "/usr/share/datasets/fashion-mnist";
constexpr const char* kDefaultGraphDir = "examples/mnist";

struct Options {
  std::string model, mode, path, data, graph_dir;
  bool graph_dir_given = false;
  int threads = 1;
  std::string backend = "auto", precision = "float32";
  WorkloadOptions workload;
  std::optional<int64_t> samples;
  bool json = false;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------- flags

Options ParseFlags(int argc, char** argv) {
  po::options_description desc("nabla_bench (see bench/README.md)");
  int64_t epochs = 0, warmup = 0, samples = 0;
  Options o;
  // clang-format off: one flag per line
  desc.add_options()("help,h", "show this help")("model", po::value(&o.model)->required(),
                                                 "A, B or C (bench/README.md)")("mode", po::value(&o.mode)->required(),
                                                           "train, infer or latency")(
      "threads", po::value(&o.threads)->required(), "threads (nabla::SetNumThreads)")(
      "backend", po::value(&o.backend)->default_value("auto"), "auto, eigen or dnnl")(
      "precision", po::value(&o.precision)->default_value("float32"), "float32 or bf16")(
      "path", po::value(&o.path)->default_value("api"),
      "api: model built with the C++ API; graph: loaded from a graph file")(
      "data", po::value(&o.data)->default_value(kDefaultData),
      "Fashion-MNIST directory or short name (data/dataset_dir.h)")(
      "graph-dir", po::value(&o.graph_dir),
      "directory of mlp_leaky.pbtxt and deep_prelu.pbtxt (default: examples/mnist, "
      "else the binary's runfiles)")("epochs", po::value(&epochs),
                                     "timed passes (train: default 1, infer: default 10)")(
      "warmup", po::value(&warmup),
      "untimed warm-up batches (train, infer: default 20) or batch-1 passes "
      "(latency: default 200)")("samples", po::value(&samples),
                                "use only the first N samples (default: all)")(
      "latency-iters", po::value(&o.workload.latency_iters)->default_value(2000),
      "timed batch-1 forward passes (latency)")(
      "seed", po::value(&o.workload.seed)->default_value(0), "parameter and shuffle seed")(
      "json", po::bool_switch(&o.json), "print one JSON object on stdout");
  // clang-format on
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    std::exit(0);
  }
  po::notify(vm);  // throws for missing required flags

  auto one_of = [](const std::string& flag, const std::string& value,
                   std::initializer_list<const char*> allowed) {
    for (const char* a : allowed) {
      if (value == a) return;
    }
    std::string list;
    for (const char* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    throw UsageError("--" + flag + " " + value + ": expected one of " + list);
  };
  one_of("model", o.model, {"A", "B", "C"});
  one_of("mode", o.mode, {"train", "infer", "latency"});
  one_of("path", o.path, {"api", "graph"});
  one_of("precision", o.precision, {"float32", "bf16"});
  one_of("backend", o.backend, {"auto", "eigen", "dnnl"});
  if (o.threads < 1) throw UsageError("--threads must be at least 1");
  WorkloadOptions& w = o.workload;
  w.epochs = vm.count("epochs") ? epochs : (o.mode == "infer" ? 10 : 1);
  w.warmup = vm.count("warmup") ? warmup : (o.mode == "latency" ? 200 : 20);
  if (w.epochs < 1) throw UsageError("--epochs must be at least 1");
  if (w.warmup < 0) throw UsageError("--warmup must not be negative");
  if (w.latency_iters < 1) throw UsageError("--latency-iters must be at least 1");
  if (vm.count("samples")) {
    if (samples < 1) throw UsageError("--samples must be at least 1");
    o.samples = samples;
  }
  o.graph_dir_given = vm.count("graph-dir") > 0;
  if (!o.graph_dir_given) o.graph_dir = kDefaultGraphDir;
  return o;
}

// ---------------------------------------------------------------- data

data::Dataset LoadData(const Options& o, data::Split split) {
  data::Dataset d = data::LoadSplit(o.data, split);
  if (o.samples && *o.samples < d.size) {
    d.size = *o.samples;
    d.pixels.resize(d.size * d.features());
    d.pixels.shrink_to_fit();
    d.labels.resize(d.size);
    d.labels.shrink_to_fit();
  }
  return d;
}

// ---------------------------------------------------------------- report

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonNumber(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  std::ostringstream s;
  s.precision(17);
  s << *v;
  return s.str();
}

double PeakRssMib() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Anonymous memory on transparent huge pages now (the kernel's
// AnonHugePages), to show the benchmark environment took effect; null where
// the kernel does not say.
std::optional<double> AnonHugePagesMib() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  std::string key;
  double kib;
  while (rollup >> key) {
    if (key == "AnonHugePages:" && rollup >> kib) return kib / 1024.0;
  }
  return std::nullopt;
}

void Report(const Options& o, int threads, const std::string& source, const Result& r) {
  const std::string eigen = "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
                            std::to_string(EIGEN_MAJOR_VERSION) + "." +
                            std::to_string(EIGEN_MINOR_VERSION) + " (built in)";
  // Keys in torch_bench.py's order, then nabla's own.
  std::vector<std::pair<std::string, std::string>> fields = {
      {"framework", JsonString("nabla")},
      {"model", JsonString(o.model)},
      {"mode", JsonString(o.mode)},
      {"threads", std::to_string(threads)},
      {"precision", JsonString(o.precision)},
      {"samples_per_s", JsonNumber(r.samples_per_s)},
      {"latency_us_median", JsonNumber(r.latency_us_median)},
      {"latency_us_p90", JsonNumber(r.latency_us_p90)},
      {"peak_rss_mib", JsonNumber(PeakRssMib())},
      {"anon_huge_pages_mib", JsonNumber(AnonHugePagesMib())},
      {"blas", JsonString(o.backend == "eigen" ? eigen : "oneDNN (" + o.backend + ") where it has the kernel, else " + eigen)},
      {"torch_version", "null"},
      {"final_loss", JsonNumber(r.final_loss)},
      {"blas_libs", "[]"},
      {"timed_samples", std::to_string(r.timed_samples)},
      {"elapsed_s", JsonNumber(r.elapsed_s)},
      {"best_step_samples_per_s", JsonNumber(r.best_step_samples_per_s)},
      {"path", JsonString(o.path)},
      {"backend", JsonString(o.backend)},
      {"model_source", JsonString(source)},
      {"nabla_version", JsonString(NABLA_VERSION)},
  };
  if (o.json) {
    std::string line = "{";
    for (size_t i = 0; i < fields.size(); ++i) {
      line += (i ? ", " : "") + JsonString(fields[i].first) + ": " + fields[i].second;
    }
    std::cout << line << "}" << std::endl;
    return;
  }
  for (const auto& [key, value] : fields) {
    if (value == "null" || value == "[]") continue;
    const bool quoted = value.size() >= 2 && value.front() == '"';
    std::printf("%18s: %s\n", key.c_str(),
                (quoted ? value.substr(1, value.size() - 2) : value).c_str());
  }
}

int Run(int argc, char** argv) {
  Options o;
  try {
    o = ParseFlags(argc, argv);
  } catch (const std::exception& e) {  // po::error or UsageError
    std::cerr << "nabla_bench: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    SetNumThreads(o.threads);  // before any op or model exists
    SetExecutionOptions({o.backend, o.precision == "bf16" ? Precision::kBFloat16
                                                            : Precision::kFloat32});
    ManualSeed(o.workload.seed);

    std::string source;
    std::unique_ptr<BenchModel> model;
    if (o.path == "api") {
      model = MakeApiModel(o.model);
    } else {
      const std::string dir = FindGraphDir(o.graph_dir, o.graph_dir_given);
      model = MakeGraphModel(o.model, dir);
    }
    source = model->Describe();
    const data::Dataset d =
        LoadData(o, o.mode == "train" ? data::Split::kTrain : data::Split::kTest);

    Result r;
    if (o.mode == "train") {
      r = TrainWorkload(*model, d, o.workload);
    } else if (o.mode == "infer") {
      r = InferWorkload(*model, d, o.workload);
    } else {
      r = LatencyWorkload(*model, d, o.workload);
    }
    const int threads = NumThreads();
    std::cerr << "nabla_bench: " << source << "; threads: " << threads << "\n";
    Report(o, threads, source, r);
  } catch (const Error& e) {
    std::cerr << "nabla_bench: " << ErrorCodeName(e.code()) << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace nabla::bench

int main(int argc, char** argv) { return nabla::bench::Run(argc, argv); }
