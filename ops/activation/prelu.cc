// PReLU: y = x if x > 0, else slope[c] * x, with a learnable slope.
// Backward:
//   grad_input = grad_output if x > 0, else slope[c] * grad_output
//   grad_slope[c] = sum of x * grad_output over every position with x <= 0
//                   that shares slope c (all positions when num_parameters
//                   is 1; batch and spatial positions of channel c otherwise)
//
// Attributes:
//   num_parameters (int, default 1): 1 shares one slope across the layer;
//     otherwise one slope per channel (dimension 1 of the input), and the
//     input's dimension 1 must equal it.
//   init (float, default 0.25): the slope's initial value (He et al.).
// The slope is exempt from weight decay by default, as the PReLU paper
// advises.
#include <algorithm>
#include <vector>

#include "graph/parallel.h"
#include "graph/registry.h"

namespace nabla {
namespace {

// Views x as [outer, channels, inner]: channels = dim 1 (or 1 when shared).
void Geometry(const Tensor& x, int64_t num_parameters, int64_t* outer,
              int64_t* channels, int64_t* inner) {
  *channels = num_parameters;
  *outer = x.rank() == 0 ? 1 : x.dim(0);
  if (num_parameters == 1) {
    *outer = 1;
    *inner = x.size();
    return;
  }
  *inner = x.size() / (*outer * *channels);
}

// The shared-slope case (one slope, the whole tensor as one run of
// elements) splits over threads: serial, it kept the second core waiting
// at a barrier through every PReLU of model B (bench/RESULTS.md). The
// slope gradient is summed in fixed blocks of kSumBlock elements, each
// block's partial sum computed the same way whichever thread runs it, and
// the partial sums added in block order: the result is bit-identical for
// any thread count.
constexpr int64_t kMinPerThread = 1 << 14;  // elementwise work per thread
constexpr int64_t kSumBlock = 1 << 12;      // elements per partial sum

// Branch-free forms: the product is computed whether or not it is kept.
// The first threaded version wrote `x > 0 ? x : a * x` inside the
// ParallelFor lambdas, and GCC compiled those loops scalar, with a branch
// per element on the random sign of x: perf put PReLU forward and backward
// at 20% of model B's 1-thread step (a loaded machine), against 2.3% for
// the serial loops before them and 1.2% for these.
template <typename T>
inline T PReluValue(T x, T a) {
  const T ax = a * x;
  return x > T(0) ? x : ax;
}
template <typename T>
inline T PReluGrad(T x, T g, T a) {
  const T ag = a * g;
  return x > T(0) ? g : ag;
}
template <typename T>
inline T NegativePart(T x) {
  return x > T(0) ? T(0) : x;
}

// One block of the shared-slope backward: writes grad_input, returns the
// block's slope-gradient sum. Never inlined, so the serial call and the
// threads' calls run the same machine code (two inlined copies may be
// vectorised differently and sum in a different order).
template <typename T>
__attribute__((noinline)) T SharedBackwardBlock(const T* in, const T* grad_output, T a,
                                                int64_t begin, int64_t end, T* grad_input) {
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t k = begin; k < end; ++k) {
    const T v = in[k], g = grad_output[k];
    grad_input[k] = PReluGrad(v, g, a);
    sum += NegativePart(v) * g;
  }
  return sum;
}

// The loops below are written for the vectoriser: `omp simd` lets it keep
// the slope-gradient sum in several lanes (plain C++ forbids reordering a
// float sum), which made the backward 2.3x faster than a scalar loop.
struct PReluKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const T* slope = ctx.input(1).data<T>();
    int64_t outer, channels, inner;
    Geometry(x, ctx.input(1).size(), &outer, &channels, &inner);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    if (channels == 1) {
      const T a = slope[0];
      ParallelFor(inner, kMinPerThread, [&](int64_t begin, int64_t end) {
#pragma omp simd
        for (int64_t k = begin; k < end; ++k) out[k] = PReluValue(in[k], a);
      });
      return;
    }
    for (int64_t o = 0; o < outer; ++o) {
      if (inner == 1) {  // [N, C]: one slope per column
        const T* row = in + o * channels;
        T* out_row = out + o * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; ++c) {
          out_row[c] = PReluValue(row[c], slope[c]);
        }
        continue;
      }
      for (int64_t c = 0; c < channels; ++c) {
        const T a = slope[c];
        const int64_t base = (o * channels + c) * inner;
#pragma omp simd
        for (int64_t k = base; k < base + inner; ++k) {
          out[k] = PReluValue(in[k], a);
        }
      }
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const T* slope = ctx.input(1).data<T>();
    int64_t outer, channels, inner;
    Geometry(x, ctx.input(1).size(), &outer, &channels, &inner);
    const T* in = x.data<T>();
    const T* grad_output = ctx.grad_output(0).data<T>();
    // Written unconditionally (into scratch when not needed) so each loop
    // stays branch-free.
    Tensor scratch;
    if (!ctx.needs_grad(0)) scratch = Tensor(x.dtype(), x.shape());
    T* grad_input = (ctx.needs_grad(0) ? ctx.grad_input(0) : scratch).template data<T>();
    std::vector<T> grad_slope(channels, T(0));
    if (channels == 1) {
      const T a = slope[0];
      const int64_t blocks = (inner + kSumBlock - 1) / kSumBlock;
      std::vector<T> partial(blocks);
      ParallelFor(blocks, kMinPerThread / kSumBlock, [&](int64_t first, int64_t last) {
        for (int64_t b = first; b < last; ++b) {
          const int64_t begin = b * kSumBlock;
          partial[b] = SharedBackwardBlock(in, grad_output, a, begin,
                                           std::min(inner, begin + kSumBlock), grad_input);
        }
      });
      for (const T p : partial) grad_slope[0] += p;
    }
    for (int64_t o = 0; o < outer && channels != 1; ++o) {
      if (inner == 1) {  // [N, C]: one slope per column
        const int64_t base = o * channels;
#pragma omp simd
        for (int64_t c = 0; c < channels; ++c) {
          const T v = in[base + c], g = grad_output[base + c];
          grad_input[base + c] = PReluGrad(v, g, slope[c]);
          grad_slope[c] += NegativePart(v) * g;
        }
        continue;
      }
      for (int64_t c = 0; c < channels; ++c) {
        const T a = slope[c];
        const int64_t base = (o * channels + c) * inner;
        T sum = 0;
#pragma omp simd reduction(+ : sum)
        for (int64_t k = base; k < base + inner; ++k) {
          const T v = in[k], g = grad_output[k];
          grad_input[k] = PReluGrad(v, g, a);
          sum += NegativePart(v) * g;
        }
        grad_slope[c] += sum;
      }
    }
    if (ctx.needs_grad(1)) {
      std::copy(grad_slope.begin(), grad_slope.end(), ctx.grad_input(1).data<T>());
    }
  }
};

