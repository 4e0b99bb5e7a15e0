#include "backends/dnnl/gemm.h"

#include <immintrin.h>

#include <cstring>
#include <string>

#include "graph/error.h"
#include "graph/kernel.h"
#include "graph/parallel.h"

namespace nabla::dnnl_backend {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

const char* IsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

// dims [rows, cols] of a row-major buffer seen as op(X): stored [rows, cols]
// (tag ab) or stored [cols, rows] and read transposed (tag ba).
dnnl::memory::desc Desc(int64_t rows, int64_t cols, bool transposed, dt type) {
  return dnnl::memory::desc({rows, cols}, type, transposed ? tag::ba : tag::ab);
}

NABLA_REGISTER_BACKEND((BackendInfo{
    "dnnl", "oneDNN " + std::to_string(DNNL_VERSION_MAJOR) + "." +
                std::to_string(DNNL_VERSION_MINOR) + " (f32 and bf16 GEMM kernels)",
    [](ComputeType type) -> std::string {
      if (type == ComputeType::kBFloat16) return Bf16Unavailable();
      if (type == ComputeType::kFloat64) return "oneDNN has no float64 kernels";
      return "";
    }}));

}  // namespace

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

dnnl::stream& Stream() {
  static dnnl::stream* stream = new dnnl::stream(Engine());
  return *stream;
}

std::string Bf16Unavailable() {
  const dnnl::cpu_isa isa = dnnl::get_effective_cpu_isa();
  if (isa == dnnl::cpu_isa::avx512_core_bf16 || isa == dnnl::cpu_isa::avx512_core_amx) {
    return "";
  }
  return std::string("this CPU has no native bf16 arithmetic (oneDNN's ISA here is ") +
         IsaName(isa) + "; bf16 needs avx512_core_bf16 or avx512_core_amx" +
         (std::getenv("ONEDNN_MAX_CPU_ISA") ? ", and ONEDNN_MAX_CPU_ISA is set" : "") + ")";
}

namespace {

// Round to nearest even, NaN stays (quiet) NaN.
void ToBf16Portable(const float* src, int64_t n, Bf16* dst) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, src + i, sizeof u);
    const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
    const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    dst[i] = nan ? static_cast<Bf16>((u >> 16) | 0x40u) : static_cast<Bf16>(rounded);
  }
}

// The CPU's own conversion (VCVTNE2PS2BF16, round to nearest even),
// compiled for AVX512_BF16 whatever -march says and called only when the
// CPU has it; bf16 is refused on CPUs without it (Bf16Unavailable), so
// this is the path every bf16 run takes. Same bits as the portable loop
// (model A's bf16 training loss is identical to the last digit); model A's
// bf16 training went from 92k to 101-107k samples/s on one core (lscpu
// model "AMD EPYC", CPU family 26, Zen 5)
// (bazel-bin/bench/nabla_bench --model A --mode train --threads 1
// --precision bf16, before and after).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void ToBf16Avx512(
    const float* src, int64_t n, Bf16* dst) {
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
    _mm512_storeu_si512(dst + i, reinterpret_cast<__m512i>(pair));
  }
  ToBf16Portable(src + i, n - i, dst + i);
}

const bool kHaveAvx512Bf16 = __builtin_cpu_supports("avx512bf16");

}  // namespace

void ToBf16(const float* src, int64_t n, Bf16* dst) {
  ParallelFor(n, 1 << 15, [&](int64_t begin, int64_t end) {
    if (kHaveAvx512Bf16) {
      ToBf16Avx512(src + begin, end - begin, dst + begin);
    } else {
      ToBf16Portable(src + begin, end - begin, dst + begin);
    }
  });
}

std::shared_ptr<std::vector<Bf16>> Bf16Pool::Acquire(int64_t n) {
  for (auto& buffer : buffers_) {
    if (buffer.use_count() == 1) {
      if (static_cast<int64_t>(buffer->size()) < n) buffer->resize(n);
      return buffer;
    }
  }
  buffers_.push_back(std::make_shared<std::vector<Bf16>>(n));
  return buffers_.back();
}

Gemm::Primitive& Gemm::Get(const GemmShape& s) {
  auto it = primitives_.find(s);
  if (it != primitives_.end()) return it->second;
  const dt in = s.bf16 ? dt::bf16 : dt::f32;
  dnnl::memory::desc a = Desc(s.m, s.k, s.a_transposed, in);
  dnnl::memory::desc b = Desc(s.k, s.n, s.b_transposed, in);
  dnnl::memory::desc c({s.m, s.n}, dt::f32, tag::ab);
  dnnl::primitive_attr attr;
  if (s.accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  try {
    dnnl::matmul::desc desc = s.bias ? dnnl::matmul::desc(a, b, dnnl::memory::desc({1, s.n}, dt::f32, tag::ab), c)
                                     : dnnl::matmul::desc(a, b, c);
    dnnl::matmul::primitive_desc pd(desc, attr, Engine());
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, dnnl::memory(pd.src_desc(), Engine(), DNNL_MEMORY_NONE)},
        {DNNL_ARG_WEIGHTS, dnnl::memory(pd.weights_desc(), Engine(), DNNL_MEMORY_NONE)},
        {DNNL_ARG_DST, dnnl::memory(pd.dst_desc(), Engine(), DNNL_MEMORY_NONE)},
    };
    if (s.bias) args[DNNL_ARG_BIAS] = dnnl::memory(pd.bias_desc(), Engine(), DNNL_MEMORY_NONE);
    auto [pos, inserted] = primitives_.emplace(s, Primitive{pd, dnnl::matmul(pd), std::move(args)});
    return pos->second;
  } catch (const dnnl::error& e) {
    NABLA_THROW(kInternal) << "oneDNN matmul " << s.m << "x" << s.k << "x" << s.n << ": "
                           << e.what();
  }
}

void Gemm::Run(const GemmShape& s, const void* a, const void* b, float* c, const float* bias) {
  Primitive& p = Get(s);
  p.args.at(DNNL_ARG_SRC).set_data_handle(const_cast<void*>(a));
  p.args.at(DNNL_ARG_WEIGHTS).set_data_handle(const_cast<void*>(b));
  p.args.at(DNNL_ARG_DST).set_data_handle(c);
  if (s.bias) p.args.at(DNNL_ARG_BIAS).set_data_handle(const_cast<float*>(bias));
  p.matmul.execute(Stream(), p.args);
  Stream().wait();
}

std::string Gemm::ImplName(const GemmShape& shape) { return Get(shape).pd.impl_info_str(); }

void ColumnSums(const float* grad_output, int64_t rows, int64_t cols, bool accumulate,
                float* grad_bias) {
  ParallelFor(cols, 64, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      if (!accumulate) grad_bias[j] = 0;
    }
    for (int64_t i = 0; i < rows; ++i) {
      const float* row = grad_output + i * cols;
      for (int64_t j = begin; j < end; ++j) grad_bias[j] += row[j];
    }
  });
}

}  // namespace nabla::dnnl_backend
