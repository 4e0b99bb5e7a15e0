// The oneDNN side of every dense kernel in this folder: the engine and
// stream, the backend's registration (which compute types this CPU runs
// natively), float32 -> bf16 conversion, and Gemm, a cache of oneDNN matmul
// primitives over plain row-major buffers.
//
// Nothing here is visible outside backends/dnnl (see BUILD): graph/ and
// ops/ never see oneDNN.
//
// Thread safety: a Gemm belongs to one kernel instance, used by one thread
// at a time (graph/kernel.h). The engine and stream are process-wide and
// created once; oneDNN's primitives may execute concurrently.
#ifndef NABLA_BACKENDS_DNNL_GEMM_H_
#define NABLA_BACKENDS_DNNL_GEMM_H_

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace nabla::dnnl_backend {

dnnl::engine& Engine();
dnnl::stream& Stream();

// Why this CPU cannot run bf16 natively through oneDNN, or "".
std::string Bf16Unavailable();

// bf16 values (the upper half of a float32, rounded to nearest even).
using Bf16 = uint16_t;

// dst[i] = bf16(src[i]) for i < n, on the configured threads. NaN stays NaN.
void ToBf16(const float* src, int64_t n, Bf16* dst);

// A bf16 buffer that kernels reuse across steps: Acquire returns a buffer
// of at least n elements that no one else holds (its use_count is 1 in
// the pool), so a tape node can keep it until backward and it returns to
// the pool when the node is freed. Avoids a fresh mmap'd allocation (and
// its page faults) per step.
class Bf16Pool {
 public:
  std::shared_ptr<std::vector<Bf16>> Acquire(int64_t n);

 private:
  std::vector<std::shared_ptr<std::vector<Bf16>>> buffers_;
};

// C[m, n] (+)= op(A)[m, k] op(B)[k, n] (+ bias[n]), A and B row-major as
// stored, op(X) = X^T when the flag says it is stored transposed; C is
// float32, row-major. A and B are both float32 or both bf16.
struct GemmShape {
  int64_t m, k, n;
  bool a_transposed = false, b_transposed = false;
  bool bf16 = false;
  bool accumulate = false;  // C += ... (a sum post-op) instead of C = ...
  bool bias = false;
  auto Key() const { return std::tie(m, k, n, a_transposed, b_transposed, bf16, accumulate, bias); }
  bool operator<(const GemmShape& o) const { return Key() < o.Key(); }
};

class Gemm {
 public:
  // Creates the primitive on the first call for a shape, then reuses it.
  void Run(const GemmShape& shape, const void* a, const void* b, float* c,
           const float* bias = nullptr);
  // The implementation oneDNN picked for a shape ("brg:avx512_core_bf16").
  std::string ImplName(const GemmShape& shape);

 private:
  // The primitive and its argument memories, made once per shape; each
  // call only points the memories at its buffers (no allocation per call).
  struct Primitive {
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul matmul;
    std::unordered_map<int, dnnl::memory> args;
  };
  Primitive& Get(const GemmShape& shape);
  std::map<GemmShape, Primitive> primitives_;
};

// grad_bias[j] (+)= sum_i grad_output[i, j] for a [rows, cols] buffer.
void ColumnSums(const float* grad_output, int64_t rows, int64_t cols, bool accumulate,
                float* grad_bias);

}  // namespace nabla::dnnl_backend

#endif  // NABLA_BACKENDS_DNNL_GEMM_H_
