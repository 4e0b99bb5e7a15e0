// Dropout (inverted): in training mode y = x * m / (1 - p), where each m[k]
// is 0 with probability p and 1 otherwise, independently; in eval mode (and
// for p = 0) y = x. Scaling the kept elements in training keeps E[y] = x,
// so evaluation needs no rescaling.
// Backward: grad_input = grad_output * m / (1 - p), from the scaled mask
// saved by the forward; in eval mode nothing is saved and grad_input =
// grad_output.
//
// Attribute p (float, default 0.5, in [0, 1)): the probability of zeroing
// an element.
// The mask comes from nabla::Rng seeded with ctx.seed(), a seed drawn per
// call from the global generator, so ManualSeed(s) reproduces it exactly.
// One draw from that Rng keys a SplitMix64 stream that is expanded in-line:
// it yields exactly what an Rng seeded with the key would, but Rng::NextU64
// lives out of line in init.cc, and one call per pair of elements made the
// mask about 10x slower (1.15 ms against 0.1 ms for 256k elements here).
#include <cstdint>

#include "graph/init.h"
#include "graph/registry.h"

namespace nabla {
namespace {

// SplitMix64 (graph/init.cc): the state advances by a constant and the
// output is a bijective mix of the state.
constexpr uint64_t kSplitMixStep = 0x9e3779b97f4a7c15ULL;
inline uint64_t SplitMix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct DropoutKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const double p = ctx.attr_float("p");
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (!ctx.training() || p == 0) {
      y.CopyFrom(x);
      return;
    }
    Tensor& mask = ctx.saved();
    mask = Tensor(x.dtype(), x.shape());
    T* m = mask.data<T>();
    const T scale = static_cast<T>(1 / (1 - p));
    // One 64-bit draw decides two elements, 32 bits each: an element is
    // dropped when its bits fall below p * 2^32 (probability p to 2^-32).
    const uint64_t threshold = static_cast<uint64_t>(p * 4294967296.0);
    uint64_t state = Rng(ctx.seed()).NextU64();
    const int64_t n = x.size();
    int64_t k = 0;
    for (; k + 1 < n; k += 2) {
      const uint64_t bits = SplitMix(state += kSplitMixStep);
      m[k] = (bits & 0xffffffffu) < threshold ? T(0) : scale;
      m[k + 1] = (bits >> 32) < threshold ? T(0) : scale;
    }
    if (k < n) {
      m[k] = (SplitMix(state += kSplitMixStep) & 0xffffffffu) < threshold ? T(0) : scale;
    }
    y.array<T>() = x.array<T>() * mask.array<T>();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const Tensor& mask = ctx.saved();
    if (!mask.defined()) {
      ctx.grad_input(0).CopyFrom(ctx.grad_output(0));
      return;
    }
    ctx.grad_input(0).array<T>() = ctx.grad_output(0).array<T>() * mask.array<T>();
  }
};

NABLA_REGISTER_OP(
    OpSchema("Dropout")
        .Doc("training: zero each element with probability p, scale the rest by 1/(1-p); "
             "eval: identity")
        .Input("x")
        .Output("y")
        .Attr("p", AttrType::kFloat, 0.5, "probability of zeroing an element")
        .Constraint("in [0, 1)",
                    [](const AttrValue& v) -> std::string {
                      return v.f() >= 0 && v.f() < 1 ? "" : "a value in [0, 1)";
                    })
        .Shapes(ElementwiseShape)
        .Sample({{{"p", 0.3}}, {{4, 5}}})
        .Sample({{{"p", 0.0}}, {{3}}})
        .Kernels<DropoutKernel>());

}  // namespace
}  // namespace nabla
