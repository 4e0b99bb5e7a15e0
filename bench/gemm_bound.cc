// The GEMM bound of a training step: the time oneDNN's matmul alone takes
// for every GEMM of one step of model A or B at batch 256 (forward,
// backward data except for the first layer, backward weights), on plain
// row-major buffers as nabla holds them, in float32 and in bf16 (bf16
// inputs, float32 outputs). 256 / that time is the samples/s no framework
// can beat with these kernels; run_bench.py reports each framework as a
// fraction of it.
//
//   bazel-bin/bench/gemm_bound --model A --threads 1 [--reps 30] [--accumulate 1]
//
// --accumulate 1 runs the backward-weight GEMMs as accumulating ones
// (oneDNN's sum post-op: grad_W += ...), as a backward into a kept, zeroed
// gradient would; the default overwrites, as nabla's training steps do
// (Optimizer::StepAndZeroGrad drops the gradients). The difference is what
// accumulating costs.
//
// Prints one JSON object: {"model": "A", "threads": 1,
// "float32_samples_per_s": ..., "bf16_samples_per_s": ... (null without
// native bf16), "float32_impl": "brg:avx512_core", ...}.
#include <omp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

struct Gemm {
  int64_t m, k, n;
  bool a_t, b_t;  // stored transposed
  bool accumulate = false;  // C += A B (sum post-op) instead of C = A B
};

// Every GEMM of one training step, as nabla's dnnl Linear kernel runs them.
std::vector<Gemm> StepGemms(const std::vector<int64_t>& widths, int64_t batch,
                            bool accumulate) {
  std::vector<Gemm> gemms;
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    const int64_t in = widths[l], out = widths[l + 1];
    gemms.push_back({batch, in, out, false, true});             // y = x W^T
    if (l > 0) gemms.push_back({batch, out, in, false, false});  // grad_x = grad_y W
    gemms.push_back({out, batch, in, true, false, accumulate});  // grad_W = grad_y^T x
  }
  return gemms;
}

struct Prepared {
  dnnl::matmul matmul;
  dnnl::memory a, b, c;
  std::string impl;
};

double StepSeconds(const std::vector<Gemm>& gemms, dt type, int reps, std::string* impl) {
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::vector<Prepared> prepared;
  for (const Gemm& g : gemms) {
    dnnl::memory::desc a({g.m, g.k}, type, g.a_t ? tag::ba : tag::ab);
    dnnl::memory::desc b({g.k, g.n}, type, g.b_t ? tag::ba : tag::ab);
    dnnl::memory::desc c({g.m, g.n}, dt::f32, tag::ab);
    dnnl::primitive_attr attr;
    if (g.accumulate) {
      dnnl::post_ops sum;
      sum.append_sum(1.f);
      attr.set_post_ops(sum);
    }
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), attr, engine);
    Prepared p{dnnl::matmul(pd), dnnl::memory(a, engine), dnnl::memory(b, engine),
               dnnl::memory(c, engine), pd.impl_info_str()};
    // Defined inputs (zeros would let nothing special happen either, but
    // make the run independent of whatever the allocator left there).
    std::memset(p.a.get_data_handle(), 0x3c, a.get_size());
    std::memset(p.b.get_data_handle(), 0x3c, b.get_size());
    std::memset(p.c.get_data_handle(), 0, c.get_size());  // read when accumulating
    prepared.push_back(std::move(p));
  }
  *impl = prepared.front().impl;
  auto step = [&] {
    for (Prepared& p : prepared) {
      p.matmul.execute(stream, {{DNNL_ARG_SRC, p.a}, {DNNL_ARG_WEIGHTS, p.b}, {DNNL_ARG_DST, p.c}});
    }
    stream.wait();
  };
  for (int i = 0; i < 5; ++i) step();
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    step();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// A whole number, or false ("--threads two" is an error, not 0).
bool ParseInt(const char* text, int* out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < INT_MIN || value > INT_MAX) {
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = "A";
  int threads = 1, reps = 30, accumulate = 0;
  if (argc % 2 != 1) {
    std::fprintf(stderr, "gemm_bound: %s needs a value\n", argv[argc - 1]);
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    bool ok = true;
    if (!std::strcmp(argv[i], "--model")) model = argv[i + 1];
    else if (!std::strcmp(argv[i], "--threads")) ok = ParseInt(argv[i + 1], &threads);
    else if (!std::strcmp(argv[i], "--reps")) ok = ParseInt(argv[i + 1], &reps);
    else if (!std::strcmp(argv[i], "--accumulate")) ok = ParseInt(argv[i + 1], &accumulate);
    else {
      std::fprintf(stderr, "gemm_bound: unknown flag %s\n", argv[i]);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "gemm_bound: %s '%s' is not a whole number\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  if ((model != "A" && model != "B") || threads < 1 || reps < 1 ||
      (accumulate != 0 && accumulate != 1)) {
    std::fprintf(stderr,
                 "gemm_bound: --model A|B --threads N>=1 [--reps N>=1] [--accumulate 0|1]\n");
    return 2;
  }
  omp_set_num_threads(threads);
  const std::vector<int64_t> widths =
      model == "A" ? std::vector<int64_t>{784, 1000, 100, 10}
                   : std::vector<int64_t>{784, 1024, 512, 64, 10};
  constexpr int64_t kBatch = 256;
  const std::vector<Gemm> gemms = StepGemms(widths, kBatch, accumulate == 1);
  std::string f32_impl, bf16_impl;
  const double f32 = StepSeconds(gemms, dt::f32, reps, &f32_impl);
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  const bool native_bf16 =
      isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx;
  std::string bf16_value = "null";
  if (native_bf16) {
    const double bf16 = StepSeconds(gemms, dt::bf16, reps, &bf16_impl);
    bf16_value = std::to_string(kBatch / bf16);
  }
  std::printf(
      "{\"framework\": \"gemm bound\", \"model\": \"%s\", \"threads\": %d, "
      "\"accumulate\": %s, "
      "\"float32_samples_per_s\": %f, \"bf16_samples_per_s\": %s, \"float32_impl\": \"%s\", "
      "\"bf16_impl\": \"%s\"}\n",
      model.c_str(), threads, accumulate ? "true" : "false", kBatch / f32, bf16_value.c_str(),
      f32_impl.c_str(), bf16_impl.c_str());
  return 0;
}