NABLA_REGISTER_OP(
    OpSchema("PReLU")
        .Doc("y = x if x > 0 else slope * x, slope learnable (shared or per channel)")
        .Input("x")
        .Output("y")
        .Attr("num_parameters", AttrType::kInt, int64_t{1},
              "1: one slope for the layer; C: one per channel (input dim 1)")
        .Constraint("> 0", Positive())
        .Attr("init", AttrType::kFloat, 0.25, "initial slope")
        .Constraint("finite", Finite())
        .Param({"slope",
                [](const AttrMap& a) { return Shape{a.at("num_parameters").i()}; },
                [](const AttrMap& a) {
                  return InitSpec{InitSpec::kConstant, a.at("init").f(), 0};
                },
                /*weight_decay=*/false, "negative-side slope(s)"})
        .Shapes([](const std::vector<Shape>& in, const AttrMap& a) {
          int64_t n = a.at("num_parameters").i();
          if (n != 1) {
            if (in[0].rank() < 2) {
              NABLA_THROW(kInvalidArgument)
                  << "num_parameters=" << n << " needs an input with a channel "
                  << "dimension (rank >= 2), found " << in[0].ToString();
            }
            if (in[0][1] != kUnknownDim && in[0][1] != n) {
              NABLA_THROW(kInvalidArgument)
                  << "input " << in[0].ToString() << " has " << in[0][1]
                  << " channels (dim 1), num_parameters is " << n;
            }
          }
          if (in[1] != Shape{n}) {
            NABLA_THROW(kInvalidArgument) << "slope has shape " << in[1].ToString()
                                          << ", expected [" << n << "]";
          }
          return std::vector<Shape>{in[0]};
        })
        .Repr([](const AttrMap& a) {
          return "(num_parameters=" + a.at("num_parameters").ToString() +
                 ", init=" + a.at("init").ToString() + ")";
        })
        .Sample({{{"num_parameters", int64_t{1}}}, {{3, 4}}, -2, 2, {0.0}})
        .Sample({{{"num_parameters", int64_t{4}}}, {{3, 4}}, -2, 2, {0.0}})
        .Sample({{{"num_parameters", int64_t{2}}}, {{2, 2, 3}}, -2, 2, {0.0}})
        .Kernels<PReluKernel>());

}  // namespace
}  // namespace nabla
